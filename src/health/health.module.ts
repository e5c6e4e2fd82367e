import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '../auth/auth.module';
import { CACHE_READINESS_CHECKS } from '../cache/cache.constants';
import { CacheModule } from '../cache/cache.module';
import type { ReadinessCheck } from '../common/readiness';
import { ManagementTokenModule } from '../management-token/management-token.module';
import { READINESS_CHECKS } from './health.constants';
import { HealthController } from './health.controller';

// Terminus' own error log is off: every probe before readiness would log one; JwksService already
// logs each failed fetch with its reason.
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), AuthModule, ManagementTokenModule, CacheModule],
  providers: [
    {
      provide: READINESS_CHECKS,
      inject: [CACHE_READINESS_CHECKS],
      useFactory: (...groups: ReadinessCheck[][]): ReadinessCheck[] => groups.flat(),
    },
  ],
  controllers: [HealthController],
})
export class HealthModule {}
