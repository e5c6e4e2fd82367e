import { Module } from '@nestjs/common';
import { CacheModule } from '../cache/cache.module';
import { ManagementBudgetModule } from '../management-budget/management-budget.module';
import { UpstreamModule } from '../upstream/upstream.module';
import { ManagementTokenService } from './management-token.service';
import { ManagementTokenStartup } from './management-token.startup';

@Module({
  imports: [UpstreamModule, CacheModule, ManagementBudgetModule],
  providers: [ManagementTokenService, ManagementTokenStartup],
  exports: [ManagementTokenService, ManagementTokenStartup],
})
export class ManagementTokenModule {}
