/**
 * The recovery budget around a source's own recovery steps: a (user, provider) whose recovery
 * ended in idp_token_rejected is remembered (RecoveryBudget), and until that lapses a retry answers
 * it again with no Auth0, refresh or exchange call.
 */
import type { ApiProblem } from '../common/problem';
import type { RecoveryBudget } from '../users/recovery-budget';
import type { Identity } from '../users/user.types';
import type { UsersService } from '../users/users.service';
import type { IdpCredential, ResolvedToken, TokenContext } from './idp-token-source';

export interface TokenRecovery {
  /** the next credential after the IdP refused `rejected`; undefined when nothing is left */
  next(rejected: IdpCredential): Promise<IdpCredential | undefined>;
  /** the problem answered when nothing is left */
  exhausted(rejected: IdpCredential): ApiProblem;
}

export function recoverableToken(
  budget: RecoveryBudget,
  ctx: TokenContext,
  credential: IdpCredential,
  recovery: TokenRecovery,
): ResolvedToken {
  return {
    credential,
    retry: async () => {
      // Another request may have given up on this pair while this one was calling the IdP.
      await budget.checkToken(ctx.userId, ctx.adapter.key, ctx.principal.accessToken);
      try {
        const next = await recovery.next(credential);
        if (next === undefined) throw recovery.exhausted(credential);
        return recoverableToken(budget, ctx, next, recovery);
      } catch (error) {
        await budget.noteTokenError(ctx.userId, ctx.adapter.key, error, ctx.principal.accessToken);
        throw error;
      }
    },
  };
}

/**
 * Where both sources start: a pair whose recovery failed lately is answered from the budget (no
 * lookup); else the user's identity of the adapter's provider, if any.
 */
export async function identityWithinBudget(
  budget: RecoveryBudget,
  users: UsersService,
  ctx: TokenContext,
): Promise<Identity | undefined> {
  await budget.checkToken(ctx.userId, ctx.adapter.key, ctx.principal.accessToken);
  const user = await users.getUser(ctx.userId, { requestId: ctx.requestId });
  return user.identities.find((i) => i.provider === ctx.adapter.auth0Provider);
}
