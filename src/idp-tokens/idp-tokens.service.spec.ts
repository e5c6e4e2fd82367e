import type { AppConfig } from '../config/app-config';
import type { IdentityProviderAdapter } from '../identity-providers/identity-provider.adapter';
import type { IdentitiesTokenSource } from './identities-token-source';
import type { TokenContext } from './idp-token-source';
import { IdpTokensService } from './idp-tokens.service';
import type { TokenVaultTokenSource } from './token-vault-token-source';

function newTestService(vaultProviders: string[]) {
  const identities = { kind: 'identities', resolve: jest.fn(() => Promise.resolve('from identities')) };
  const tokenVault = { kind: 'token-vault', resolve: jest.fn(() => Promise.resolve('from the vault')) };
  const config = { tokenVault: { providers: vaultProviders } } as unknown as AppConfig;
  const sut = new IdpTokensService(
    config,
    identities as unknown as IdentitiesTokenSource,
    tokenVault as unknown as TokenVaultTokenSource,
  );
  return { sut, identities, tokenVault };
}

const adapter = (key: string) => ({ key }) as unknown as IdentityProviderAdapter;

describe(IdpTokensService.name, () => {
  it('should take the Token Vault for the providers configured for it, identities[] for the others', () => {
    const { sut } = newTestService(['google']);
    expect(sut.sourceOf(adapter('google'))).toBe('token-vault');
    expect(sut.sourceOf(adapter('github'))).toBe('identities');
  });

  it("should resolve through the provider's source", async () => {
    const { sut, identities, tokenVault } = newTestService(['google']);
    const ctx = { adapter: adapter('github') } as TokenContext;
    await expect(sut.resolve(ctx)).resolves.toBe('from identities');
    expect(identities.resolve).toHaveBeenCalledWith(ctx);
    expect(tokenVault.resolve).not.toHaveBeenCalled();
  });
});
