/**
 * The sandbox's tenant set-up, shared by `npm start` and the Compose `sandbox` profile so both
 * behave alike: Google is served through Token Vault, which holds every Google seed user's account
 * (the Token Vault seed user included), and the product is configured to match.
 */
import type { EmulatorWithExtras } from './emulator/emulator.types';

/** Served from Token Vault in the sandbox, so its Token Vault seed user works. */
export const SANDBOX_VAULT_PROVIDER = 'google';

/** Connects the seed users' Google accounts to the Token Vault; returns the product's extra settings. */
export function prepareSandboxTenant(emulator: EmulatorWithExtras): Record<string, string> {
  for (const userId of Object.values(emulator.seed)) {
    if (emulator.user(userId)?.identities.some((i) => i.provider === 'google-oauth2'))
      emulator.connectVault(userId, 'google-oauth2');
  }
  return {
    TOKEN_VAULT_PROVIDERS: SANDBOX_VAULT_PROVIDER,
    AUTH0_ISSUER: emulator.issuer,
    SWAGGER_CLIENT_ID: emulator.spaClientId,
  };
}
