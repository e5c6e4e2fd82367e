import { Module } from '@nestjs/common';
import { CacheModule } from '../cache/cache.module';
import { MetricsModule } from '../metrics/metrics.module';
import { ManagementBudget } from './management-budget.service';

/** The Management API budget (AUTH0_MGMT_RPS), for every caller of the Management API. */
@Module({ imports: [MetricsModule, CacheModule], providers: [ManagementBudget], exports: [ManagementBudget] })
export class ManagementBudgetModule {}
