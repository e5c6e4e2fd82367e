/**
 * Answers that are given again for a while instead of asking Auth0 again: a user Auth0 does not
 * have (`user_not_found`), and a (user, provider) whose refused IdP token no re-lookup, refresh or
 * Token Vault exchange could replace (`idp_token_rejected`). Each is remembered for
 * IDP_RECOVERY_INTERVAL_S in the shared cache (so across the fleet with Redis); meanwhile requests
 * for it get the same problem with no Auth0, refresh or IdP call. The tenant's Management API rate
 * limit is shared by every user: one user whose grant was revoked, or who was deleted while holding
 * a valid access token, must not spend it on every request.
 */
import { Injectable } from '@nestjs/common';
import { CacheService } from '../cache/cache.service';
import { ApiProblem } from '../common/problem';
import { AppConfig } from '../config/app-config';

type RememberedCode = 'user_not_found' | 'idp_token_rejected';

interface Remembered {
  code: RememberedCode;
  detail: string;
  extensions: Record<string, unknown>;
}

@Injectable()
export class RecoveryBudget {
  private readonly ttlMs: number;

  constructor(
    config: AppConfig,
    private readonly cache: CacheService,
  ) {
    this.ttlMs = config.idpRecoveryIntervalS * 1000;
  }

  /** Throws the remembered `user_not_found` for this user, if any. */
  checkUser(userId: string): Promise<void> {
    return this.check(userKey(userId));
  }

  /** Remembers `error` when it is `user_not_found`. */
  noteUserError(userId: string, error: unknown): Promise<void> {
    return this.note(userKey(userId), error, 'user_not_found');
  }

  /** Throws the remembered `idp_token_rejected` for this (user, provider), if any. */
  checkToken(userId: string, provider: string): Promise<void> {
    return this.check(tokenKey(userId, provider));
  }

  /** Remembers `error` when it is `idp_token_rejected`. */
  noteTokenError(userId: string, provider: string, error: unknown): Promise<void> {
    return this.note(tokenKey(userId, provider), error, 'idp_token_rejected');
  }

  private async check(key: string): Promise<void> {
    if (this.ttlMs <= 0) return;
    const remembered = await this.cache.get<Remembered>('recovery', key);
    if (remembered !== undefined)
      throw new ApiProblem(remembered.code, remembered.detail, { extensions: remembered.extensions });
  }

  private async note(key: string, error: unknown, code: RememberedCode): Promise<void> {
    if (this.ttlMs <= 0 || !(error instanceof ApiProblem) || error.code !== code) return;
    const remembered: Remembered = { code, detail: error.detail, extensions: error.extensions };
    await this.cache.set('recovery', key, remembered, this.ttlMs);
  }
}

function userKey(userId: string): string {
  return `user\n${userId}`;
}

function tokenKey(userId: string, provider: string): string {
  return `token\n${userId}\n${provider}`;
}
