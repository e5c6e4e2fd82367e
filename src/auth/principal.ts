/** Who is calling: a user's app (Auth0 user token) or an internal service (client credentials). */
export interface Principal {
  sub: string;
  /** the Auth0 application that obtained the token (azp / client_id) */
  clientId: string | undefined;
  /**
   * a client-credentials token: `gty` is client-credentials and `sub` is `<azp>@clients`. A `sub`
   * ending in `@clients` alone proves nothing: enterprise and custom connections let users pick ids.
   */
  isService: boolean;
  /** from `permissions` and `scope` */
  permissions: ReadonlySet<string>;
  /** the caller's own access token, needed for the Token Vault exchange; never logged */
  accessToken: string;
  /** epoch seconds */
  expiresAt: number;
}

export const PROXY_USERS_PERMISSION = 'proxy:users';
/** `proxy:users:<provider>`: the service routes for that provider only. */
export const PROXY_USERS_PROVIDER_PREFIX = `${PROXY_USERS_PERMISSION}:`;

/**
 * The providers a service caller may act on for named users: every one with `proxy:users`, else
 * those named by `proxy:users:<provider>` (none: not a service caller of these routes).
 */
export function serviceProviders(principal: Principal): 'any' | ReadonlySet<string> {
  if (principal.permissions.has(PROXY_USERS_PERMISSION)) return 'any';
  const providers = new Set<string>();
  for (const permission of principal.permissions) {
    if (permission.startsWith(PROXY_USERS_PROVIDER_PREFIX)) {
      providers.add(permission.slice(PROXY_USERS_PROVIDER_PREFIX.length));
    }
  }
  return providers;
}

/** Whether the service caller may act on `provider` for a named user. */
export function mayActOn(principal: Principal, provider: string): boolean {
  const providers = serviceProviders(principal);
  return providers === 'any' || providers.has(provider);
}

export function principalFromClaims(claims: Record<string, unknown>, accessToken: string): Principal {
  const sub = claims.sub as string;
  const permissions = new Set<string>();
  if (Array.isArray(claims.permissions)) {
    for (const p of claims.permissions) if (typeof p === 'string') permissions.add(p);
  }
  if (typeof claims.scope === 'string') {
    for (const s of claims.scope.split(' ')) if (s !== '') permissions.add(s);
  }
  const clientId =
    typeof claims.azp === 'string'
      ? claims.azp
      : typeof claims.client_id === 'string'
        ? claims.client_id
        : undefined;
  return {
    sub,
    clientId,
    isService:
      claims.gty === 'client-credentials' &&
      typeof claims.azp === 'string' &&
      sub === `${claims.azp}@clients`,
    permissions,
    accessToken,
    expiresAt: claims.exp as number,
  };
}
