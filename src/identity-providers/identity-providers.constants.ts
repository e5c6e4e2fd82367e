/**
 * DI token of the list of `IdentityProviderAdapter`s the service serves. Each adapter is one class
 * registered in `ADAPTERS` (identity-providers.module.ts); nothing else names a provider.
 */
export const IDENTITY_PROVIDER_ADAPTERS = Symbol('IDENTITY_PROVIDER_ADAPTERS');
