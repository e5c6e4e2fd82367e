import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ManagementTokenModule } from '../management-token/management-token.module';
import { HealthController } from './health.controller';

// Terminus' own error log is off: every probe before readiness would log one; JwksService already
// logs each failed fetch with its reason.
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ManagementTokenModule],
  controllers: [HealthController],
})
export class HealthModule {}
