import { Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { ApiHosts } from '../api-hosts';
import { field, stringOrNull } from '../identity-provider.adapter';
import type { ScopeRequirement } from '../scopes';
import type {
  IdentityProviderAdapter,
  NormalizedProfile,
  RefreshedToken,
} from '../identity-provider.adapter';

/** Facebook Graph API; with FACEBOOK_APP_SECRET set every call carries `appsecret_proof`. */
@Injectable()
export class FacebookAdapter implements IdentityProviderAdapter {
  readonly key = 'facebook';
  readonly auth0Provider = 'facebook';
  readonly defaultConnection = 'facebook';
  readonly apiBaseUrl: string;
  readonly hosts: ApiHosts;
  readonly pagingInJsonBody = true;
  readonly extraRequestHeaders = [];
  readonly reservedQueryParams = ['appsecret_proof'];
  readonly profileRequest = { path: 'me', query: 'fields=id,name,email,picture' };
  readonly profileScopes: readonly ScopeRequirement[] = [['public_profile'], ['email']];
  readonly canRefresh = false;
  private readonly appSecret: string | undefined;

  constructor(config: AppConfig) {
    this.apiBaseUrl = config.facebook.apiBaseUrl;
    this.hosts = new ApiHosts(config, this.key, 'graph.facebook.com', this.apiBaseUrl);
    this.appSecret = config.facebook.appSecret;
  }

  defaultHeaders(): Record<string, string> {
    return {};
  }

  signQuery(query: string, accessToken: string): string {
    if (this.appSecret === undefined) return query;
    const proof = createHmac('sha256', this.appSecret).update(accessToken).digest('hex');
    return query === '' ? `appsecret_proof=${proof}` : `${query}&appsecret_proof=${proof}`;
  }

  normalizeProfile(body: unknown): NormalizedProfile {
    return {
      provider: this.key,
      id: stringOrNull(field(body, 'id')) ?? '',
      name: stringOrNull(field(body, 'name')),
      email: stringOrNull(field(body, 'email')),
      picture: stringOrNull(field(body, 'picture', 'data', 'url')),
    };
  }

  refresh(): Promise<RefreshedToken> {
    return Promise.reject(new Error('Facebook tokens cannot be refreshed'));
  }
}
