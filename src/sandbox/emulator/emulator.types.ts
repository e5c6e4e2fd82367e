/**
 * The emulator's public surface: a local Auth0 tenant and Google, GitHub and Facebook APIs on
 * loopback, with switches and counters for tests. It serves the sandbox (`npm start`), the e2e
 * tests and the bench. It imports nothing of the product, so a bug cannot hide on both sides.
 */

import type { LogEvent, LogStreamSink } from './log-stream';

/** Names under which every endpoint is counted, recorded and can be given a fault. */
export type EndpointName =
  | 'jwks' // tenant GET /.well-known/jwks.json
  | 'token.client_credentials' // tenant POST /oauth/token, grant_type=client_credentials
  | 'token.exchange' // tenant POST /oauth/token, Token Vault federated-connection exchange
  | 'token.authorization_code' // tenant POST /oauth/token, grant_type=authorization_code (PKCE)
  | 'token.refresh_token' // tenant POST /oauth/token, grant_type=refresh_token
  | 'users' // tenant GET /api/v2/users/{id}
  | 'authorize' // tenant GET /authorize (and its POST sign-in form)
  | 'attacker.jwks' // a second, foreign JWKS server (for the `jku` test): must never be called
  | 'google.userinfo' // GET /oauth2/v3/userinfo
  | 'google.token' // POST <google token url> (refresh_token grant)
  | 'google.people' // GET /v1/people/me on the People API host (urls.googlePeople)
  | 'google.echo' // ANY /echo/**
  | 'google.other' // any other path on the Google API
  | 'github.user' // GET /user
  | 'github.repos' // GET /user/repos
  | 'github.graphql' // POST /graphql
  | 'github.echo'
  | 'github.other'
  | 'facebook.me' // GET /me
  | 'facebook.friends' // GET /me/friends (paged)
  | 'facebook.echo'
  | 'facebook.other';

export type ProviderName = 'google' | 'github' | 'facebook';

/** One request as the emulator received it. */
export interface RecordedRequest {
  endpoint: EndpointName;
  method: string;
  /** Raw request-target path, exactly as on the request line, without the query. */
  path: string;
  /** Raw query string without '?', '' when none. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body bytes. */
  body: Buffer;
  /** For /oauth/token: the parsed form or JSON parameters. */
  params?: Record<string, string>;
  at: number;
}

export type FaultSpec =
  /** answer 429 with `retry-after: <retryAfterS>` and `x-ratelimit-reset: <epoch s>` (defaults 1 s) */
  | { kind: '429'; times?: number; retryAfterS?: number }
  | { kind: '401' | '403' | '500' | '502' | '503' | '504'; times?: number }
  /** accept the request and send nothing for `ms` (default: forever, until close) */
  | { kind: 'hang'; times?: number; ms?: number }
  /** destroy the socket without an answer */
  | { kind: 'drop'; times?: number }
  /**
   * answer 200 in chunked encoding, send the first bytes of a JSON body, then send nothing more
   * until close (`stall-body`) or destroy the socket (`cut-body`): an answer that breaks off midway
   */
  | { kind: 'stall-body' | 'cut-body'; times?: number }
  /** answer as scripted (status, body, codings, headers) instead of the endpoint, before its bearer check */
  | ({ kind: 'answer'; times?: number } & ScriptedAnswer);

/**
 * An answer a test chooses for an IdP call, with the bearer token the call carried placed where the
 * test asks: in `body` and in header values, `{token}` is the token as sent and `{token%}` the token
 * with every byte percent-encoded (`%67%68%6F…`).
 */
export interface ScriptedAnswer {
  /** default 200 */
  status?: number;
  /** the body before any coding (UTF-8); default `{"token":"{token}"}` */
  body?: string;
  /**
   * codings applied to the body, in order: `gzip`, `deflate` (zlib format, as HTTP defines it),
   * `deflate-raw` (no zlib wrapper), `br`, or `garbage` (bytes no decoder accepts)
   */
  encode?: Array<'gzip' | 'deflate' | 'deflate-raw' | 'br' | 'garbage'>;
  /**
   * the `content-encoding` label sent, exactly as given (`'gzip, identity'`, `' GZIP '`), or one
   * header line per item of an array; default none
   */
  contentEncoding?: string | string[];
  /** keep only the first N bytes of the encoded body (a coded stream that ends too early) */
  truncate?: number;
  /** extra response headers (default `content-type: application/json; charset=utf-8`) */
  headers?: Record<string, string>;
  /** send the body chunked in pieces of this many bytes (default: one piece with content-length) */
  chunkBytes?: number;
}

export interface MintOptions {
  /** default: the linked seed user, 'auth0|4004' */
  sub?: string;
  /** extra or overriding claims; a claim set to `undefined` is removed (e.g. `{ exp: undefined }`) */
  claims?: Record<string, unknown>;
  /** extra or overriding JOSE header fields; `undefined` removes one (e.g. `{ kid: undefined }`) */
  header?: Record<string, unknown>;
  /** lifetime in seconds from now (default 3600); ignored when claims.exp is given */
  expiresInS?: number;
  /**
   * How the token is signed:
   * - 'tenant' (default): RS256 with the tenant's current key (its kid in the header)
   * - 'foreign': RS256 with a key the tenant never published, but the tenant key's kid
   * - 'hs256-public-key': HS256 whose secret is the tenant's public key PEM
   * - 'none': alg none, empty signature
   */
  signer?: 'tenant' | 'foreign' | 'hs256-public-key' | 'none';
}

export interface EmulatorOptions {
  host?: string; // default 127.0.0.1
  /** 0 or absent: a free port each */
  ports?: Partial<Record<'tenant' | ProviderName, number>>;
  /** identifier of the proxied API, the `aud` of user tokens (default 'https://idp-proxy.local/api') */
  audience?: string;
  /** lifetime of IdP access tokens stored in identities[] (default 3600) */
  idpTokenTtlS?: number;
  /** lifetime of management tokens (default 86400) */
  managementTokenTtlS?: number;
  /** exact redirect URIs /authorize accepts (the sandbox adds Swagger UI's and the demo app's) */
  allowedRedirectUris?: string[];
  /** public (SPA) client id accepted by /authorize and the authorization_code grant (default 'sandbox-spa') */
  spaClientId?: string;
  /** lifetime of IdP tokens handed out by the Token Vault exchange (default 3600); the IdP enforces it */
  vaultTokenTtlS?: number;
  /** lifetime of user access tokens from the authorization_code / refresh_token grants (default 86400) */
  userTokenTtlS?: number;
  /** when true the IdPs also reject identities[] tokens older than idpTokenTtlS (default false: they never expire) */
  enforceIdpTokenExpiry?: boolean;
  /** port of the attacker JWKS server (0 or absent: a free port) */
  attackerJwksPort?: number;
  /** fixed secrets instead of random ones (e.g. for docker compose); random when absent */
  secrets?: Partial<
    Record<
      'managementClientSecret' | 'tokenVaultClientSecret' | 'googleClientSecret' | 'facebookAppSecret',
      string
    >
  >;
}

/** A seeded user as stored in the tenant. `identities` follow Auth0's Management API shape. */
export interface EmulatedIdentity {
  provider: string; // 'google-oauth2' | 'github' | 'facebook' | 'auth0' | ...
  connection: string;
  user_id: string | number; // GitHub and Facebook ids come as numbers from Auth0 sometimes
  isSocial: boolean;
  access_token?: string;
  expires_in?: number;
  refresh_token?: string;
}

export interface EmulatedUser {
  user_id: string;
  name: string;
  email: string;
  identities: EmulatedIdentity[];
  /** connections whose tokens the Token Vault holds for this user (e.g. ['google-oauth2']) */
  vault?: string[];
  /**
   * the IdP scopes the user granted per vault connection (space-separated, e.g. `{ github: 'repo' }`);
   * absent: the connection's full set. The exchange answers them as `scope`; the IdPs enforce them.
   */
  vaultScopes?: Record<string, string>;
}

export interface UserSpec {
  /** providers to give this user, first one is the primary identity; 'auth0' gives a database identity without tokens */
  providers: Array<ProviderName | 'auth0'>;
  /** user id; default `<first provider's Auth0 name>|<counter>` */
  userId?: string;
  /** give the identity of these providers no access_token */
  withoutToken?: ProviderName[];
  /** store a refresh_token on the google identity (default true) */
  googleRefreshToken?: boolean;
  vault?: string[];
  /** see EmulatedUser.vaultScopes */
  vaultScopes?: Record<string, string>;
  name?: string;
}

export interface Emulator {
  /** http://127.0.0.1:PORT — what AUTH0_DOMAIN is set to */
  readonly tenantUrl: string;
  /** tenantUrl + '/' */
  readonly issuer: string;
  readonly audience: string;
  /**
   * API roots; googleToken is the refresh endpoint (GOOGLE_TOKEN_URL); googlePeople the People API
   * host (people.googleapis.com); attackerJwks the foreign JWKS
   */
  readonly urls: Record<ProviderName | 'googleToken' | 'googlePeople' | 'attackerJwks', string>;
  readonly managementClient: { clientId: string; clientSecret: string };
  readonly tokenVaultClient: { clientId: string; clientSecret: string };
  readonly googleClient: { clientId: string; clientSecret: string };
  readonly facebookAppSecret: string;

  /**
   * the product's environment for this emulator (AUTH0_*, *_API_BASE_URL, GOOGLE_*, FACEBOOK_APP_SECRET,
   * API_HOST_OVERRIDES sending people.googleapis.com to urls.googlePeople)
   */
  env(): Record<string, string>;

  /** seed user ids (see README of the emulator) */
  readonly seed: {
    google: string; // google-oauth2|1001, Google token + refresh token
    github: string; // github|2002
    facebook: string; // facebook|3003
    linked: string; // auth0|4004: auth0 database identity + google-oauth2 + github
    noToken: string; // github|6006: identity without access_token
    vault: string; // google-oauth2|7007: no token in identities[], google-oauth2 and github in the Token Vault
  };
  user(userId: string): EmulatedUser | undefined;
  addUser(spec: UserSpec): EmulatedUser;
  /** add `count` users with the given providers; returns their ids */
  addUsers(count: number, spec: Omit<UserSpec, 'userId'>): string[];

  mintToken(options?: MintOptions): string;
  /** a client-credentials token as Auth0 issues one for an M2M app (gty, sub `<id>@clients`, azp) */
  mintServiceToken(options?: { clientId?: string; permissions?: string[]; scope?: string }): string;
  /** add a new signing key and use it for new tokens (old key stays published unless dropOld) */
  rotateSigningKey(options?: { dropOld?: boolean }): void;
  /**
   * the `scope` management tokens carry from now on, as an M2M application granted fewer Management
   * API permissions gets (default `read:users read:user_idp_tokens`; undefined restores it)
   */
  setManagementScope(scope: string | undefined): void;
  /** while true, the JWKS endpoint answers 503 */
  setJwksDown(down: boolean): void;

  /** IdP side: the user's current token stops working (401) but Auth0 still holds it (an expired token) */
  expireIdpToken(userId: string, provider: ProviderName): void;
  /** a new login: a new token at the IdP and in identities[]; the old one answers 401 */
  rotateIdpToken(userId: string, provider: ProviderName): string;
  /** the token Auth0 currently stores for that identity */
  idpToken(userId: string, provider: ProviderName): string | undefined;
  /** every IdP access/refresh token and management token the emulator ever issued (for leak scans) */
  secrets(): string[];

  /** extra headers every IdP answer carries (e.g. set-cookie, www-authenticate); {} to clear */
  setIdpResponseHeaders(provider: ProviderName, headers: Record<string, string>): void;

  fault(endpoint: EndpointName, spec: FaultSpec): void;
  clearFaults(): void;
  count(endpoint: EndpointName): number;
  requests(endpoint: EndpointName): RecordedRequest[];
  /** zero counters and recorded requests */
  resetCounters(): void;

  close(): Promise<void>;

  // ---- additions (always present on what startEmulator returns; see EmulatorWithExtras) ----
  /** the public (SPA) client id /authorize accepts */
  readonly spaClientId?: string;
  /** the IdP stops accepting every Token Vault token issued for (user, connection), e.g. ('google-oauth2|7007', 'github') */
  expireVaultToken?(userId: string, connection: string): void;
  /** lifetime of Token Vault tokens issued from now on (seconds) */
  setVaultTokenTtlS?(seconds: number): void;
  /** Google stops accepting the user's stored refresh token (refresh then fails with invalid_grant) */
  revokeRefreshToken?(userId: string): void;
  /**
   * The user connects that account through Connected Accounts: the Token Vault holds it from now
   * on, granting `scope` (space-separated; default the connection's full set, see the README)
   */
  connectVault?(userId: string, connection: string, options?: { scope?: string }): void;
  /** every IdP access token the Token Vault exchange ever handed out (also in secrets()) */
  vaultTokens?(): string[];
  /**
   * The tenant's Custom Webhook log stream: from now on each sign-in at /authorize is posted to
   * `sink` as a login event (`s`); undefined stops it
   */
  setLogStream?(sink: LogStreamSink | undefined): void;
  /** posts these log events to `sink` (default: the one set) as Auth0 would; each request's status */
  postLogStream?(events: readonly LogEvent[], sink?: LogStreamSink): Promise<number[]>;
}

/** What startEmulator returns: the Emulator with its optional additions present. */
export type EmulatorWithExtras = Emulator &
  Required<
    Pick<
      Emulator,
      | 'spaClientId'
      | 'expireVaultToken'
      | 'setVaultTokenTtlS'
      | 'revokeRefreshToken'
      | 'connectVault'
      | 'vaultTokens'
      | 'setLogStream'
      | 'postLogStream'
    >
  >;
