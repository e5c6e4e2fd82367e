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
