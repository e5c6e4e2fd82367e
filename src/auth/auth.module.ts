import { Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { CallerGuard, JwtAuthGuard } from './auth.guards';
import { JwksService } from './jwks.service';
import { JwtStrategy } from './jwt.strategy';

@Global()
@Module({
  imports: [PassportModule.register({ session: false })],
  providers: [JwksService, JwtStrategy, JwtAuthGuard, CallerGuard],
  exports: [JwksService, JwtAuthGuard, CallerGuard],
})
export class AuthModule {}
