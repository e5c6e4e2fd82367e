import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ProblemFilter } from './common/problem.filter';
import type { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { HealthModule } from './health/health.module';
import { IdentitiesModule } from './identities/identities.module';
import type { ProviderDeclaration } from './identity-providers/provider-declaration';
import { SERVED_PROVIDERS } from './identity-providers/served-providers';
import { LogStreamModule } from './log-stream/log-stream.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProxyModule } from './proxy/proxy.module';

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
        AppConfigModule.forRoot(config, providers),
        MetricsModule,
        IdentitiesModule,
        ProxyModule,
        HealthModule,
        ...(config.logStreamToken === undefined ? [] : [LogStreamModule]),
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
