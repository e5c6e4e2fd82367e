import { DeclaredAdapter, field, stringOrNull } from '../../identity-provider.adapter';
import type {
  IdentityProviderAdapter,
  NormalizedProfile,
  RefreshedToken,
} from '../../identity-provider.adapter';
import type { ScopeRequirement } from '../../scopes';

/** GitHub REST API: wants a User-Agent, its media type and an API version on every call. */
export class GithubAdapter extends DeclaredAdapter implements IdentityProviderAdapter {
  readonly pagingInJsonBody = false;
  readonly reservedQueryParams = [];
  readonly profileRequest = { path: 'user', query: '' };
  /** the profile of the signed-in user; `user` includes `read:user` */
  readonly profileScopes: readonly ScopeRequirement[] = [['read:user', 'user']];
  /** GitHub OAuth app tokens do not expire and Auth0 stores no refresh token for them. */
  readonly canRefresh = false;

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
    // `username` is GitHub's own field (see github.provider.ts): not part of the common type.
    const profile = {
      provider: this.key,
      id: stringOrNull(field(body, 'id')) ?? '',
      name: stringOrNull(field(body, 'name')),
      email: stringOrNull(field(body, 'email')),
      picture: stringOrNull(field(body, 'avatar_url')),
      username: stringOrNull(field(body, 'login')),
    };
    return profile;
  }

  refresh(): Promise<RefreshedToken> {
    return Promise.reject(new Error('GitHub tokens cannot be refreshed'));
  }
}
