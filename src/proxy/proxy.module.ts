import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { IdentityProvidersModule } from '../identity-providers/identity-providers.module';
import { IdpTokensModule } from '../idp-tokens/idp-tokens.module';
import { UpstreamModule } from '../upstream/upstream.module';
import { ProxyController } from './proxy.controller';
import { ProxyService } from './proxy.service';

@Module({
  imports: [AuthModule, UpstreamModule, IdentityProvidersModule, IdpTokensModule],
  controllers: [ProxyController],
  providers: [ProxyService],
})
export class ProxyModule {}
