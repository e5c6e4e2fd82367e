/**
 * The Management API token: client-credentials grant at `<tenant>/oauth/token` for the audience
 * `<tenant>/api/v2/`, reused until shortly before `expires_in`; concurrent callers share one
 * request. `invalidate` drops a token the Management API refused.
 */
import { Injectable, Logger } from '@nestjs/common';
import { CacheService } from '../cache/cache.service';
import { AppConfig } from '../config/app-config';
import { ManagementBudget } from '../management-budget/management-budget.service';
import { UpstreamError } from '../upstream/upstream.errors';
import { UpstreamService } from '../upstream/upstream.service';

/** Renew this long before Auth0's expiry, so no request carries a token about to lapse. */
const EXPIRY_MARGIN_MS = 60_000;
const CACHE_KEY = 'management';

interface TokenResponse {
  access_token?: unknown;
  expires_in?: unknown;
}

@Injectable()
export class ManagementTokenService {
  private readonly logger = new Logger(ManagementTokenService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly upstream: UpstreamService,
    private readonly cache: CacheService,
    private readonly budget: ManagementBudget,
  ) {}

  getToken(requestId?: string): Promise<string> {
    return this.cache.getOrLoad<string>('management_token', CACHE_KEY, () => this.fetch(requestId));
  }

  /** Drops `token` if it is still the cached one (another request may have renewed it already). */
  async invalidate(token: string): Promise<void> {
    const current = await this.cache.get<string>('management_token', CACHE_KEY);
    if (current === token) await this.cache.delete('management_token', CACHE_KEY);
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
    if (status !== 200 || typeof json?.access_token !== 'string') {
      // A refused client (wrong secret, API not authorized) is an operator's problem: say it in the log.
      this.logger.error(
        { status },
        'Auth0 refused the client-credentials grant; check AUTH0_CLIENT_ID/SECRET and the API grant',
      );
      throw new UpstreamError('unavailable', 'auth0_token', { status });
    }
    const expiresInMs = (typeof json.expires_in === 'number' ? json.expires_in : 86_400) * 1000;
    return { value: json.access_token, ttlMs: Math.max(expiresInMs - EXPIRY_MARGIN_MS, expiresInMs / 2) };
  }
}
