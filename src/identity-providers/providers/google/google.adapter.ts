import { UpstreamError } from '../../../upstream/upstream.errors';
import type { UpstreamService } from '../../../upstream/upstream.service';
import { DeclaredAdapter, field, RefreshRefusedError, stringOrNull } from '../../identity-provider.adapter';
import type {
  IdentityProviderAdapter,
  NormalizedProfile,
  RefreshedToken,
} from '../../identity-provider.adapter';
import type { AdapterContext } from '../../provider-declaration';
import type { ScopeRequirement } from '../../scopes';

/** GOOGLE_TOKEN_URL, and GOOGLE_CLIENT_ID/SECRET (both or neither: without them, no refresh). */
export interface GoogleSettings {
  tokenUrl: string;
  clientId?: string;
  clientSecret?: string;
}

/** Google APIs. Tokens can be refreshed with the refresh token Auth0 stored (offline access). */
export class GoogleAdapter extends DeclaredAdapter implements IdentityProviderAdapter {
  readonly pagingInJsonBody = false;
  readonly reservedQueryParams = [];
  readonly profileRequest = { path: 'oauth2/v3/userinfo', query: '' };
  /** userinfo gives name and picture only with the profile scope, email only with the email scope */
  readonly profileScopes: readonly ScopeRequirement[] = [
    ['https://www.googleapis.com/auth/userinfo.profile', 'profile'],
    ['https://www.googleapis.com/auth/userinfo.email', 'email'],
  ];
  readonly canRefresh: boolean;

  private readonly settings: GoogleSettings;
  private readonly upstream: UpstreamService;

  constructor(context: AdapterContext<GoogleSettings>) {
    super(context);
    this.settings = context.settings;
    this.upstream = context.upstream;
    this.canRefresh = this.settings.clientId !== undefined && this.settings.clientSecret !== undefined;
  }

  defaultHeaders(): Record<string, string> {
    return {};
  }

  signQuery(query: string): string {
    return query;
  }

  normalizeProfile(body: unknown): NormalizedProfile {
    const verified = field(body, 'email_verified');
    // `emailVerified` is Google's own field (see google.provider.ts): not part of the common type.
    const profile = {
      provider: this.key,
      id: stringOrNull(field(body, 'sub')) ?? '',
      name: stringOrNull(field(body, 'name')),
      email: stringOrNull(field(body, 'email')),
      emailVerified: typeof verified === 'boolean' ? verified : verified === 'true' ? true : null,
      picture: stringOrNull(field(body, 'picture')),
    };
    return profile;
  }

  async refresh(refreshToken: string, requestId?: string): Promise<RefreshedToken> {
    const google = this.settings;
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
