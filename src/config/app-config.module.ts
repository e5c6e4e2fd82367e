import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { PROVIDER_DECLARATIONS } from '../identity-providers/identity-providers.constants';
import type { ProviderDeclaration } from '../identity-providers/provider-declaration';
import { AppConfig } from './app-config';

/** The namespace the validated configuration is loaded under in `ConfigService`. */
const NAMESPACE = 'app';

/**
 * The validated configuration, through `@nestjs/config`: `parseConfig` has already read and checked
 * the environment (one run, every problem), so `ConfigModule` loads that one object, reads no
 * `.env` file and no `process.env`; the `AppConfig` token is what `ConfigService` holds. Global, as
 * configuration is by Nest's convention. The provider declarations the configuration was parsed
 * with (`parseConfig(env, providers)`) are part of it: `PROVIDER_DECLARATIONS`.
 */
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig, providers: readonly ProviderDeclaration[]): DynamicModule {
    return {
      module: AppConfigModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => ({ [NAMESPACE]: config })],
        }),
      ],
      providers: [
        {
          provide: AppConfig,
          inject: [ConfigService],
          useFactory: (configService: ConfigService): AppConfig =>
            configService.getOrThrow<AppConfig>(NAMESPACE),
        },
        { provide: PROVIDER_DECLARATIONS, useValue: providers },
      ],
      exports: [AppConfig, PROVIDER_DECLARATIONS],
    };
  }
}
