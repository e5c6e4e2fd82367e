/** State shared by the tenant and the IdP servers, and the tenant's token minting. */
import type { LogStreamSink } from './log-stream';
import { randomUUID } from 'node:crypto';
import type { MintOptions, ProviderName } from './emulator.types';
import type { Kit } from './http';
import { applyOverrides, signHs256, signNone, signRs256 } from './jwt';
import type { JwtPayload, SigningKey } from './jwt';
import type { World } from './state';

export interface Client {
  clientId: string;
  clientSecret: string;
}

export interface KeyRing {
  /** keys the JWKS publishes */
  published: SigningKey[];
  /** key new tokens are signed with */
  current: SigningKey;
  /** never published by the tenant; the attacker JWKS publishes it */
  foreign: SigningKey;
}

export type EmulatorUrls = Record<ProviderName | 'googleToken' | 'googlePeople' | 'attackerJwks', string>;

export interface Ctx {
  kit: Kit;
  world: World;
  keys: KeyRing;
  /** set once the servers listen */
  tenantUrl: string;
  issuer: string;
  urls: EmulatorUrls;
  audience: string;
  managementClient: Client;
  tokenVaultClient: Client;
  googleClient: Client;
  facebookAppSecret: string;
  spaClientId: string;
  allowedRedirectUris: string[];
  allowedOrigins: Set<string>;
  managementTokenTtlS: number;
  vaultTokenTtlS: number;
  userTokenTtlS: number;
  jwksDown: boolean;
  /** where sign-ins are reported, as a Custom Webhook log stream would (unset: nowhere) */
  logStream?: LogStreamSink;
  /** the `scope` of management tokens from the client-credentials grant */
  managementScope: string;
  idpHeaders: Record<ProviderName, Record<string, string>>;
  /** users listed on the sign-in page */
  signInUsers: string[];
}

export function managementAudience(ctx: Ctx): string {
  return `${ctx.tenantUrl}/api/v2/`;
}

export function mintToken(ctx: Ctx, options: MintOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const payload: JwtPayload = {
    iss: ctx.issuer,
    sub: options.sub ?? 'auth0|4004', // the linked seed user
    aud: [ctx.audience, `${ctx.tenantUrl}/userinfo`],
    iat: now,
    exp: now + (options.expiresInS ?? 3600),
    azp: ctx.spaClientId,
    scope: 'openid profile email',
    jti: randomUUID(),
  };
  applyOverrides(payload, options.claims);
  const signer = options.signer ?? 'tenant';
  const header: Record<string, unknown> = {
    alg: signer === 'hs256-public-key' ? 'HS256' : signer === 'none' ? 'none' : 'RS256',
    typ: 'JWT',
    kid: ctx.keys.current.kid,
  };
  applyOverrides(header, options.header);
  switch (signer) {
    case 'tenant':
      return signRs256(header, payload, ctx.keys.current.privateKey);
    case 'foreign':
      return signRs256(header, payload, ctx.keys.foreign.privateKey);
    case 'hs256-public-key':
      return signHs256(header, payload, ctx.keys.current.publicPem);
    case 'none':
      return signNone(header, payload);
  }
}

export function mintServiceToken(
  ctx: Ctx,
  options: { clientId?: string; permissions?: string[]; scope?: string } = {},
): string {
  const clientId = options.clientId ?? 'sandbox-service';
  const permissions = options.permissions ?? ['proxy:users'];
  return mintToken(ctx, {
    sub: `${clientId}@clients`,
    claims: {
      aud: ctx.audience,
      azp: clientId,
      gty: 'client-credentials',
      scope: options.scope ?? permissions.join(' '),
      permissions,
    },
  });
}
