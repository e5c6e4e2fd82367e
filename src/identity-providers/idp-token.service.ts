/**
 * Where an IdP access token comes from, and what happens when the IdP refuses one. Two sources,
 * chosen per provider by TOKEN_VAULT_PROVIDERS: the user's `identities[]` (with refresh where the
 * adapter can) or the Auth0 Token Vault exchange. The proxy sees only `resolve` and `recover`.
 *
 * Refreshed and exchanged tokens are cached per (user, connection) until their own expiry and used
 * instead of the identities[] token; concurrent refreshes or exchanges of one key share one call.
 *
 * An exchanged token keeps the scopes Token Vault reported for it: a profile asked with a token
 * that lacks what the adapter's profile needs, or a vault token the IdP keeps refusing, gets a
 * problem whose detail names the missing scopes.
 */
import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { CacheService } from '../cache/cache.service';
import { SingleFlight } from '../cache/single-flight';
import { ApiProblem } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { UpstreamError } from '../upstream/upstream.errors';
import { UpstreamService } from '../upstream/upstream.service';
import { RecoveryBudget } from '../users/recovery-budget';
import { UsersService } from '../users/users.service';
import { isAccessTokenExpired } from '../users/identity-lifetime';
import type { Identity } from '../users/user.types';
import { RefreshRefusedError } from './identity-provider.adapter';
import type { IdentityProviderAdapter } from './identity-provider.adapter';
import { idpTokenKey } from './idp-token-key';
import { describeScopes, missingScopes, parseScope } from './scopes';

export type TokenSource = 'identities' | 'token-vault';

export interface IdpCredential {
  accessToken: string;
  connection: string;
  source: TokenSource;
  /** the IdP scopes Token Vault reported for this token; undefined when unknown */
  grantedScopes?: readonly string[];
}

export interface TokenContext {
  principal: Principal;
  /** the user the call acts for: the caller's `sub`, or `{userId}` on service routes */
  userId: string;
  adapter: IdentityProviderAdapter;
  requestId?: string;
  /** `profile`: the token must carry the scopes the adapter's normalized profile needs */
  purpose?: 'profile' | 'api';
}

/** What one request has tried so far; each recovery step runs at most once per request. */
export interface RecoveryState {
  tried: Set<string>;
  relooked: boolean;
  renewed: boolean;
}

interface CachedToken {
  accessToken: string;
  /** the identities[] token this one replaced, which must not be tried again */
  supersedes?: string;
  /** the scopes a Token Vault exchange reported (its `scope`); undefined when it gave none */
  scopes?: string[];
}

const TOKEN_EXPIRY_MARGIN_S = 30;
const EXCHANGE_GRANT = 'urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token';
const SUBJECT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const REQUESTED_TOKEN_TYPE = 'http://auth0.com/oauth/token-type/federated-connection-access-token';
/** OAuth errors of a refused exchange that blame this service's client, not the user's account. */
const CLIENT_REFUSALS = new Set(['invalid_client', 'unauthorized_client']);

@Injectable()
export class IdpTokenService {
  private readonly logger = new Logger(IdpTokenService.name);
  private readonly renewals = new SingleFlight<CachedToken>();

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly cache: CacheService,
    private readonly upstream: UpstreamService,
    private readonly recovery: RecoveryBudget,
  ) {}

  sourceOf(adapter: IdentityProviderAdapter): TokenSource {
    return this.config.tokenVault.providers.includes(adapter.key) ? 'token-vault' : 'identities';
  }

  async resolve(ctx: TokenContext): Promise<IdpCredential> {
    await this.recovery.checkToken(ctx.userId, ctx.adapter.key, ctx.principal.accessToken);
    const user = await this.users.getUser(ctx.userId, { requestId: ctx.requestId });
    const identity = user.identities.find((i) => i.provider === ctx.adapter.auth0Provider);
    if (this.sourceOf(ctx.adapter) === 'token-vault') {
      const connection = identity?.connection ?? ctx.adapter.defaultConnection;
      // Even when a user's own call left a token in the cache: the documented answer, always.
      if (ctx.principal.isService)
        throw notConnected(connection, 'A service caller has no user token to exchange at the Token Vault.');
      const cached = await this.cache.get<CachedToken>('idp_token', cacheKey(ctx.userId, connection));
      const token = cached ?? (await this.exchange(ctx, connection));
      if (ctx.purpose === 'profile') checkProfileScopes(ctx.adapter, connection, token.scopes);
      return vaultCredential(token, connection);
    }
    if (identity === undefined) {
      throw new ApiProblem(
        'identity_not_found',
        `The user has no ${ctx.adapter.key} identity linked in Auth0.`,
      );
    }
    const cached = await this.cache.get<CachedToken>('idp_token', cacheKey(ctx.userId, identity.connection));
    if (cached !== undefined)
      return { accessToken: cached.accessToken, connection: identity.connection, source: 'identities' };
    // The user's entry outlives a token the service can refresh: renew it now, not after a 401.
    if (ctx.adapter.canRefresh && identity.refreshToken !== undefined && isAccessTokenExpired(identity)) {
      const renewed = await this.refresh(ctx, identity);
      if (renewed !== undefined)
        return { accessToken: renewed.accessToken, connection: identity.connection, source: 'identities' };
    }
    if (identity.accessToken === undefined) {
      throw new ApiProblem(
        'idp_token_unavailable',
        `Auth0 holds no ${ctx.adapter.key} access token for this user; the user must sign in with ${identity.connection} again.`,
        { extensions: { connection: identity.connection } },
      );
    }
    return { accessToken: identity.accessToken, connection: identity.connection, source: 'identities' };
  }

  /**
   * After the IdP answered 401 to `rejected`: the next token worth trying; idp_token_rejected
   * (thrown) when nothing is left. A recovery that ends in
   * idp_token_rejected is remembered (RecoveryBudget): until it lapses, resolve and recover answer
   * it again with no Auth0 or refresh call.
   */
  async recover(
    ctx: TokenContext,
    rejected: IdpCredential,
    state: RecoveryState,
  ): Promise<IdpCredential | undefined> {
    // Another request may have given up on this pair while this one was calling the IdP.
    await this.recovery.checkToken(ctx.userId, ctx.adapter.key, ctx.principal.accessToken);
    try {
      const next = await this.nextToken(ctx, rejected, state);
      if (next === undefined) throw tokenRejected(rejected.connection, ctx.adapter.key);
      return next;
    } catch (error) {
      await this.recovery.noteTokenError(ctx.userId, ctx.adapter.key, error, ctx.principal.accessToken);
      throw error;
    }
  }

  private async nextToken(
    ctx: TokenContext,
    rejected: IdpCredential,
    state: RecoveryState,
  ): Promise<IdpCredential | undefined> {
    state.tried.add(rejected.accessToken);
    const key = cacheKey(ctx.userId, rejected.connection);
    const cached = await this.cache.get<CachedToken>('idp_token', key);
    // Another request may already have renewed it.
    if (cached !== undefined && !state.tried.has(cached.accessToken)) {
      return rejected.source === 'token-vault'
        ? vaultCredential(cached, rejected.connection)
        : { ...rejected, accessToken: cached.accessToken };
    }
    if (cached !== undefined) await this.cache.delete('idp_token', key);

    if (rejected.source === 'token-vault') {
      if (state.renewed) throw vaultTokenRejected(ctx.adapter, rejected);
      state.renewed = true;
      // Auth0 refreshes inside the vault: one more exchange.
      const token = await this.exchange(ctx, rejected.connection, rejected.accessToken);
      if (state.tried.has(token.accessToken)) throw vaultTokenRejected(ctx.adapter, rejected);
      return vaultCredential(token, rejected.connection);
    }

    let identity: Identity | undefined;
    if (!state.relooked) {
      state.relooked = true;
      // A new login may have stored a new token.
      const user = await this.users.getUser(ctx.userId, { fresh: true, requestId: ctx.requestId });
      identity = user.identities.find((i) => i.connection === rejected.connection);
      const token = identity?.accessToken;
      if (token !== undefined && !state.tried.has(token) && token !== cached?.supersedes) {
        return { ...rejected, accessToken: token };
      }
    }
    if (!state.renewed && ctx.adapter.canRefresh) {
      identity ??= (await this.users.getUser(ctx.userId, { requestId: ctx.requestId })).identities.find(
        (i) => i.connection === rejected.connection,
      );
    }
    if (!state.renewed && ctx.adapter.canRefresh && identity?.refreshToken !== undefined) {
      state.renewed = true;
      const refreshed = await this.refresh(ctx, identity);
      if (refreshed !== undefined && !state.tried.has(refreshed.accessToken)) {
        return { ...rejected, accessToken: refreshed.accessToken };
      }
    }
    return undefined;
  }

  private refresh(ctx: TokenContext, identity: Identity): Promise<CachedToken | undefined> {
    const key = cacheKey(ctx.userId, identity.connection);
    return this.renewals
      .run(`refresh:${key}`, () =>
        // One replica at a time (with Redis): the others then find its result below.
        this.cache.exclusive('idp_token', key, async () => {
          // A refresh of this same stale token that finished while this request was looking the user
          // up again: use its result instead of spending the refresh token a second time.
          const done = await this.cache.get<CachedToken>('idp_token', key);
          if (done !== undefined && done.supersedes === identity.accessToken) return done;
          const refreshed = await ctx.adapter.refresh(identity.refreshToken as string, ctx.requestId);
          const token: CachedToken = { accessToken: refreshed.accessToken, supersedes: identity.accessToken };
          await this.cache.set(
            'idp_token',
            key,
            token,
            (refreshed.expiresInS - TOKEN_EXPIRY_MARGIN_S) * 1000,
          );
          return token;
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof RefreshRefusedError) return undefined;
        throw error;
      });
  }

  /**
   * One exchange per (user, connection) at a time, in this process and (with Redis) in the fleet:
   * a replica that waited finds the holder's token in the cache instead of exchanging again.
   * `rejected`: the token the IdP just refused, never taken from the cache as the result.
   */
  private exchange(ctx: TokenContext, connection: string, rejected?: string): Promise<CachedToken> {
    const key = cacheKey(ctx.userId, connection);
    return this.renewals.run(`exchange:${key}`, () =>
      this.cache.exclusive('idp_token', key, async () => {
        const done = await this.cache.get<CachedToken>('idp_token', key);
        if (done !== undefined && done.accessToken !== rejected) return done;
        return this.exchangeNow(ctx, connection, key);
      }),
    );
  }

  private async exchangeNow(ctx: TokenContext, connection: string, key: string): Promise<CachedToken> {
    const { auth0, tokenVault } = this.config;
    const { status, json } = await this.upstream.requestJson<{
      access_token?: unknown;
      expires_in?: unknown;
      scope?: unknown;
      error?: unknown;
      error_description?: unknown;
    }>({
      target: 'auth0_token_exchange',
      method: 'POST',
      url: auth0.tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: EXCHANGE_GRANT,
        client_id: tokenVault.clientId ?? '',
        client_secret: tokenVault.clientSecret ?? '',
        subject_token: ctx.principal.accessToken,
        subject_token_type: SUBJECT_TOKEN_TYPE,
        requested_token_type: REQUESTED_TOKEN_TYPE,
        connection,
      }).toString(),
      retry: 'auth0',
      requestId: ctx.requestId,
    });
    if (status === 200 && typeof json?.access_token === 'string') {
      const expiresInS = typeof json.expires_in === 'number' ? json.expires_in : 3600;
      const token: CachedToken = { accessToken: json.access_token, scopes: parseScope(json.scope) };
      await this.cache.set('idp_token', key, token, (expiresInS - TOKEN_EXPIRY_MARGIN_S) * 1000);
      return token;
    }
    const error = typeof json?.error === 'string' ? json.error : undefined;
    const clientRefused =
      (error !== undefined && CLIENT_REFUSALS.has(error)) ||
      (error === 'access_denied' && json?.error_description === 'Unauthorized');
    if ((status === 401 || status === 403) && !clientRefused) {
      throw notConnected(
        connection,
        `The user has not connected a ${connection} account to the Token Vault; start the Connected Accounts flow for it.`,
      );
    }
    if (clientRefused) {
      // Every user would be told "not connected" otherwise: an operator's problem, said in the log.
      this.logger.error(
        { status, error, requestId: ctx.requestId },
        'Auth0 refused the Token Vault client; check TOKEN_VAULT_CLIENT_ID/SECRET and that the Token Vault grant is enabled on it',
      );
    }
    throw new UpstreamError('unavailable', 'auth0_token_exchange', { status });
  }
}

function vaultCredential(token: CachedToken, connection: string): IdpCredential {
  return { accessToken: token.accessToken, connection, source: 'token-vault', grantedScopes: token.scopes };
}

/** What Token Vault granted lacks what the profile needs: the fix is connecting again with them. */
function scopeShortfall(
  adapter: IdentityProviderAdapter,
  granted: readonly string[] | undefined,
): string | undefined {
  if (granted === undefined) return undefined;
  const missing = missingScopes(adapter.profileScopes, granted);
  if (missing.length === 0) return undefined;
  const grantedText = granted.length === 0 ? 'no scope' : granted.map((s) => `\`${s}\``).join(' ');
  return `Token Vault granted ${grantedText} for ${adapter.key}; the ${adapter.key} profile needs ${describeScopes(missing)}.`;
}

/**
 * The profile route with a token whose reported scopes lack what the normalized profile needs:
 * 409 idp_account_not_connected, because the app's remedy is the same Connected Accounts flow for
 * `connection`, asking for the missing scopes. The IdP is not called: it would refuse, or answer a
 * profile with fields silently missing.
 */
function checkProfileScopes(
  adapter: IdentityProviderAdapter,
  connection: string,
  granted: readonly string[] | undefined,
): void {
  const shortfall = scopeShortfall(adapter, granted);
  if (shortfall === undefined) return;
  throw notConnected(
    connection,
    `${shortfall} Connect the ${connection} account again through the Connected Accounts flow, asking for those scopes.`,
  );
}

/** The IdP refused a Token Vault token again after a new exchange. */
function vaultTokenRejected(adapter: IdentityProviderAdapter, rejected: IdpCredential): ApiProblem {
  const shortfall = scopeShortfall(adapter, rejected.grantedScopes);
  return new ApiProblem(
    'idp_token_rejected',
    `${adapter.key} refused the Token Vault token even after a new exchange; the user must connect the ${rejected.connection} account again.${shortfall === undefined ? '' : ` ${shortfall}`}`,
    { extensions: { connection: rejected.connection } },
  );
}

function notConnected(connection: string, detail: string): ApiProblem {
  return new ApiProblem('idp_account_not_connected', detail, { extensions: { connection } });
}

const cacheKey = idpTokenKey;

export function tokenRejected(connection: string, provider: string): ApiProblem {
  return new ApiProblem(
    'idp_token_rejected',
    `${provider} refused the stored token even after a new lookup and refresh; the user must sign in with ${connection} again.`,
    { extensions: { connection } },
  );
}
