/**
 * The Management API token: client-credentials grant at `<tenant>/oauth/token` for the audience
 * `<tenant>/api/v2/`, reused until shortly before `expires_in`; concurrent callers share one
 * request. `invalidate` drops a token the Management API refused. A refusal of our own credentials,
 * or a token without the scopes the service needs, is `Auth0MisconfiguredError` naming the
 * Dashboard setting to fix.
 */
import { Injectable, Logger } from '@nestjs/common';
import { CacheService } from '../cache/cache.service';
import { AppConfig } from '../config/app-config';
import { ManagementBudget } from '../management-budget/management-budget.service';
import { Auth0MisconfiguredError, UpstreamError } from '../upstream/upstream.errors';
import { UpstreamService } from '../upstream/upstream.service';

/** Renew this long before Auth0's expiry, so no request carries a token about to lapse. */
const EXPIRY_MARGIN_MS = 60_000;
const CACHE_KEY = 'management';

/** Where the M2M application's access to the Management API is set in the Auth0 Dashboard. */
export const MANAGEMENT_API_GRANT_SETTING =
  'Auth0 Dashboard > Applications > APIs > Auth0 Management API > Machine To Machine Applications: authorize the application AUTH0_CLIENT_ID';

interface TokenResponse {
  access_token?: unknown;
  expires_in?: unknown;
  scope?: unknown;
}

@Injectable()
export class ManagementTokenService {
  private readonly logger = new Logger(ManagementTokenService.name);
  private readonly neededScopes: string[];

  constructor(
    private readonly config: AppConfig,
    private readonly upstream: UpstreamService,
    private readonly cache: CacheService,
    private readonly budget: ManagementBudget,
  ) {
    // read:user_idp_tokens only matters while some provider reads its tokens from identities[].
    const readsIdentities = Object.keys(config.providers).some(
      (p) => !config.tokenVault.providers.includes(p),
    );
    this.neededScopes = readsIdentities ? ['read:users', 'read:user_idp_tokens'] : ['read:users'];
  }

  getToken(requestId?: string): Promise<string> {
    return this.cache.getOrLoad<string>('management_token', CACHE_KEY, () => this.fetch(requestId));
  }

  /** Drops `token` if it is still the cached one (another request may have renewed it already). */
  async invalidate(token: string): Promise<void> {
    const current = await this.cache.get<string>('management_token', CACHE_KEY);
    if (current === token) await this.cache.delete('management_token', CACHE_KEY);
  }

  /** The Management API refused a token for lack of scope (403 on a user lookup). */
  scopeRefused(status: number): Auth0MisconfiguredError {
    return this.misconfigured(
      `the Management API refused the token (${status}): ${MANAGEMENT_API_GRANT_SETTING} and tick the permissions ${this.neededScopes.join(', ')}`,
      status,
      'auth0_user',
    );
  }

  private async fetch(requestId?: string): Promise<{ value: string; ttlMs: number }> {
    const { auth0 } = this.config;
    const { status, json } = await this.upstream.requestJson<TokenResponse>({
      target: 'auth0_token',
      method: 'POST',
      url: auth0.tokenUrl,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: auth0.clientId,
        client_secret: auth0.clientSecret,
        audience: auth0.managementApiUrl,
      }),
      retry: 'auth0',
      requestId,
      gate: this.budget,
    });
    if (status === 401 || status === 403) throw this.refused(status);
    if (status !== 200 || typeof json?.access_token !== 'string') {
      this.logger.error({ status }, 'unexpected answer to the client-credentials grant');
      throw new UpstreamError('unavailable', 'auth0_token', { status });
    }
    this.checkScopes(json.scope);
    const expiresInMs = (typeof json.expires_in === 'number' ? json.expires_in : 86_400) * 1000;
    return { value: json.access_token, ttlMs: Math.max(expiresInMs - EXPIRY_MARGIN_MS, expiresInMs / 2) };
  }

  private refused(status: number): Auth0MisconfiguredError {
    const setting =
      status === 401
        ? "check AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET against the application's Settings tab (Client ID, Client Secret) in the Auth0 Dashboard"
        : `${MANAGEMENT_API_GRANT_SETTING} and grant it ${this.neededScopes.join(', ')}`;
    return this.misconfigured(`Auth0 refused the client-credentials grant (${status}): ${setting}`, status);
  }

  /** Auth0 answers the granted scopes in `scope`; a token without it is taken as it is. */
  private checkScopes(scope: unknown): void {
    if (typeof scope !== 'string') return;
    const granted = new Set(scope.split(' '));
    const missing = this.neededScopes.filter((s) => !granted.has(s));
    if (missing.length === 0) return;
    throw this.misconfigured(
      `the Management API token lacks ${missing.join(', ')}: ${MANAGEMENT_API_GRANT_SETTING} and tick ${missing.join(', ')}`,
    );
  }

  private misconfigured(
    setting: string,
    status?: number,
    target: 'auth0_token' | 'auth0_user' = 'auth0_token',
  ): Auth0MisconfiguredError {
    this.logger.error({ status }, `Auth0 configuration problem: ${setting}`);
    return new Auth0MisconfiguredError(target, setting, status);
  }
}
