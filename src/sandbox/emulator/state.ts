/** Counters, recorded requests, users and the tokens each side currently accepts. */
import { randomBytes } from 'node:crypto';
import type {
  EmulatedIdentity,
  EmulatedUser,
  EndpointName,
  ProviderName,
  RecordedRequest,
  UserSpec,
} from './emulator.types';

/** At most this many requests are kept per endpoint (the newest). */
export const RECORD_CAP = 1000;

export class Stats {
  private readonly counts = new Map<EndpointName, number>();
  private readonly records = new Map<EndpointName, RecordedRequest[]>();

  hit(record: RecordedRequest): void {
    const name = record.endpoint;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    let list = this.records.get(name);
    if (!list) {
      list = [];
      this.records.set(name, list);
    }
    list.push(record);
    // trim in batches so the hot path stays O(1) amortised
    if (list.length >= 2 * RECORD_CAP) list.splice(0, list.length - RECORD_CAP);
  }

  count(name: EndpointName): number {
    return this.counts.get(name) ?? 0;
  }

  requests(name: EndpointName): RecordedRequest[] {
    const list = this.records.get(name) ?? [];
    return list.slice(-RECORD_CAP);
  }

  reset(): void {
    this.counts.clear();
    this.records.clear();
  }
}

/** Auth0's name of each provider (identities[].provider and the connection name). */
export const AUTH0_PROVIDER: Record<ProviderName, string> = {
  google: 'google-oauth2',
  github: 'github',
  facebook: 'facebook',
};

export function providerOfConnection(connection: string): ProviderName | undefined {
  switch (connection) {
    case 'google-oauth2':
      return 'google';
    case 'github':
      return 'github';
    case 'facebook':
      return 'facebook';
    default:
      return undefined;
  }
}

export function hex(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

const TOKEN_PREFIX: Record<ProviderName, string> = {
  google: 'ya29.emu-',
  github: 'gho_emu',
  facebook: 'EAAemu',
};

/** Why a token is valid at an IdP. */
export type IdpTokenSource = 'identity' | 'refresh' | 'vault';

export interface IdpTokenInfo {
  userId: string;
  provider: ProviderName;
  source: IdpTokenSource;
  /** epoch ms after which the IdP rejects it; absent: no expiry */
  expiresAt?: number;
  /** scopes the token carries; absent: everything (identities[] and refreshed tokens) */
  scopes?: string[];
}

export interface WorldOptions {
  idpTokenTtlS: number;
  enforceIdpTokenExpiry: boolean;
}

/** What the IdPs say about an account (derived from the tenant user). */
export interface IdpAccount {
  id: string;
  login: string;
  name: string;
  givenName: string;
  familyName: string;
  email: string;
}

/** The users of the tenant and the tokens each IdP currently accepts. */
export class World {
  readonly users = new Map<string, EmulatedUser>();
  /** IdP access tokens the IdPs currently accept */
  private readonly idpTokens = new Map<string, IdpTokenInfo>();
  /** Google refresh tokens → user id */
  private readonly refreshTokens = new Map<string, string>();
  /** management tokens → expiry (epoch ms) */
  private readonly managementTokens = new Map<string, number>();
  /** every secret ever issued, for leak scans */
  private readonly issued = new Set<string>();
  /** every token the Token Vault exchange handed out */
  private readonly vaultIssued: string[] = [];
  private counter = 10000;

  constructor(private readonly options: WorldOptions) {}

  get idpTokenTtlS(): number {
    return this.options.idpTokenTtlS;
  }

  remember(secret: string): void {
    this.issued.add(secret);
  }

  secrets(): string[] {
    return [...this.issued];
  }

  vaultTokens(): string[] {
    return [...this.vaultIssued];
  }

  /** A new IdP access token, valid at once. */
  issueIdpToken(
    userId: string,
    provider: ProviderName,
    source: IdpTokenSource,
    ttlS: number | undefined,
    scopes?: string[],
  ): string {
    const token = TOKEN_PREFIX[provider] + hex();
    const info: IdpTokenInfo = { userId, provider, source };
    if (ttlS !== undefined) info.expiresAt = Date.now() + ttlS * 1000;
    if (scopes !== undefined) info.scopes = [...scopes];
    this.idpTokens.set(token, info);
    this.issued.add(token);
    if (source === 'vault') this.vaultIssued.push(token);
    return token;
  }

  /** The user connects that account to the Token Vault (granting `scope`, or the full set when absent). */
  connectVault(userId: string, connection: string, scope: string | undefined): void {
    const user = this.users.get(userId);
    if (!user) throw new Error(`connectVault: no user ${userId}`);
    if (!providerOfConnection(connection)) throw new Error(`connectVault: no provider for ${connection}`);
    user.vault = [...new Set([...(user.vault ?? []), connection])];
    if (scope === undefined) {
      if (user.vaultScopes) delete user.vaultScopes[connection];
    } else {
      user.vaultScopes = { ...user.vaultScopes, [connection]: scope };
    }
  }

  /** The token's owner if `provider` accepts it now. */
  checkIdpToken(provider: ProviderName, token: string | undefined): IdpTokenInfo | undefined {
    if (token === undefined) return undefined;
    const info = this.idpTokens.get(token);
    if (!info || info.provider !== provider) return undefined;
    if (info.expiresAt !== undefined && Date.now() >= info.expiresAt) {
      this.idpTokens.delete(token);
      return undefined;
    }
    return info;
  }

  revokeIdpToken(token: string | undefined): void {
    if (token !== undefined) this.idpTokens.delete(token);
  }

  /** Revokes every token of that user at that provider from the given source. */
  revokeWhere(userId: string, provider: ProviderName, source: IdpTokenSource): number {
    let n = 0;
    for (const [token, info] of this.idpTokens) {
      if (info.userId === userId && info.provider === provider && info.source === source) {
        this.idpTokens.delete(token);
        n++;
      }
    }
    return n;
  }

  issueRefreshToken(userId: string): string {
    const token = `1//emu-${hex()}`;
    this.refreshTokens.set(token, userId);
    this.issued.add(token);
    return token;
  }

  refreshTokenOwner(token: string): string | undefined {
    return this.refreshTokens.get(token);
  }

  revokeRefreshToken(token: string | undefined): void {
    if (token !== undefined) this.refreshTokens.delete(token);
  }

  addManagementToken(token: string, expiresAt: number): void {
    this.managementTokens.set(token, expiresAt);
    this.issued.add(token);
  }

  isManagementToken(token: string | undefined): boolean {
    if (token === undefined) return false;
    const exp = this.managementTokens.get(token);
    return exp !== undefined && Date.now() < exp;
  }

  identity(userId: string, provider: ProviderName): EmulatedIdentity | undefined {
    const auth0Name = AUTH0_PROVIDER[provider];
    return this.users.get(userId)?.identities.find((i) => i.provider === auth0Name);
  }

  /** Stores a fresh token (and refresh token for Google, unless told otherwise) on an identity. */
  private giveToken(
    userId: string,
    provider: ProviderName,
    identity: EmulatedIdentity,
    refresh: boolean,
  ): void {
    const ttl = this.options.idpTokenTtlS;
    identity.access_token = this.issueIdpToken(
      userId,
      provider,
      'identity',
      this.options.enforceIdpTokenExpiry ? ttl : undefined,
    );
    identity.expires_in = ttl;
    if (provider === 'google' && refresh) identity.refresh_token = this.issueRefreshToken(userId);
  }

  addUser(spec: UserSpec): EmulatedUser {
    if (spec.providers.length === 0) throw new Error('addUser: providers must not be empty');
    const first = spec.providers[0];
    const firstName = first === 'auth0' ? 'auth0' : AUTH0_PROVIDER[first];
    const userId = spec.userId ?? `${firstName}|${this.counter++}`;
    if (this.users.has(userId)) throw new Error(`addUser: ${userId} exists`);
    const primaryId = userId.slice(userId.indexOf('|') + 1);
    const name = spec.name ?? `User ${primaryId}`;
    const user: EmulatedUser = {
      user_id: userId,
      name,
      email: `${slug(name)}@example.com`,
      identities: [],
    };
    if (spec.vault) user.vault = [...spec.vault];
    if (spec.vaultScopes) user.vaultScopes = { ...spec.vaultScopes };
    this.users.set(userId, user);
    spec.providers.forEach((provider, index) => {
      const idPart = index === 0 ? primaryId : `${primaryId}0${index}`;
      if (provider === 'auth0') {
        user.identities.push({
          provider: 'auth0',
          connection: 'Username-Password-Authentication',
          user_id: idPart,
          isSocial: false,
        });
        return;
      }
      const identity: EmulatedIdentity = {
        provider: AUTH0_PROVIDER[provider],
        connection: AUTH0_PROVIDER[provider],
        // Auth0 sometimes returns GitHub ids as numbers: keep them so, to exercise that
        user_id: provider === 'github' && /^\d+$/.test(idPart) ? Number(idPart) : idPart,
        isSocial: true,
      };
      user.identities.push(identity);
      if (!spec.withoutToken?.includes(provider)) {
        this.giveToken(userId, provider, identity, spec.googleRefreshToken ?? true);
      }
    });
    return user;
  }

  /** A new login at the IdP: new token in identities[], the old one is revoked. */
  rotateIdpToken(userId: string, provider: ProviderName): string {
    const identity = this.identity(userId, provider);
    if (!identity) throw new Error(`rotateIdpToken: ${userId} has no ${provider} identity`);
    this.revokeIdpToken(identity.access_token);
    const hadRefresh = identity.refresh_token !== undefined;
    if (hadRefresh) this.revokeRefreshToken(identity.refresh_token);
    this.giveToken(userId, provider, identity, hadRefresh);
    return identity.access_token as string;
  }

  expireIdpToken(userId: string, provider: ProviderName): void {
    const identity = this.identity(userId, provider);
    if (!identity) throw new Error(`expireIdpToken: ${userId} has no ${provider} identity`);
    this.revokeIdpToken(identity.access_token);
  }

  /** What the IdP knows of the user's account there. */
  account(userId: string, provider: ProviderName): IdpAccount {
    const user = this.users.get(userId);
    const identity = this.identity(userId, provider);
    const fallbackId = userId.slice(userId.indexOf('|') + 1);
    const name = user?.name ?? `User ${fallbackId}`;
    const [givenName, ...rest] = name.split(' ');
    return {
      id: identity ? String(identity.user_id) : /^\d+$/.test(fallbackId) ? fallbackId : numericId(fallbackId),
      login: slug(name),
      name,
      givenName,
      familyName: rest.join(' '),
      email: user?.email ?? `${slug(name)}@example.com`,
    };
  }
}

export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'user'
  );
}

function numericId(text: string): string {
  let h = 7;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) % 1_000_000_007;
  return String(h);
}
