/**
 * DI token of the list of `IdentityProviderAdapter`s the service serves, built by the
 * IdentityProvidersModule from the provider declarations (`PROVIDER_DECLARATIONS`).
 */
export const IDENTITY_PROVIDER_ADAPTERS = Symbol('IDENTITY_PROVIDER_ADAPTERS');

/**
 * DI token of the declarations the app serves: `SERVED_PROVIDERS` unless the app was built with
 * another list (`AppModule.forRoot(config, providers)`). The configuration must have been parsed
 * with the same list.
 */
export const PROVIDER_DECLARATIONS = Symbol('PROVIDER_DECLARATIONS');
