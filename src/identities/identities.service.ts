import { Injectable } from '@nestjs/common';
import { IdentityProviderRegistry } from '../identity-providers/identity-provider.registry';
import { IdpTokensService } from '../idp-tokens/idp-tokens.service';
import { UsersService } from '../users/users.service';
import type { IdentitiesDto, IdentityDto } from './dto/identity.dto';

/** The caller's (or a named user's) identities as the app may see them: no token, ever. */
@Injectable()
export class IdentitiesService {
  constructor(
    private readonly users: UsersService,
    private readonly registry: IdentityProviderRegistry,
    private readonly tokens: IdpTokensService,
  ) {}

  async list(userId: string, requestId?: string): Promise<IdentitiesDto> {
    const user = await this.users.getUser(userId, { requestId });
    const identities = user.identities.map((identity): IdentityDto => {
      const adapter = this.registry.forAuth0Provider(identity.provider);
      const base = { connection: identity.connection, userId: identity.userId, isSocial: identity.isSocial };
      if (adapter === undefined) {
        return {
          ...base,
          provider: identity.provider,
          supported: false,
          tokenSource: null,
          hasToken: false,
          canRefresh: false,
        };
      }
      if (this.tokens.sourceOf(adapter) === 'token-vault') {
        return {
          ...base,
          provider: adapter.key,
          supported: true,
          tokenSource: 'token-vault',
          hasToken: null,
          canRefresh: null,
        };
      }
      return {
        ...base,
        provider: adapter.key,
        supported: true,
        tokenSource: 'identities',
        hasToken: identity.accessToken !== undefined,
        canRefresh: adapter.canRefresh && identity.refreshToken !== undefined,
      };
    });
    return { identities };
  }
}
