import { Module } from '@nestjs/common';
import { IdentityProvidersModule } from '../identity-providers/identity-providers.module';
import { IdpTokensModule } from '../idp-tokens/idp-tokens.module';
import { ProxyController } from './proxy.controller';
import { ProxyService } from './proxy.service';

@Module({
  imports: [IdentityProvidersModule, IdpTokensModule],
  controllers: [ProxyController],
  providers: [ProxyService],
})
export class ProxyModule {}
