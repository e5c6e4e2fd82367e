import { Module } from '@nestjs/common';
import { ManagementBudgetModule } from '../management-budget/management-budget.module';
import { ManagementTokenService } from './management-token.service';

@Module({
  imports: [ManagementBudgetModule],
  providers: [ManagementTokenService],
  exports: [ManagementTokenService],
})
export class ManagementTokenModule {}
