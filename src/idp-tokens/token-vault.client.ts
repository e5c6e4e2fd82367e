/**
 * The Auth0 Token Vault exchange on the wire: the caller's Auth0 access token for the user's
 * access token at a connection. A refusal comes back as a typed `TokenVaultRefusal`; what it
 * means to the caller is the token source's business.
 */
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { parseScope } from '../identity-providers/scopes';
import { UpstreamService } from '../upstream/upstream.service';

const EXCHANGE_GRANT = 'urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token';
const SUBJECT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const REQUESTED_TOKEN_TYPE = 'http://auth0.com/oauth/token-type/federated-connection-access-token';
/** OAuth errors of a refused exchange that blame this service's client, not the user's account. */
const CLIENT_REFUSALS = new Set(['invalid_client', 'unauthorized_client']);
const DEFAULT_EXPIRES_IN_S = 3600;

export interface ExchangedToken {
  accessToken: string;
  expiresInS: number;
  /** the IdP scopes Auth0 reported (`scope`); undefined when it gave none */
  scopes?: string[];
}

/**
 * `not_connected`: the user has no account of that connection in the vault (401/403);
 * `client_refused`: Auth0 refused this service's client, for every user alike;
 * `unavailable`: any other answer.
 */
export type TokenVaultRefusalReason = 'not_connected' | 'client_refused' | 'unavailable';

export class TokenVaultRefusal extends Error {
  constructor(
    readonly reason: TokenVaultRefusalReason,
    readonly status: number,
    /** the OAuth `error` of the answer, if any */
    readonly error: string | undefined,
  ) {
    super(`token exchange refused: ${reason} (${status})`);
  }
}

interface ExchangeAnswer {
  access_token?: unknown;
  expires_in?: unknown;
  scope?: unknown;
  error?: unknown;
  error_description?: unknown;
}

@Injectable()
export class TokenVaultClient {
  constructor(
    private readonly config: AppConfig,
    private readonly upstream: UpstreamService,
  ) {}

  /** Throws `TokenVaultRefusal` for an answer without a token; upstream failures as they come. */
  async exchange(subjectToken: string, connection: string, requestId?: string): Promise<ExchangedToken> {
    const { auth0, tokenVault } = this.config;
    const { status, json } = await this.upstream.requestJson<ExchangeAnswer>({
      target: 'auth0_token_exchange',
      method: 'POST',
      url: auth0.tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: EXCHANGE_GRANT,
        client_id: tokenVault.clientId ?? '',
        client_secret: tokenVault.clientSecret ?? '',
        subject_token: subjectToken,
        subject_token_type: SUBJECT_TOKEN_TYPE,
        requested_token_type: REQUESTED_TOKEN_TYPE,
        connection,
      }).toString(),
      retry: 'auth0',
      requestId,
    });
    if (status === 200 && typeof json?.access_token === 'string') {
      return {
        accessToken: json.access_token,
        expiresInS: typeof json.expires_in === 'number' ? json.expires_in : DEFAULT_EXPIRES_IN_S,
        scopes: parseScope(json.scope),
      };
    }
    throw refusal(status, json);
  }
}

function refusal(status: number, json: ExchangeAnswer | undefined): TokenVaultRefusal {
  const error = typeof json?.error === 'string' ? json.error : undefined;
  const clientRefused =
    (error !== undefined && CLIENT_REFUSALS.has(error)) ||
    (error === 'access_denied' && json?.error_description === 'Unauthorized');
  if (clientRefused) return new TokenVaultRefusal('client_refused', status, error);
  if (status === 401 || status === 403) return new TokenVaultRefusal('not_connected', status, error);
  return new TokenVaultRefusal('unavailable', status, error);
}
