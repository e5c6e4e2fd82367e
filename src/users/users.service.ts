/**
 * Reads users through the Management API (`GET /api/v2/users/{id}` with only `user_id` and
 * `identities`). A user is reused for min(IDENTITY_CACHE_TTL_S, earliest token expiry − 30 s),
 * leaving out the tokens the service renews itself (see identity-lifetime.ts); concurrent lookups of one user share one request; a 401 drops the management token and tries once
 * more with a new one.
 */
import { Injectable, Logger } from '@nestjs/common';
import { CacheService } from '../cache/cache.service';
import { ApiProblem } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { ManagementBudget } from '../management-budget/management-budget.service';
import { ManagementTokenService } from '../management-token/management-token.service';
import { UpstreamError } from '../upstream/upstream.errors';
import { UpstreamService } from '../upstream/upstream.service';
import { RecoveryBudget } from './recovery-budget';
import { NO_REFRESH, entryTtlMs } from './identity-lifetime';
import type { RefreshPolicy } from './identity-lifetime';
import type { Identity, UserIdentities } from './user.types';

/** `provider|id`: printable, no spaces, bounded. */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\|[^\s\x00-\x1f\x7f]{1,256}$/;

interface ManagementUser {
  user_id?: unknown;
  identities?: unknown;
}

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);
  private canRenew: RefreshPolicy = NO_REFRESH;

  constructor(
    private readonly config: AppConfig,
    private readonly upstream: UpstreamService,
    private readonly managementToken: ManagementTokenService,
    private readonly cache: CacheService,
    private readonly recovery: RecoveryBudget,
    private readonly budget: ManagementBudget,
  ) {}

  /** Set once at start-up by the identity providers, which know whose tokens they can refresh. */
  useRefreshPolicy(policy: RefreshPolicy): void {
    this.canRenew = policy;
  }

  /** Throws `invalid_request` for a user id that cannot be an Auth0 user id. */
  static checkUserId(userId: string): void {
    if (!USER_ID.test(userId)) {
      throw new ApiProblem(
        'invalid_request',
        "userId must be an Auth0 user id such as 'google-oauth2|1234'.",
      );
    }
  }

  /**
   * The user's identities; `fresh` bypasses the cache (after an IdP refused a token). A user Auth0
   * did not have is answered `user_not_found` again for IDP_RECOVERY_INTERVAL_S without a lookup.
   */
  async getUser(
    userId: string,
    options: { fresh?: boolean; requestId?: string } = {},
  ): Promise<UserIdentities> {
    await this.recovery.checkUser(userId);
    try {
      return await this.cache.getOrLoad<UserIdentities>(
        'user',
        userId,
        () => this.lookup(userId, options.requestId),
        {
          fresh: options.fresh,
        },
      );
    } catch (error) {
      await this.recovery.noteUserError(userId, error);
      throw error;
    }
  }

  private async lookup(
    userId: string,
    requestId?: string,
  ): Promise<{ value: UserIdentities; ttlMs: number }> {
    const url = `${this.config.auth0.managementApiUrl}users/${encodeURIComponent(userId)}?fields=user_id,identities&include_fields=true`;
    let token = await this.managementToken.getToken(requestId);
    let answer = await this.read(url, token, requestId);
    if (answer.status === 401) {
      await this.managementToken.invalidate(token);
      token = await this.managementToken.getToken(requestId);
      answer = await this.read(url, token, requestId);
    }
    if (answer.status === 404) throw new ApiProblem('user_not_found', 'Auth0 has no user with this id.');
    if (answer.status === 403) throw this.managementToken.scopeRefused(answer.status);
    if (answer.status !== 200 || !Array.isArray(answer.json?.identities)) {
      this.logger.error({ status: answer.status }, 'unexpected Management API answer to a user lookup');
      throw new UpstreamError('unavailable', 'auth0_user', { status: answer.status });
    }
    const readAt = Date.now();
    const identities = (answer.json.identities as unknown[]).map((raw) => toIdentity(raw, readAt));
    const ttlMs = entryTtlMs(identities, readAt, this.config.identityCacheTtlS * 1000, this.canRenew);
    return { value: { userId, identities }, ttlMs };
  }

  private read(url: string, token: string, requestId?: string) {
    return this.upstream.requestJson<ManagementUser>({
      target: 'auth0_user',
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      retry: 'auth0',
      requestId,
      gate: this.budget,
    });
  }
}

function toIdentity(raw: unknown, readAt: number): Identity {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const expiresIn = typeof r.expires_in === 'number' ? r.expires_in : undefined;
  const accessToken = str(r.access_token);
  return {
    provider: str(r.provider) ?? 'unknown',
    connection: str(r.connection) ?? str(r.provider) ?? 'unknown',
    userId: typeof r.user_id === 'number' ? String(r.user_id) : (str(r.user_id) ?? ''),
    isSocial: r.isSocial === true,
    accessToken,
    refreshToken: str(r.refresh_token),
    expiresAt: accessToken !== undefined && expiresIn !== undefined ? readAt + expiresIn * 1000 : undefined,
  };
}
