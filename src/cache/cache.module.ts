import { Module } from '@nestjs/common';
import type { ReadinessCheck } from '../common/readiness';
import { AppConfig } from '../config/app-config';
import { MetricsModule } from '../metrics/metrics.module';
import { MetricsService } from '../metrics/metrics.service';
import { CACHE_READINESS_CHECKS } from './cache.constants';
import { CacheService } from './cache.service';
import { MemoryTier } from './memory-tier';
import { RedisStore } from './redis-store';

/**
 * The cache: memory always (memory-tier.ts), plus the shared, encrypted Redis tier when REDIS_URL
 * is set; then also Redis's readiness check, which can only make /health/ready degraded, never 503.
 */
@Module({
  imports: [MetricsModule],
  providers: [
    {
      provide: RedisStore,
      inject: [AppConfig, MetricsService],
      useFactory: (config: AppConfig, metrics: MetricsService): RedisStore | null =>
        config.redis.url === undefined ? null : new RedisStore(config, metrics),
    },
    {
      provide: CACHE_READINESS_CHECKS,
      inject: [RedisStore],
      useFactory: (store: RedisStore | null): ReadinessCheck[] =>
        store === null ? [] : [{ key: 'redis', critical: false, check: () => store.check() }],
    },
    { provide: MemoryTier, useFactory: () => new MemoryTier() },
    CacheService,
  ],
  exports: [CacheService, RedisStore, CACHE_READINESS_CHECKS],
})
export class CacheModule {}
