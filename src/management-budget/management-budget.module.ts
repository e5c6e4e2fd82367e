import { Module } from '@nestjs/common';
import { ManagementBudget } from './management-budget.service';

/** The Management API budget (AUTH0_MGMT_RPS), for every caller of the Management API. */
@Module({ providers: [ManagementBudget], exports: [ManagementBudget] })
export class ManagementBudgetModule {}
