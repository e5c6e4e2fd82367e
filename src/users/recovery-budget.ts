/**
 * Answers that are given again for a while instead of asking Auth0 again: a user Auth0 does not
 * have (`user_not_found`), and a (user, provider) whose refused IdP token no re-lookup, refresh or
 * Token Vault exchange could replace (`idp_token_rejected`). Each is remembered for
 * IDP_RECOVERY_INTERVAL_S in the shared cache (so across the fleet with Redis); meanwhile requests
 * for it get the same problem with no Auth0, refresh or IdP call. The tenant's Management API rate
 * limit is shared by every user: one user whose grant was revoked, or who was deleted while holding
 * a valid access token, must not spend it on every request.
 *
 * A user who signs in again (the app's remedy for idp_token_rejected) must not wait for the
 * interval to end: a remembered idp_token_rejected is answered to the Auth0 access token that
 * ended in it and to any issued before it, but a caller token issued since (its `iat` in the same
 * second or later) gets one recovery of its own, which sees the new IdP token Auth0 stored at
 * that sign-in. Each such token costs at most one recovery.
 */
import { Injectable } from '@nestjs/common';
import { hash } from 'node:crypto';
import { CacheService } from '../cache/cache.service';
import { ApiProblem } from '../common/problem';
import { AppConfig } from '../config/app-config';

type RememberedCode = 'user_not_found' | 'idp_token_rejected';

interface Remembered {
  code: RememberedCode;
  detail: string;
  extensions: Record<string, unknown>;
  /** idp_token_rejected: a digest of the caller token it ended for, and when (epoch seconds) */
  caller?: string;
  atS?: number;
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

  /**
   * Throws the remembered `idp_token_rejected` for this (user, provider), if any, unless
   * `callerToken` (the caller's Auth0 access token) was issued since and has not ended in it yet.
   */
  checkToken(userId: string, provider: string, callerToken: string): Promise<void> {
    return this.check(tokenKey(userId, provider), callerToken);
  }

  /** Remembers `error` when it is `idp_token_rejected`, for `callerToken` and older ones. */
  noteTokenError(userId: string, provider: string, error: unknown, callerToken: string): Promise<void> {
    return this.note(tokenKey(userId, provider), error, 'idp_token_rejected', callerToken);
  }

  /** Forgets what was remembered for this user (a new sign-in, a deletion or a change at Auth0). */
  async forget(userId: string, providers: readonly string[]): Promise<void> {
    await Promise.all([
      this.cache.delete('recovery', userKey(userId)),
      ...providers.map((provider) => this.cache.delete('recovery', tokenKey(userId, provider))),
    ]);
  }

  private async check(key: string, callerToken?: string): Promise<void> {
    if (this.ttlMs <= 0) return;
    const remembered = await this.cache.get<Remembered>('recovery', key);
    if (remembered === undefined) return;
    if (
      callerToken !== undefined &&
      remembered.caller !== undefined &&
      remembered.caller !== digest(callerToken) &&
      (issuedAtS(callerToken) ?? 0) >= (remembered.atS ?? Number.POSITIVE_INFINITY)
    )
      return;
    throw new ApiProblem(remembered.code, remembered.detail, { extensions: remembered.extensions });
  }

  private async note(key: string, error: unknown, code: RememberedCode, callerToken?: string): Promise<void> {
    if (this.ttlMs <= 0 || !(error instanceof ApiProblem) || error.code !== code) return;
    const remembered: Remembered = { code, detail: error.detail, extensions: error.extensions };
    if (callerToken !== undefined) {
      remembered.caller = digest(callerToken);
      remembered.atS = Math.floor(Date.now() / 1000);
    }
    await this.cache.set('recovery', key, remembered, this.ttlMs);
  }
}

/** Names a caller token without holding it. */
function digest(token: string): string {
  return hash('sha256', token, 'base64url').slice(0, 22);
}

/** The `iat` of a (verified) JWT, in epoch seconds; undefined when it has none. */
function issuedAtS(jwt: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      iat?: unknown;
    };
    return typeof payload.iat === 'number' ? payload.iat : undefined;
  } catch {
    return undefined;
  }
}

function userKey(userId: string): string {
  return `user\n${userId}`;
}

function tokenKey(userId: string, provider: string): string {
  return `token\n${userId}\n${provider}`;
}
