import { Module } from '@nestjs/common';
import { ManagementBudgetModule } from '../management-budget/management-budget.module';
import { ManagementTokenService } from './management-token.service';
import { ManagementTokenStartup } from './management-token.startup';

@Module({
  imports: [ManagementBudgetModule],
  providers: [ManagementTokenService, ManagementTokenStartup],
  exports: [ManagementTokenService, ManagementTokenStartup],
})
export class ManagementTokenModule {}
