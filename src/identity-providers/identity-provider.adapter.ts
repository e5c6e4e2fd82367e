/**
 * The port every identity provider implements. The proxy and the identities route know only this
 * interface; an adapter knows its IdP's API root, headers, profile and refresh.
 */
import type { SchemaObject } from '@nestjs/swagger';
import type { ApiHosts } from './api-hosts';
import type { AdapterContext, ProviderKey } from './provider-declaration';
import type { ScopeRequirement } from './scopes';

/**
 * The profile every provider is normalized to; a value the IdP did not give is null. An adapter's
 * profile may carry its own fields too (its declaration's `profileFields`, e.g. GitHub's `username`).
 */
export interface NormalizedProfile {
  provider: ProviderKey;
  id: string;
  name: string | null;
  email: string | null;
  picture: string | null;
}

export interface RefreshedToken {
  accessToken: string;
  expiresInS: number;
}

export interface IdentityProviderAdapter {
  /** the key in the URL: /v1/idp/{key}/... */
  readonly key: ProviderKey;
  /** `identities[].provider` in Auth0 */
  readonly auth0Provider: string;
  /** the connection used when the user has no identity to name one (Token Vault) */
  readonly defaultConnection: string;
  /** API root, no trailing slash */
  readonly apiBaseUrl: string;
  /** the hosts `/hosts/{host}/` may reach, and their roots */
  readonly hosts: ApiHosts;
  /**
   * whether the IdP's JSON answers carry paging URLs to rewrite (`paging.next`/`paging.previous`, as
   * Graph's do); they hold the IdP token, so following them as given must go through the service
   */
  readonly pagingInJsonBody: boolean;
  /** request headers a caller may send beyond the common allowlist */
  readonly extraRequestHeaders: readonly string[];
  /** the normalized profile's own fields beyond the common ones, with their OpenAPI schema */
  readonly profileFields: Readonly<Record<string, SchemaObject>>;
  /** query parameters the service sets itself and never takes from a caller (lower-case) */
  readonly reservedQueryParams: readonly string[];
  /** the profile call: path below the API root and query */
  readonly profileRequest: { path: string; query: string };
  /**
   * IdP scopes the normalized profile needs, each with the names that grant it; checked against
   * the scopes a Token Vault exchange reports.
   */
  readonly profileScopes: readonly ScopeRequirement[];
  /** whether `refresh` can renew a token from an Auth0-stored refresh token */
  readonly canRefresh: boolean;

  /** headers sent on every call unless the caller chose its own value (lower-case names) */
  defaultHeaders(): Record<string, string>;
  /** the query string to send, given the caller's filtered query and the IdP token */
  signQuery(query: string, accessToken: string): string;
  normalizeProfile(body: unknown): NormalizedProfile;
  /** renew an access token; only called when canRefresh */
  refresh(refreshToken: string, requestId?: string): Promise<RefreshedToken>;
}

/** What every adapter takes from its declaration and configuration as given. */
export abstract class DeclaredAdapter {
  readonly key: ProviderKey;
  readonly auth0Provider: string;
  readonly defaultConnection: string;
  readonly apiBaseUrl: string;
  readonly hosts: ApiHosts;
  readonly extraRequestHeaders: readonly string[];
  readonly profileFields: Readonly<Record<string, SchemaObject>>;

  constructor({ declaration, apiBaseUrl, hosts }: AdapterContext<unknown>) {
    this.key = declaration.key;
    this.auth0Provider = declaration.auth0Provider;
    this.defaultConnection = declaration.defaultConnection;
    this.apiBaseUrl = apiBaseUrl;
    this.hosts = hosts;
    this.extraRequestHeaders = declaration.extraRequestHeaders;
    this.profileFields = declaration.profileFields;
  }
}

/** The IdP refused to refresh with this refresh token (revoked, expired, wrong client). */
export class RefreshRefusedError extends Error {
  constructor(readonly status: number) {
    super(`refresh refused with ${status}`);
  }
}

/** Reads loosely typed JSON fields of an IdP answer. */
export function field(body: unknown, ...path: string[]): unknown {
  let value: unknown = body;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function stringOrNull(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return null;
}
