/**
 * How a provider declares itself: everything the rest of the service derives from one entry of the
 * served list (src/identity-providers/served-providers.ts). The configuration reads each
 * declaration's variables, CORS allows its extra request headers, the OpenAPI document lists its key
 * and profile fields, and the IdentityProvidersModule builds its adapter from the configured values.
 */
import type { SchemaObject } from '@nestjs/swagger';
import type { EnvReader } from '../config/env-reader';
import type { UpstreamService } from '../upstream/upstream.service';
import type { ApiHosts } from './api-hosts';
import type { IdentityProviderAdapter } from './identity-provider.adapter';

/** A provider's key in the URL (`/v1/idp/{key}/...`) and in configuration (`github`). */
export type ProviderKey = string;

/** What the configuration holds for one declared provider. */
export interface ProviderConfig<S = unknown> {
  /** API root, no trailing slash */
  apiBaseUrl: string;
  /** hosts the `/hosts/{host}/` routes may reach (lower-case names) */
  apiHosts: string[];
  /** the provider's own variables, as its declaration read them */
  settings: S;
}

/** What an adapter is built from. */
export interface AdapterContext<S = unknown> {
  declaration: ProviderDeclaration<S>;
  apiBaseUrl: string;
  hosts: ApiHosts;
  settings: S;
  upstream: UpstreamService;
}

export interface ProviderDeclaration<S = unknown> {
  /** the key in the URL; `<KEY>_API_HOSTS` derives from it */
  readonly key: ProviderKey;
  /** `identities[].provider` in Auth0 */
  readonly auth0Provider: string;
  /** the connection used when the user has no identity to name one (Token Vault) */
  readonly defaultConnection: string;
  /** the API root: its variable and its default; the default's host is the provider's default host */
  readonly apiBaseUrl: { readonly variable: string; readonly default: string };
  /** hosts `/hosts/{host}/` may reach when `<KEY>_API_HOSTS` is unset */
  readonly defaultApiHosts: readonly string[];
  /** whether TOKEN_VAULT_PROVIDERS may name it */
  readonly tokenVault: boolean;
  /** request headers a caller may send beyond the common allowlist (lower-case); CORS allows them */
  readonly extraRequestHeaders: readonly string[];
  /**
   * the normalized profile's fields beyond provider, id, name, email and picture, with their
   * OpenAPI schema
   */
  readonly profileFields: Readonly<Record<string, SchemaObject>>;
  /** reads the provider's own variables (after its API root) */
  readSettings(reader: EnvReader): S;
  createAdapter(context: AdapterContext<S>): IdentityProviderAdapter;
}

/** Keeps `S` checked between `readSettings` and `createAdapter` while the list holds any settings. */
export function declareProvider<S>(declaration: ProviderDeclaration<S>): ProviderDeclaration {
  return declaration;
}

/** `<KEY>_API_HOSTS`, e.g. `GITHUB_API_HOSTS`. */
export function apiHostsVariable(key: ProviderKey): string {
  return `${key.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_HOSTS`;
}

/** The host of the provider's default API root (`api.github.com`). */
export function defaultApiHost(declaration: ProviderDeclaration): string {
  return new URL(declaration.apiBaseUrl.default).hostname;
}
