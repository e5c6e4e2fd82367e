import { Module } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { CacheModule } from '../cache/cache.module';
import { AppConfig } from '../config/app-config';
import { UpstreamModule } from '../upstream/upstream.module';
import { UpstreamService } from '../upstream/upstream.service';
import { UsersModule } from '../users/users.module';
import { UsersService } from '../users/users.service';
import { ApiHosts } from './api-hosts';
import { IdentityProviderRegistry } from './identity-provider.registry';
import type { IdentityProviderAdapter } from './identity-provider.adapter';
import { IDENTITY_PROVIDER_ADAPTERS, PROVIDER_DECLARATIONS } from './identity-providers.constants';
import { defaultApiHost } from './provider-declaration';
import type { ProviderDeclaration } from './provider-declaration';

/** One adapter per declaration, from what the configuration read for it. */
export function buildAdapters(
  declarations: readonly ProviderDeclaration[],
  config: AppConfig,
  upstream: UpstreamService,
): IdentityProviderAdapter[] {
  return declarations.map((declaration) => {
    const configured = config.providers[declaration.key];
    if (configured === undefined) {
      throw new Error(`the configuration was parsed without the provider '${declaration.key}'`);
    }
    const { apiBaseUrl, apiHosts, settings } = configured;
    const hosts = new ApiHosts(apiHosts, config.apiHostOverrides, defaultApiHost(declaration), apiBaseUrl);
    return declaration.createAdapter({ declaration, apiBaseUrl, hosts, settings, upstream });
  });
}

/** The served providers' adapters (PROVIDER_DECLARATIONS comes from AppModule.forRoot). */
@Module({
  imports: [UpstreamModule, CacheModule, UsersModule],
  providers: [
    {
      provide: IDENTITY_PROVIDER_ADAPTERS,
      useFactory: buildAdapters,
      inject: [PROVIDER_DECLARATIONS, AppConfig, UpstreamService],
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
