import { Module } from '@nestjs/common';
import { CacheModule } from '../cache/cache.module';
import { UpstreamModule } from '../upstream/upstream.module';
import { UsersModule } from '../users/users.module';
import { IdentitiesTokenSource } from './identities-token-source';
import { IdpTokenCache } from './idp-token-cache';
import { IdpTokensService } from './idp-tokens.service';
import { TokenVaultTokenSource } from './token-vault-token-source';
import { TokenVaultClient } from './token-vault.client';

/** The IdP access tokens the proxy calls with, and their recovery after the IdP refused one. */
@Module({
  imports: [UpstreamModule, CacheModule, UsersModule],
  providers: [
    IdpTokenCache,
    TokenVaultClient,
    IdentitiesTokenSource,
    TokenVaultTokenSource,
    IdpTokensService,
  ],
  exports: [IdpTokensService],
})
export class IdpTokensModule {}
