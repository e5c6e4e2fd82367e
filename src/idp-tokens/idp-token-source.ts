/**
 * The port behind which an IdP access token comes from somewhere: the user's `identities[]` or the
 * Auth0 Token Vault. A source hands back the credential together with the way to the next one after
 * the IdP refused it; what one request has tried so far stays inside that object.
 */
import type { Principal } from '../auth/principal';
import type { IdentityProviderAdapter } from '../identity-providers/identity-provider.adapter';

export type TokenSourceKind = 'identities' | 'token-vault';

export interface IdpCredential {
  accessToken: string;
  connection: string;
  source: TokenSourceKind;
  /** the IdP scopes Token Vault reported for this token; undefined when unknown */
  grantedScopes?: readonly string[];
}

export interface TokenContext {
  principal: Principal;
  /** the user the call acts for: the caller's `sub`, or `{userId}` on service routes */
  userId: string;
  adapter: IdentityProviderAdapter;
  requestId?: string;
  /** `profile`: the token must carry the scopes the adapter's normalized profile needs */
  purpose?: 'profile' | 'api';
}

export interface ResolvedToken {
  readonly credential: IdpCredential;
  /**
   * After the IdP answered 401 to `credential`: the next token worth trying. Each recovery step
   * runs at most once per request; when nothing is left it throws `idp_token_rejected`.
   */
  retry(): Promise<ResolvedToken>;
}

export interface IdpTokenSource {
  readonly kind: TokenSourceKind;
  resolve(ctx: TokenContext): Promise<ResolvedToken>;
}
