import { Module } from '@nestjs/common';
import type { OnModuleInit, Type } from '@nestjs/common';
import { CacheModule } from '../cache/cache.module';
import { UpstreamModule } from '../upstream/upstream.module';
import { UsersModule } from '../users/users.module';
import { UsersService } from '../users/users.service';
import { FacebookAdapter } from './adapters/facebook.adapter';
import { GithubAdapter } from './adapters/github.adapter';
import { GoogleAdapter } from './adapters/google.adapter';
import { IdentityProviderRegistry } from './identity-provider.registry';
import type { IdentityProviderAdapter } from './identity-provider.adapter';
import { IDENTITY_PROVIDER_ADAPTERS } from './identity-providers.constants';

/** Every served provider: adding one is its adapter file plus one entry here. */
const ADAPTERS: Array<Type<IdentityProviderAdapter>> = [GoogleAdapter, GithubAdapter, FacebookAdapter];

@Module({
  imports: [UpstreamModule, CacheModule, UsersModule],
  providers: [
    ...ADAPTERS,
    {
      provide: IDENTITY_PROVIDER_ADAPTERS,
      useFactory: (...adapters: IdentityProviderAdapter[]) => adapters,
      inject: ADAPTERS,
    },
    IdentityProviderRegistry,
  ],
  exports: [IdentityProviderRegistry, UsersModule],
})
export class IdentityProvidersModule implements OnModuleInit {
  constructor(
    private readonly users: UsersService,
    private readonly registry: IdentityProviderRegistry,
  ) {}

  /** Users' entries outlive the access tokens these adapters refresh themselves. */
  onModuleInit(): void {
    this.users.useRefreshPolicy(
      (identity) =>
        identity.refreshToken !== undefined &&
        this.registry.forAuth0Provider(identity.provider)?.canRefresh === true,
    );
  }
}
