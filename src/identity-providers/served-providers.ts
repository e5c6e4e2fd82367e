/**
 * The providers the service serves, in the order the configuration, the OpenAPI document and
 * error messages list them. Adding one is its folder under providers/ plus one entry here.
 */
import { FACEBOOK_PROVIDER } from './providers/facebook/facebook.provider';
import { GITHUB_PROVIDER } from './providers/github/github.provider';
import { GOOGLE_PROVIDER } from './providers/google/google.provider';
import type { ProviderDeclaration } from './provider-declaration';

export const SERVED_PROVIDERS: readonly ProviderDeclaration[] = [
  GOOGLE_PROVIDER,
  GITHUB_PROVIDER,
  FACEBOOK_PROVIDER,
];
