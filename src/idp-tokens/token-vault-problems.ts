/** The problems a Token Vault token ends in; their details tell the app which flow to start. */
import { ApiProblem } from '../common/problem';
import type { IdentityProviderAdapter } from '../identity-providers/identity-provider.adapter';
import { describeScopes, missingScopes } from '../identity-providers/scopes';
import type { IdpCredential } from './idp-token-source';

export function notConnected(connection: string, detail: string): ApiProblem {
  return new ApiProblem('idp_account_not_connected', detail, { extensions: { connection } });
}

/** What Token Vault granted lacks what the profile needs: the fix is connecting again with them. */
function scopeShortfall(
  adapter: IdentityProviderAdapter,
  granted: readonly string[] | undefined,
): string | undefined {
  if (granted === undefined) return undefined;
  const missing = missingScopes(adapter.profileScopes, granted);
  if (missing.length === 0) return undefined;
  const grantedText = granted.length === 0 ? 'no scope' : granted.map((s) => `\`${s}\``).join(' ');
  return `Token Vault granted ${grantedText} for ${adapter.key}; the ${adapter.key} profile needs ${describeScopes(missing)}.`;
}

/**
 * The profile route with a token whose reported scopes lack what the normalized profile needs:
 * 409 idp_account_not_connected, because the app's remedy is the same Connected Accounts flow for
 * `connection`, asking for the missing scopes. The IdP is not called: it would refuse, or answer a
 * profile with fields silently missing.
 */
export function checkProfileScopes(
  adapter: IdentityProviderAdapter,
  connection: string,
  granted: readonly string[] | undefined,
): void {
  const shortfall = scopeShortfall(adapter, granted);
  if (shortfall === undefined) return;
  throw notConnected(
    connection,
    `${shortfall} Connect the ${connection} account again through the Connected Accounts flow, asking for those scopes.`,
  );
}

/** The IdP refused a Token Vault token again after a new exchange. */
export function vaultTokenRejected(adapter: IdentityProviderAdapter, rejected: IdpCredential): ApiProblem {
  const shortfall = scopeShortfall(adapter, rejected.grantedScopes);
  return new ApiProblem(
    'idp_token_rejected',
    `${adapter.key} refused the Token Vault token even after a new exchange; the user must connect the ${rejected.connection} account again.${shortfall === undefined ? '' : ` ${shortfall}`}`,
    { extensions: { connection: rejected.connection } },
  );
}
