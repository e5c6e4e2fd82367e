/**
 * Where a provider's IdP access token comes from: the user's `identities[]` or the Auth0 Token
 * Vault, chosen per provider by TOKEN_VAULT_PROVIDERS.
 */
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { IdentityProviderAdapter } from '../identity-providers/identity-provider.adapter';
import { IdentitiesTokenSource } from './identities-token-source';
import type { IdpTokenSource, ResolvedToken, TokenContext, TokenSourceKind } from './idp-token-source';
import { TokenVaultTokenSource } from './token-vault-token-source';

@Injectable()
export class IdpTokensService {
  constructor(
    private readonly config: AppConfig,
    private readonly identities: IdentitiesTokenSource,
    private readonly tokenVault: TokenVaultTokenSource,
  ) {}

  sourceOf(adapter: IdentityProviderAdapter): TokenSourceKind {
    return this.sourceFor(adapter).kind;
  }

  /** The token to call the IdP with, and the way to the next one after a 401. */
  resolve(ctx: TokenContext): Promise<ResolvedToken> {
    return this.sourceFor(ctx.adapter).resolve(ctx);
  }

  private sourceFor(adapter: IdentityProviderAdapter): IdpTokenSource {
    return this.config.tokenVault.providers.includes(adapter.key) ? this.tokenVault : this.identities;
  }
}
