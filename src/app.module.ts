import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { CacheModule } from './cache/cache.module';
import { ProblemFilter } from './common/problem.filter';
import { AppConfig } from './config/app-config';
import { HealthModule } from './health/health.module';
import { IdentitiesModule } from './identities/identities.module';
import { PROVIDER_DECLARATIONS } from './identity-providers/identity-providers.constants';
import type { ProviderDeclaration } from './identity-providers/provider-declaration';
import { SERVED_PROVIDERS } from './identity-providers/served-providers';
import { LogStreamModule } from './log-stream/log-stream.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProxyModule } from './proxy/proxy.module';
import { UpstreamModule } from './upstream/upstream.module';

@Module({})
export class AppModule {
  /**
   * The whole service for one validated configuration, serving `providers` (parsed into `config`
   * by `parseConfig(env, providers)`).
   */
  static forRoot(
    config: AppConfig,
    providers: readonly ProviderDeclaration[] = SERVED_PROVIDERS,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ ...config })] }),
        {
          module: class AppConfigModule {},
          global: true,
          providers: [
            { provide: AppConfig, useValue: config },
            { provide: PROVIDER_DECLARATIONS, useValue: providers },
          ],
          exports: [AppConfig, PROVIDER_DECLARATIONS],
        },
        MetricsModule,
        UpstreamModule,
        CacheModule,
        AuthModule,
        IdentitiesModule,
        ProxyModule,
        HealthModule,
        ...(config.logStreamToken === undefined ? [] : [LogStreamModule]),
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
