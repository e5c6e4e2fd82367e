import { Module } from '@nestjs/common';
import { ManagementTokenService } from './management-token.service';
import { ManagementTokenStartup } from './management-token.startup';

@Module({
  providers: [ManagementTokenService, ManagementTokenStartup],
  exports: [ManagementTokenService, ManagementTokenStartup],
})
export class ManagementTokenModule {}
