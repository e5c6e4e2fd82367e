/**
 * The OpenAPI document's view of the served providers: the `provider` path parameter of every
 * operation and the profile schema's `provider` property list exactly the served keys, and the
 * profile schema carries each provider's own fields as its declaration describes them.
 */
import type { OpenAPIObject, OperationObject, ParameterObject, SchemaObject } from '@nestjs/swagger';
import type { IdentityProviderAdapter } from './identity-provider.adapter';

/** The schema of the normalized profile (`NormalizedProfile`) in the document. */
export const PROFILE_SCHEMA_NAME = 'ProfileDto';

type ProviderDescription = Pick<IdentityProviderAdapter, 'key' | 'profileFields'>;

/** Sets the provider enums and the profile's provider fields of `document` (changed in place). */
export function describeProviders(
  document: OpenAPIObject,
  providers: readonly ProviderDescription[],
): OpenAPIObject {
  const keys = providers.map((p) => p.key);
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as OperationObject[]) {
      if (typeof operation !== 'object' || operation === null || !Array.isArray(operation.parameters))
        continue;
      for (const parameter of operation.parameters as ParameterObject[]) {
        if (parameter.name === 'provider' && parameter.in === 'path') {
          parameter.schema = { ...parameter.schema, enum: keys, type: 'string' };
        }
      }
    }
  }
  const profile = document.components?.schemas?.[PROFILE_SCHEMA_NAME] as SchemaObject | undefined;
  if (profile !== undefined) describeProfile(profile, providers);
  return document;
}

function describeProfile(profile: SchemaObject, providers: readonly ProviderDescription[]): void {
  const properties = (profile.properties ??= {});
  const { type: _type, enum: _enum, ...rest } = (properties.provider ?? {}) as SchemaObject;
  properties.provider = { type: 'string', enum: providers.map((p) => p.key), ...rest };
  for (const provider of providers) {
    for (const [name, schema] of Object.entries(provider.profileFields)) {
      // The first provider to declare a field describes it; its fields are never required.
      properties[name] ??= schema;
    }
  }
}
