/**
 * Tokens from the user's `identities[]` at Auth0, with refresh where the adapter can. After a 401:
 * a token another request renewed meanwhile, else a new lookup (a new login may have stored a new
 * token), else one refresh; then idp_token_rejected. Concurrent refreshes of one key share one call.
 */
import { Injectable } from '@nestjs/common';
import { SingleFlight } from '../cache/single-flight';
import { ApiProblem } from '../common/problem';
import { RefreshRefusedError } from '../identity-providers/identity-provider.adapter';
import { RecoveryBudget } from '../users/recovery-budget';
import { isAccessTokenExpired } from '../users/identity-lifetime';
import type { Identity } from '../users/user.types';
import { UsersService } from '../users/users.service';
import { IdpTokenCache } from './idp-token-cache';
import type { CachedToken } from './idp-token-cache';
import { idpTokenKey } from './idp-token-key';
import type { IdpCredential, IdpTokenSource, ResolvedToken, TokenContext } from './idp-token-source';
import { identityWithinBudget, recoverableToken } from './recoverable-token';

/** What one request has tried so far; each step runs at most once. */
interface Attempts {
  tried: Set<string>;
  relooked: boolean;
  renewed: boolean;
}

@Injectable()
export class IdentitiesTokenSource implements IdpTokenSource {
  readonly kind = 'identities';
  private readonly refreshes = new SingleFlight<CachedToken>();

  constructor(
    private readonly users: UsersService,
    private readonly tokens: IdpTokenCache,
    private readonly budget: RecoveryBudget,
  ) {}

  async resolve(ctx: TokenContext): Promise<ResolvedToken> {
    const identity = await identityWithinBudget(this.budget, this.users, ctx);
    if (identity === undefined) {
      throw new ApiProblem(
        'identity_not_found',
        `The user has no ${ctx.adapter.key} identity linked in Auth0.`,
      );
    }
    const accessToken = await this.current(ctx, identity);
    const attempts: Attempts = { tried: new Set(), relooked: false, renewed: false };
    const credential: IdpCredential = { accessToken, connection: identity.connection, source: 'identities' };
    return recoverableToken(this.budget, ctx, credential, {
      next: (rejected) => this.next(ctx, rejected, attempts),
      exhausted: (rejected) => tokenRejected(rejected.connection, ctx.adapter.key),
    });
  }

  /** The token to try first: a renewed one, else the identity's own. */
  private async current(ctx: TokenContext, identity: Identity): Promise<string> {
    const cached = await this.tokens.get(ctx.userId, identity.connection);
    if (cached !== undefined) return cached.accessToken;
    // The user's entry outlives a token the service can refresh: renew it now, not after a 401.
    if (ctx.adapter.canRefresh && identity.refreshToken !== undefined && isAccessTokenExpired(identity)) {
      const renewed = await this.refresh(ctx, identity);
      if (renewed !== undefined) return renewed.accessToken;
    }
    if (identity.accessToken === undefined) {
      throw new ApiProblem(
        'idp_token_unavailable',
        `Auth0 holds no ${ctx.adapter.key} access token for this user; the user must sign in with ${identity.connection} again.`,
        { extensions: { connection: identity.connection } },
      );
    }
    return identity.accessToken;
  }

  private async next(
    ctx: TokenContext,
    rejected: IdpCredential,
    attempts: Attempts,
  ): Promise<IdpCredential | undefined> {
    attempts.tried.add(rejected.accessToken);
    const { cached, untried } = await this.tokens.afterRejection(
      ctx.userId,
      rejected.connection,
      attempts.tried,
    );
    if (untried !== undefined) return { ...rejected, accessToken: untried.accessToken };
    let identity: Identity | undefined;
    if (!attempts.relooked) {
      attempts.relooked = true;
      // A new login may have stored a new token.
      identity = await this.lookUp(ctx, rejected.connection, true);
      const token = identity?.accessToken;
      if (token !== undefined && !attempts.tried.has(token) && token !== cached?.supersedes)
        return { ...rejected, accessToken: token };
    }
    if (attempts.renewed || !ctx.adapter.canRefresh) return undefined;
    identity ??= await this.lookUp(ctx, rejected.connection, false);
    if (identity?.refreshToken === undefined) return undefined;
    attempts.renewed = true;
    const refreshed = await this.refresh(ctx, identity);
    if (refreshed === undefined || attempts.tried.has(refreshed.accessToken)) return undefined;
    return { ...rejected, accessToken: refreshed.accessToken };
  }

  private async lookUp(ctx: TokenContext, connection: string, fresh: boolean): Promise<Identity | undefined> {
    const options = fresh ? { fresh: true, requestId: ctx.requestId } : { requestId: ctx.requestId };
    const user = await this.users.getUser(ctx.userId, options);
    return user.identities.find((i) => i.connection === connection);
  }

  /** A refused refresh token (revoked, expired) gives undefined: the caller goes on without it. */
  private refresh(ctx: TokenContext, identity: Identity): Promise<CachedToken | undefined> {
    const { connection } = identity;
    return this.refreshes
      .run(`refresh:${idpTokenKey(ctx.userId, connection)}`, () =>
        // One replica at a time (with Redis): the others then find its result below.
        this.tokens.exclusive(ctx.userId, connection, async () => {
          // A refresh of this same stale token that finished while this request was looking the user
          // up again: use its result instead of spending the refresh token a second time.
          const done = await this.tokens.get(ctx.userId, connection);
          if (done !== undefined && done.supersedes === identity.accessToken) return done;
          const refreshed = await ctx.adapter.refresh(identity.refreshToken as string, ctx.requestId);
          const token: CachedToken = { accessToken: refreshed.accessToken, supersedes: identity.accessToken };
          await this.tokens.store(ctx.userId, connection, token, refreshed.expiresInS);
          return token;
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof RefreshRefusedError) return undefined;
        throw error;
      });
  }
}

function tokenRejected(connection: string, provider: string): ApiProblem {
  return new ApiProblem(
    'idp_token_rejected',
    `${provider} refused the stored token even after a new lookup and refresh; the user must sign in with ${connection} again.`,
    { extensions: { connection } },
  );
}
