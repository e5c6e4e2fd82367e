import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { UpstreamModule } from '../upstream/upstream.module';
import { CallerGuard, JwtAuthGuard } from './auth.guards';
import { Authenticator } from './authenticator';
import { JwksService } from './jwks.service';
import { JwtStrategy } from './jwt.strategy';

@Module({
  imports: [PassportModule.register({ session: false }), UpstreamModule],
  providers: [JwksService, JwtStrategy, Authenticator, JwtAuthGuard, CallerGuard],
  exports: [JwksService, Authenticator, JwtAuthGuard, CallerGuard],
})
export class AuthModule {}
