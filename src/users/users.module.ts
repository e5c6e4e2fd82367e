import { Module } from '@nestjs/common';
import { ManagementTokenModule } from '../management-token/management-token.module';
import { UsersService } from './users.service';

@Module({ imports: [ManagementTokenModule], providers: [UsersService], exports: [UsersService] })
export class UsersModule {}
