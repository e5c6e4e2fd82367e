import { Module } from '@nestjs/common';
import { ManagementBudgetModule } from '../management-budget/management-budget.module';
import { ManagementTokenModule } from '../management-token/management-token.module';
import { RecoveryBudget } from './recovery-budget';
import { UsersService } from './users.service';

@Module({
  imports: [ManagementTokenModule, ManagementBudgetModule],
  providers: [UsersService, RecoveryBudget],
  exports: [UsersService, RecoveryBudget],
})
export class UsersModule {}
