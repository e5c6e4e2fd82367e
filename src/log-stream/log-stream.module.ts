import { Module } from '@nestjs/common';
import { CacheModule } from '../cache/cache.module';
import { IdentityProvidersModule } from '../identity-providers/identity-providers.module';
import { UsersModule } from '../users/users.module';
import { LogStreamController } from './log-stream.controller';
import { LogStreamService } from './log-stream.service';

/** POST /auth0/log-stream; part of the app only when AUTH0_LOG_STREAM_TOKEN is set. */
@Module({
  imports: [CacheModule, IdentityProvidersModule, UsersModule],
  controllers: [LogStreamController],
  providers: [LogStreamService],
})
export class LogStreamModule {}
