import { CacheModule as NestCacheModule } from '@nestjs/cache-manager';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { READINESS_CHECKS } from '../health/health.constants';
import type { ReadinessCheck } from '../health/health.constants';
import { MetricsService } from '../metrics/metrics.service';
import { CacheService } from './cache.service';
import { RedisStore } from './redis-store';

/**
 * The cache: memory always (cache-manager), plus the shared, encrypted Redis tier when REDIS_URL
 * is set; then also Redis's readiness check, which can only make /health/ready degraded, never 503.
 */
@Global()
@Module({
  imports: [NestCacheModule.register()],
  providers: [
    {
      provide: RedisStore,
      inject: [AppConfig, MetricsService],
      useFactory: (config: AppConfig, metrics: MetricsService): RedisStore | null =>
        config.redis.url === undefined ? null : new RedisStore(config, metrics),
    },
    {
      provide: READINESS_CHECKS,
      inject: [RedisStore],
      useFactory: (store: RedisStore | null): ReadinessCheck[] =>
        store === null ? [] : [{ key: 'redis', critical: false, check: () => store.check() }],
    },
    CacheService,
  ],
  exports: [CacheService, RedisStore, READINESS_CHECKS],
})
export class CacheModule {}
