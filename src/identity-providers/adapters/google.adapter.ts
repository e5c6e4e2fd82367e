import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { ApiHosts } from '../api-hosts';
import { UpstreamError } from '../../upstream/upstream.errors';
import { UpstreamService } from '../../upstream/upstream.service';
import { field, RefreshRefusedError, stringOrNull } from '../identity-provider.adapter';
import type { ScopeRequirement } from '../scopes';
import type {
  IdentityProviderAdapter,
  NormalizedProfile,
  RefreshedToken,
} from '../identity-provider.adapter';

/** Google APIs. Tokens can be refreshed with the refresh token Auth0 stored (offline access). */
@Injectable()
export class GoogleAdapter implements IdentityProviderAdapter {
  readonly key = 'google';
  readonly auth0Provider = 'google-oauth2';
  readonly defaultConnection = 'google-oauth2';
  readonly apiBaseUrl: string;
  readonly hosts: ApiHosts;
  readonly pagingInJsonBody = false;
  readonly extraRequestHeaders = [];
  readonly reservedQueryParams = [];
  readonly profileRequest = { path: 'oauth2/v3/userinfo', query: '' };
  /** userinfo gives name and picture only with the profile scope, email only with the email scope */
  readonly profileScopes: readonly ScopeRequirement[] = [
    ['https://www.googleapis.com/auth/userinfo.profile', 'profile'],
    ['https://www.googleapis.com/auth/userinfo.email', 'email'],
  ];
  readonly canRefresh: boolean;

  constructor(
    private readonly config: AppConfig,
    private readonly upstream: UpstreamService,
  ) {
    this.apiBaseUrl = config.google.apiBaseUrl;
    this.hosts = new ApiHosts(config, this.key, 'www.googleapis.com', this.apiBaseUrl);
    this.canRefresh = config.google.clientId !== undefined && config.google.clientSecret !== undefined;
  }

  defaultHeaders(): Record<string, string> {
    return {};
  }

  signQuery(query: string): string {
    return query;
  }

  normalizeProfile(body: unknown): NormalizedProfile {
    const verified = field(body, 'email_verified');
    return {
      provider: this.key,
      id: stringOrNull(field(body, 'sub')) ?? '',
      name: stringOrNull(field(body, 'name')),
      email: stringOrNull(field(body, 'email')),
      emailVerified: typeof verified === 'boolean' ? verified : verified === 'true' ? true : null,
      picture: stringOrNull(field(body, 'picture')),
    };
  }

  async refresh(refreshToken: string, requestId?: string): Promise<RefreshedToken> {
    const { google } = this.config;
    const { status, json } = await this.upstream.requestJson<{
      access_token?: unknown;
      expires_in?: unknown;
    }>({
      target: 'idp_refresh',
      method: 'POST',
      url: google.tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: google.clientId ?? '',
        client_secret: google.clientSecret ?? '',
      }).toString(),
      retry: 'none',
      requestId,
    });
    if (status === 200 && typeof json?.access_token === 'string') {
      return {
        accessToken: json.access_token,
        expiresInS: typeof json.expires_in === 'number' ? json.expires_in : 3600,
      };
    }
    if (status >= 500) throw new UpstreamError('unavailable', 'idp_refresh', { status });
    // 400 invalid_grant (revoked, expired) or 401 invalid_client: this refresh token will not do.
    throw new RefreshRefusedError(status);
  }
}
