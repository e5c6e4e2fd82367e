import { Module } from '@nestjs/common';
import { CacheModule } from '../cache/cache.module';
import { ManagementBudgetModule } from '../management-budget/management-budget.module';
import { ManagementTokenModule } from '../management-token/management-token.module';
import { RecoveryBudget } from './recovery-budget';
import { UpstreamModule } from '../upstream/upstream.module';
import { UsersService } from './users.service';

@Module({
  imports: [UpstreamModule, CacheModule, ManagementTokenModule, ManagementBudgetModule],
  providers: [UsersService, RecoveryBudget],
  exports: [UsersService, RecoveryBudget],
})
export class UsersModule {}
