import { createHmac } from 'node:crypto';
import { DeclaredAdapter, field, stringOrNull } from '../../identity-provider.adapter';
import type {
  IdentityProviderAdapter,
  NormalizedProfile,
  RefreshedToken,
} from '../../identity-provider.adapter';
import type { AdapterContext } from '../../provider-declaration';
import type { ScopeRequirement } from '../../scopes';

/** FACEBOOK_APP_SECRET (unset: no `appsecret_proof`). */
export interface FacebookSettings {
  appSecret?: string;
}

/** Facebook Graph API; with FACEBOOK_APP_SECRET set every call carries `appsecret_proof`. */
export class FacebookAdapter extends DeclaredAdapter implements IdentityProviderAdapter {
  readonly pagingInJsonBody = true;
  readonly reservedQueryParams = ['appsecret_proof'];
  readonly profileRequest = { path: 'me', query: 'fields=id,name,email,picture' };
  readonly profileScopes: readonly ScopeRequirement[] = [['public_profile'], ['email']];
  readonly canRefresh = false;
  private readonly appSecret: string | undefined;

  constructor(context: AdapterContext<FacebookSettings>) {
    super(context);
    this.appSecret = context.settings.appSecret;
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
