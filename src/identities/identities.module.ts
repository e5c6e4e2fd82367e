import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { IdentityProvidersModule } from '../identity-providers/identity-providers.module';
import { IdpTokensModule } from '../idp-tokens/idp-tokens.module';
import { IdentitiesController } from './identities.controller';
import { IdentitiesService } from './identities.service';

@Module({
  imports: [AuthModule, IdentityProvidersModule, IdpTokensModule],
  controllers: [IdentitiesController],
  providers: [IdentitiesService],
})
export class IdentitiesModule {}
