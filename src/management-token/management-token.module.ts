import { Module } from '@nestjs/common';
import { ManagementTokenService } from './management-token.service';

@Module({ providers: [ManagementTokenService], exports: [ManagementTokenService] })
export class ManagementTokenModule {}
