/**
 * Tokens from the Auth0 Token Vault: the caller's Auth0 access token exchanged for the user's token
 * at the provider's connection, cached until its own expiry. After a 401, one new exchange (Auth0
 * refreshes inside the vault). An exchanged token keeps the scopes Token Vault reported for it: a
 * profile asked with a token that lacks what the adapter's profile needs, or a vault token the IdP
 * keeps refusing, gets a problem whose detail names the missing scopes.
 */
import { Injectable, Logger } from '@nestjs/common';
import { SingleFlight } from '../cache/single-flight';
import { UpstreamError } from '../upstream/upstream.errors';
import { RecoveryBudget } from '../users/recovery-budget';
import { UsersService } from '../users/users.service';
import { IdpTokenCache } from './idp-token-cache';
import type { CachedToken } from './idp-token-cache';
import { idpTokenKey } from './idp-token-key';
import type { IdpCredential, IdpTokenSource, ResolvedToken, TokenContext } from './idp-token-source';
import { identityWithinBudget, recoverableToken } from './recoverable-token';
import { checkProfileScopes, notConnected, vaultTokenRejected } from './token-vault-problems';
import { TokenVaultClient, TokenVaultRefusal } from './token-vault.client';

/** What one request has tried so far. */
interface Attempts {
  tried: Set<string>;
  renewed: boolean;
}

@Injectable()
export class TokenVaultTokenSource implements IdpTokenSource {
  readonly kind = 'token-vault';
  private readonly logger = new Logger(TokenVaultTokenSource.name);
  private readonly exchanges = new SingleFlight<CachedToken>();

  constructor(
    private readonly users: UsersService,
    private readonly tokens: IdpTokenCache,
    private readonly client: TokenVaultClient,
    private readonly budget: RecoveryBudget,
  ) {}

  async resolve(ctx: TokenContext): Promise<ResolvedToken> {
    const identity = await identityWithinBudget(this.budget, this.users, ctx);
    const connection = identity?.connection ?? ctx.adapter.defaultConnection;
    // Even when a user's own call left a token in the cache: the documented answer, always.
    if (ctx.principal.isService)
      throw notConnected(connection, 'A service caller has no user token to exchange at the Token Vault.');
    const cached = await this.tokens.get(ctx.userId, connection);
    const token = cached ?? (await this.exchange(ctx, connection));
    if (ctx.purpose === 'profile') checkProfileScopes(ctx.adapter, connection, token.scopes);
    const attempts: Attempts = { tried: new Set(), renewed: false };
    return recoverableToken(this.budget, ctx, vaultCredential(token, connection), {
      next: (rejected) => this.next(ctx, rejected, attempts),
      exhausted: (rejected) => vaultTokenRejected(ctx.adapter, rejected),
    });
  }

  private async next(
    ctx: TokenContext,
    rejected: IdpCredential,
    attempts: Attempts,
  ): Promise<IdpCredential | undefined> {
    attempts.tried.add(rejected.accessToken);
    const { untried } = await this.tokens.afterRejection(ctx.userId, rejected.connection, attempts.tried);
    if (untried !== undefined) return vaultCredential(untried, rejected.connection);
    if (attempts.renewed) return undefined;
    attempts.renewed = true;
    // Auth0 refreshes inside the vault: one more exchange.
    const token = await this.exchange(ctx, rejected.connection, rejected.accessToken);
    if (attempts.tried.has(token.accessToken)) return undefined;
    return vaultCredential(token, rejected.connection);
  }

  /**
   * One exchange per (user, connection) at a time, in this process and (with Redis) in the fleet:
   * a replica that waited finds the holder's token in the cache instead of exchanging again.
   * `rejected`: the token the IdP just refused, never taken from the cache as the result.
   */
  private exchange(ctx: TokenContext, connection: string, rejected?: string): Promise<CachedToken> {
    return this.exchanges.run(`exchange:${idpTokenKey(ctx.userId, connection)}`, () =>
      this.tokens.exclusive(ctx.userId, connection, async () => {
        const done = await this.tokens.get(ctx.userId, connection);
        if (done !== undefined && done.accessToken !== rejected) return done;
        return this.exchangeNow(ctx, connection);
      }),
    );
  }

  private async exchangeNow(ctx: TokenContext, connection: string): Promise<CachedToken> {
    let exchanged;
    try {
      exchanged = await this.client.exchange(ctx.principal.accessToken, connection, ctx.requestId);
    } catch (error) {
      throw error instanceof TokenVaultRefusal ? this.refused(error, connection, ctx.requestId) : error;
    }
    const token: CachedToken = { accessToken: exchanged.accessToken, scopes: exchanged.scopes };
    await this.tokens.store(ctx.userId, connection, token, exchanged.expiresInS);
    return token;
  }

  private refused(refusal: TokenVaultRefusal, connection: string, requestId?: string): Error {
    const { reason, status, error } = refusal;
    if (reason === 'not_connected') {
      return notConnected(
        connection,
        `The user has not connected a ${connection} account to the Token Vault; start the Connected Accounts flow for it.`,
      );
    }
    if (reason === 'client_refused') {
      // Every user would be told "not connected" otherwise: an operator's problem, said in the log.
      this.logger.error(
        { status, error, requestId },
        'Auth0 refused the Token Vault client; check TOKEN_VAULT_CLIENT_ID/SECRET and that the Token Vault grant is enabled on it',
      );
    }
    return new UpstreamError('unavailable', 'auth0_token_exchange', { status });
  }
}

function vaultCredential(token: CachedToken, connection: string): IdpCredential {
  return { accessToken: token.accessToken, connection, source: 'token-vault', grantedScopes: token.scopes };
}
