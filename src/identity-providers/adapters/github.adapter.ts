import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { ApiHosts } from '../api-hosts';
import { field, stringOrNull } from '../identity-provider.adapter';
import type { ScopeRequirement } from '../scopes';
import type {
  IdentityProviderAdapter,
  NormalizedProfile,
  RefreshedToken,
} from '../identity-provider.adapter';

/** GitHub REST API: wants a User-Agent, its media type and an API version on every call. */
@Injectable()
export class GithubAdapter implements IdentityProviderAdapter {
  readonly key = 'github';
  readonly auth0Provider = 'github';
  readonly defaultConnection = 'github';
  readonly apiBaseUrl: string;
  readonly hosts: ApiHosts;
  readonly pagingInJsonBody = false;
  readonly extraRequestHeaders = ['x-github-api-version'];
  readonly reservedQueryParams = [];
  readonly profileRequest = { path: 'user', query: '' };
  /** the profile of the signed-in user; `user` includes `read:user` */
  readonly profileScopes: readonly ScopeRequirement[] = [['read:user', 'user']];
  /** GitHub OAuth app tokens do not expire and Auth0 stores no refresh token for them. */
  readonly canRefresh = false;

  constructor(config: AppConfig) {
    this.apiBaseUrl = config.github.apiBaseUrl;
    this.hosts = new ApiHosts(config, this.key, 'api.github.com', this.apiBaseUrl);
  }

  defaultHeaders(): Record<string, string> {
    return {
      'user-agent': 'idp-proxy',
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
    };
  }

  signQuery(query: string): string {
    return query;
  }

  normalizeProfile(body: unknown): NormalizedProfile {
    return {
      provider: this.key,
      id: stringOrNull(field(body, 'id')) ?? '',
      name: stringOrNull(field(body, 'name')),
      email: stringOrNull(field(body, 'email')),
      picture: stringOrNull(field(body, 'avatar_url')),
      username: stringOrNull(field(body, 'login')),
    };
  }

  refresh(): Promise<RefreshedToken> {
    return Promise.reject(new Error('GitHub tokens cannot be refreshed'));
  }
}
