/** The emulated Auth0 tenant: JWKS, /oauth/token, Management API users, /authorize, OIDC bits. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Client, Ctx } from './context';
import { managementAudience, mintToken } from './context';
import type { EmulatedUser, EndpointName } from './emulator.types';
import { authToken, createListener, escapeHtml, formParams, parseQuery, sendHtml, sendJson } from './http';
import type { Call, Route } from './http';
import { signRs256, verifyRs256 } from './jwt';
import { postLogEvents } from './log-stream';
import { hex, providerOfConnection } from './state';

export const GRANT_TOKEN_EXCHANGE =
  'urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token';
export const SUBJECT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const FEDERATED_TOKEN_TYPE = 'http://auth0.com/oauth/token-type/federated-connection-access-token';

const USERS_PREFIX = '/api/v2/users/';
export const MANAGEMENT_SCOPE = 'read:users read:user_idp_tokens';
const TX_TTL_MS = 10 * 60 * 1000;
const MAX_PENDING = 2000;
/** the tenant's session cookie, set by a sign-in and read by `prompt=none` (silent authentication) */
export const SESSION_COOKIE = 'auth0';
const SESSION_TTL_MS = 12 * 3600 * 1000;
const RESPONSE_MODES = new Set(['query', 'web_message']);

/** What a connected account grants unless the user's vaultScopes narrow it. */
const VAULT_SCOPE: Record<string, string> = {
  google:
    'openid https://www.googleapis.com/auth/userinfo.profile https://www.googleapis.com/auth/userinfo.email',
  github: 'read:user user:email repo',
  facebook: 'public_profile email',
};

interface AuthorizeTx {
  clientId: string;
  redirectUri: string;
  state?: string;
  nonce?: string;
  audience: string;
  scope: string;
  codeChallenge: string;
  connection?: string;
  /** `query` (a redirect) or `web_message` (a page that posts the answer to the app's window) */
  responseMode: string;
  expiresAt: number;
}

interface AuthCode extends AuthorizeTx {
  userId: string;
}

function equalSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function isClient(params: Record<string, string>, client: Client): boolean {
  return params.client_id === client.clientId && equalSecret(params.client_secret, client.clientSecret);
}

function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description }, { 'cache-control': 'no-store' });
}

/** The value of one cookie of the request. */
function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Auth0's `response_mode=web_message` answer: a page that posts the authorization response to the
 * window that opened it (a popup) or framed it (silent authentication), at the app's origin only.
 */
function webMessagePage(targetOrigin: string, response: Record<string, string>): string {
  const message = JSON.stringify({ type: 'authorization_response', response }).replace(/</g, '\\u003c');
  const origin = JSON.stringify(targetOrigin).replace(/</g, '\\u003c');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Authorization Response</title></head><body><script>
(function () { var target = window.opener || window.parent; target.postMessage(${message}, ${origin}); })();
</script></body></html>`;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
button{display:block;width:100%;margin:.4rem 0;padding:.7rem;font-size:1rem;cursor:pointer;text-align:left}
.hint{color:#666;font-size:.85rem}</style></head><body>${body}</body></html>`;
}

export function createTenantListener(ctx: Ctx): RequestListener {
  const transactions = new Map<string, AuthorizeTx>();
  const codes = new Map<string, AuthCode & { used: boolean }>();
  const refreshTokens = new Map<
    string,
    { userId: string; clientId: string; audience: string; scope: string }
  >();
  /** session id (the value of the tenant's cookie) → the signed-in user */
  const sessions = new Map<string, { userId: string; expiresAt: number }>();

  const prune = <T extends { expiresAt: number }>(map: Map<string, T>): void => {
    if (map.size < MAX_PENDING) return;
    const now = Date.now();
    for (const [key, value] of map) if (value.expiresAt < now || map.size >= MAX_PENDING) map.delete(key);
  };

  const corsHeaders = (req: IncomingMessage, res: ServerResponse): void => {
    const origin = req.headers.origin;
    if (origin !== undefined && ctx.allowedOrigins.has(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
    }
  };

  // ---- JWKS and discovery ----------------------------------------------------------------------

  const jwks = ({ res }: Call): void => {
    if (ctx.jwksDown) {
      sendJson(res, 503, { statusCode: 503, error: 'Service Unavailable', message: 'JWKS is down' });
      return;
    }
    sendJson(res, 200, { keys: ctx.keys.published.map((k) => k.jwk) }, { 'cache-control': 'max-age=15' });
  };

  const openidConfiguration = ({ res }: Call): void => {
    const t = ctx.tenantUrl;
    sendJson(res, 200, {
      issuer: ctx.issuer,
      authorization_endpoint: `${t}/authorize`,
      token_endpoint: `${t}/oauth/token`,
      device_authorization_endpoint: `${t}/oauth/device/code`,
      userinfo_endpoint: `${t}/userinfo`,
      mfa_challenge_endpoint: `${t}/mfa/challenge`,
      jwks_uri: `${t}/.well-known/jwks.json`,
      registration_endpoint: `${t}/oidc/register`,
      revocation_endpoint: `${t}/oauth/revoke`,
      end_session_endpoint: `${t}/v2/logout`,
      scopes_supported: ['openid', 'profile', 'offline_access', 'name', 'given_name', 'family_name', 'email'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      response_modes_supported: ['query', 'web_message'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      claims_supported: [
        'aud',
        'auth_time',
        'email',
        'email_verified',
        'exp',
        'iat',
        'iss',
        'name',
        'nonce',
        'sub',
      ],
      request_uri_parameter_supported: false,
      request_parameter_supported: false,
    });
  };

  const verifyUserToken = (token: string | undefined, audience: string) =>
    token === undefined
      ? undefined
      : verifyRs256(token, ctx.keys.published, { issuer: ctx.issuer, audience });

  const userinfo = ({ req, res }: Call): void => {
    const claims = verifyUserToken(authToken(req), `${ctx.tenantUrl}/userinfo`);
    if (!claims || typeof claims.sub !== 'string') {
      res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
      sendJson(res, 401, { error: 'invalid_token', error_description: 'Unauthorized' });
      return;
    }
    const user = ctx.world.users.get(claims.sub);
    sendJson(
      res,
      200,
      user ? { sub: user.user_id, name: user.name, email: user.email } : { sub: claims.sub },
    );
  };

  const sessionOf = (req: IncomingMessage): { id: string; userId: string } | undefined => {
    const id = cookie(req, SESSION_COOKIE);
    const session = id === undefined ? undefined : sessions.get(id);
    if (id === undefined || !session) return undefined;
    if (session.expiresAt < Date.now() || !ctx.world.users.has(session.userId)) {
      sessions.delete(id);
      return undefined;
    }
    return { id, userId: session.userId };
  };

  /** Ends the tenant session (server side and the cookie), as Auth0's /v2/logout does. */
  const logout = ({ req, res, query }: Call): void => {
    const session = sessionOf(req);
    if (session) sessions.delete(session.id);
    res.setHeader('set-cookie', `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`);
    const { returnTo } = parseQuery(query);
    if (returnTo === undefined) {
      sendHtml(res, 200, page('Signed out', '<h1>Signed out</h1>'));
      return;
    }
    let origin: string | undefined;
    try {
      origin = new URL(returnTo).origin;
    } catch {
      origin = undefined;
    }
    if (origin === undefined || !ctx.allowedOrigins.has(origin)) {
      sendHtml(res, 400, page('Logout error', '<h1>returnTo is not an allowed logout URL</h1>'));
      return;
    }
    res.writeHead(302, { location: returnTo, 'content-length': '0' });
    res.end();
  };

  // ---- /oauth/token --------------------------------------------------------------------------

  const clientCredentials = (res: ServerResponse, params: Record<string, string>): void => {
    if (!isClient(params, ctx.managementClient)) {
      oauthError(res, 401, 'access_denied', 'Unauthorized');
      return;
    }
    const audience = managementAudience(ctx);
    if (params.audience !== audience) {
      oauthError(res, 403, 'access_denied', `Service not enabled within domain: ${params.audience ?? ''}`);
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const ttl = ctx.managementTokenTtlS;
    const token = signRs256(
      { alg: 'RS256', typ: 'JWT', kid: ctx.keys.current.kid },
      {
        iss: ctx.issuer,
        sub: `${ctx.managementClient.clientId}@clients`,
        aud: audience,
        iat: now,
        exp: now + ttl,
        scope: ctx.managementScope,
        gty: 'client-credentials',
        azp: ctx.managementClient.clientId,
        jti: hex(8),
      },
      ctx.keys.current.privateKey,
    );
    ctx.world.addManagementToken(token, Date.now() + ttl * 1000);
    sendJson(
      res,
      200,
      { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: ctx.managementScope },
      { 'cache-control': 'no-store' },
    );
  };

  const tokenExchange = (res: ServerResponse, params: Record<string, string>): void => {
    if (!isClient(params, ctx.tokenVaultClient)) {
      oauthError(res, 401, 'access_denied', 'Unauthorized');
      return;
    }
    if (params.subject_token_type !== SUBJECT_TOKEN_TYPE) {
      oauthError(res, 400, 'invalid_request', `subject_token_type must be ${SUBJECT_TOKEN_TYPE}`);
      return;
    }
    if (params.requested_token_type !== FEDERATED_TOKEN_TYPE) {
      oauthError(res, 400, 'invalid_request', `requested_token_type must be ${FEDERATED_TOKEN_TYPE}`);
      return;
    }
    const claims = verifyUserToken(params.subject_token, ctx.audience);
    if (!claims || typeof claims.sub !== 'string') {
      oauthError(res, 401, 'invalid_grant', 'Invalid subject token');
      return;
    }
    if (params.connection === undefined || params.connection === '') {
      oauthError(res, 400, 'invalid_request', 'connection is required');
      return;
    }
    const user = ctx.world.users.get(claims.sub);
    const provider = providerOfConnection(params.connection);
    if (!user || !provider || !(user.vault ?? []).includes(params.connection)) {
      oauthError(
        res,
        401,
        'federated_connection_refresh_token_not_found',
        'Federated connection Refresh Token not found.',
      );
      return;
    }
    const ttl = ctx.vaultTokenTtlS;
    const scope = user.vaultScopes?.[params.connection] ?? VAULT_SCOPE[provider];
    const scopes = scope.split(' ').filter((s) => s !== '');
    const token = ctx.world.issueIdpToken(user.user_id, provider, 'vault', ttl, scopes);
    sendJson(
      res,
      200,
      {
        access_token: token,
        expires_in: ttl,
        scope: scopes.join(' '),
        token_type: 'Bearer',
        issued_token_type: FEDERATED_TOKEN_TYPE,
      },
      { 'cache-control': 'no-store' },
    );
  };

  const userTokens = (
    userId: string,
    clientId: string,
    audience: string,
    scope: string,
    nonce: string | undefined,
  ): Record<string, unknown> => {
    const user = ctx.world.users.get(userId);
    const ttl = ctx.userTokenTtlS;
    const accessToken = mintToken(ctx, {
      sub: userId,
      expiresInS: ttl,
      claims: { aud: [audience, `${ctx.tenantUrl}/userinfo`], azp: clientId, scope },
    });
    // an ID token: aud is the client, no scope/azp; `undefined` removes a claim
    const idClaims = {
      aud: clientId,
      name: user?.name,
      email: user?.email,
      nonce,
      azp: undefined,
      scope: undefined,
    };
    const idToken = mintToken(ctx, { sub: userId, expiresInS: 36000, claims: idClaims });
    const answer: Record<string, unknown> = {
      access_token: accessToken,
      id_token: idToken,
      scope,
      expires_in: ttl,
      token_type: 'Bearer',
    };
    if (scope.split(' ').includes('offline_access')) {
      const refresh = `v1.emu-${hex()}`;
      refreshTokens.set(refresh, { userId, clientId, audience, scope });
      answer.refresh_token = refresh;
    }
    return answer;
  };

  const authorizationCode = (res: ServerResponse, params: Record<string, string>): void => {
    const code = params.code === undefined ? undefined : codes.get(params.code);
    if (!code || code.used || code.expiresAt < Date.now()) {
      oauthError(res, 400, 'invalid_grant', 'Invalid authorization code');
      return;
    }
    code.used = true; // any attempt consumes the code
    if (params.client_id !== ctx.spaClientId || params.client_id !== code.clientId) {
      oauthError(res, 401, 'access_denied', 'Unauthorized');
      return;
    }
    if (params.redirect_uri !== code.redirectUri) {
      oauthError(res, 400, 'invalid_grant', 'The redirect_uri MUST match the registered callback URL.');
      return;
    }
    const verifier = params.code_verifier;
    const computed =
      verifier === undefined ? undefined : createHash('sha256').update(verifier).digest('base64url');
    if (computed !== code.codeChallenge) {
      oauthError(res, 400, 'invalid_grant', 'Failed to verify code verifier');
      return;
    }
    sendJson(res, 200, userTokens(code.userId, code.clientId, code.audience, code.scope, code.nonce), {
      'cache-control': 'no-store',
    });
  };

  const refreshGrant = (res: ServerResponse, params: Record<string, string>): void => {
    const stored = params.refresh_token === undefined ? undefined : refreshTokens.get(params.refresh_token);
    if (!stored || stored.clientId !== params.client_id) {
      oauthError(res, 403, 'invalid_grant', 'Unknown or invalid refresh token.');
      return;
    }
    const answer = userTokens(stored.userId, stored.clientId, stored.audience, stored.scope, undefined);
    delete answer.refresh_token;
    sendJson(res, 200, answer, { 'cache-control': 'no-store' });
  };

  // ---- Management API ------------------------------------------------------------------------

  const users = ({ req, res, path, query }: Call): void => {
    if (!ctx.world.isManagementToken(authToken(req))) {
      sendJson(res, 401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' });
      return;
    }
    let id: string;
    try {
      id = decodeURIComponent(path.slice(USERS_PREFIX.length));
    } catch {
      sendJson(res, 400, { statusCode: 400, error: 'Bad Request', message: 'Invalid user id' });
      return;
    }
    const user = ctx.world.users.get(id);
    if (!user) {
      sendJson(res, 404, {
        statusCode: 404,
        error: 'Not Found',
        message: 'The user does not exist.',
        errorCode: 'inexistent_user',
      });
      return;
    }
    const q = parseQuery(query);
    sendJson(res, 200, managementView(user, q.fields, q.include_fields !== 'false'));
  };

  // ---- /authorize ----------------------------------------------------------------------------

  const authorizeError = (res: ServerResponse, message: string): void => {
    sendHtml(
      res,
      400,
      page('Authorization error', `<h1>Authorization error</h1><p id="error">${escapeHtml(message)}</p>`),
    );
  };

  /** Sends the authorization response to the app the way it asked (`response_mode`). */
  const authorizationResponse = (
    res: ServerResponse,
    tx: AuthorizeTx,
    response: Record<string, string>,
    headers: Record<string, string> = {},
  ): void => {
    const answer = { ...response, ...(tx.state === undefined ? {} : { state: tx.state }) };
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (tx.responseMode === 'web_message') {
      sendHtml(res, 200, webMessagePage(new URL(tx.redirectUri).origin, answer));
      return;
    }
    const target = new URL(tx.redirectUri);
    for (const [name, value] of Object.entries(answer)) target.searchParams.set(name, value);
    res.writeHead(302, { location: target.toString(), 'content-length': '0' });
    res.end();
  };

  const issueCode = (tx: AuthorizeTx, userId: string): string => {
    prune(codes);
    const code = randomBytes(24).toString('base64url');
    codes.set(code, { ...tx, userId, used: false, expiresAt: Date.now() + TX_TTL_MS });
    return code;
  };

  const authorizeGet = ({ req, res, query }: Call): void => {
    const q = parseQuery(query);
    // Auth0 shows an error page, never a redirect, while the client or its callback URL is in doubt.
    if (q.client_id !== ctx.spaClientId) return authorizeError(res, 'Unknown client_id');
    if (q.redirect_uri === undefined || !ctx.allowedRedirectUris.includes(q.redirect_uri)) {
      return authorizeError(res, 'redirect_uri is not an allowed callback URL');
    }
    if (q.response_type !== 'code') return authorizeError(res, 'response_type must be code');
    if (!q.code_challenge || q.code_challenge_method !== 'S256') {
      return authorizeError(res, 'code_challenge with code_challenge_method=S256 is required');
    }
    const responseMode = q.response_mode ?? 'query';
    if (!RESPONSE_MODES.has(responseMode))
      return authorizeError(res, 'response_mode must be query or web_message');
    const tx: AuthorizeTx = {
      clientId: q.client_id,
      redirectUri: q.redirect_uri,
      state: q.state,
      nonce: q.nonce,
      audience: q.audience ?? ctx.audience,
      scope: q.scope ?? 'openid profile email',
      codeChallenge: q.code_challenge,
      connection: q.connection,
      responseMode,
      expiresAt: Date.now() + TX_TTL_MS,
    };
    if (q.prompt === 'none') {
      // silent authentication: a code for the session's user, or login_required, never a page
      const session = sessionOf(req);
      if (!session) {
        return authorizationResponse(res, tx, {
          error: 'login_required',
          error_description: 'Login required',
        });
      }
      return authorizationResponse(res, tx, { code: issueCode(tx, session.userId) });
    }
    prune(transactions);
    const txId = hex();
    transactions.set(txId, tx);
    const listed = ctx.signInUsers
      .map((id) => ctx.world.users.get(id))
      .filter((u): u is EmulatedUser => u !== undefined);
    if (q.connection !== undefined) {
      const has = (u: EmulatedUser) => u.identities.some((i) => i.connection === q.connection);
      listed.sort((a, b) => Number(has(b)) - Number(has(a)));
    }
    const buttons = listed
      .map((u) => {
        const id = escapeHtml(u.user_id);
        const connections = escapeHtml(u.identities.map((i) => i.connection).join(', '));
        return `<form method="post" action="/authorize"><input type="hidden" name="tx" value="${txId}"><input type="hidden" name="user_id" value="${id}"><button type="submit" data-testid="login-${id}" data-user-id="${id}">${escapeHtml(u.name)} <span class="hint">${id} · ${connections}</span></button></form>`;
      })
      .join('\n');
    const hint = q.connection
      ? `<p class="hint" id="connection">Requested connection: ${escapeHtml(q.connection)}</p>`
      : '';
    sendHtml(
      res,
      200,
      page('Sign in — emulated Auth0', `<h1>Sign in (emulated Auth0)</h1>${hint}\n${buttons}`),
    );
  };

  const authorizePost = ({ res, body }: Call): void => {
    const form = parseQuery(body.toString('utf8'));
    const tx = form.tx === undefined ? undefined : transactions.get(form.tx);
    if (!tx || tx.expiresAt < Date.now()) return authorizeError(res, 'Unknown or expired transaction');
    if (form.user_id === undefined || !ctx.world.users.has(form.user_id))
      return authorizeError(res, 'Unknown user');
    transactions.delete(form.tx);
    // Signing in through a connection is a new login at that IdP: Auth0 stores the fresh IdP token
    // it receives (what the app's "sign in with <connection> again" relies on).
    const provider = tx.connection === undefined ? undefined : providerOfConnection(tx.connection);
    const identity = provider === undefined ? undefined : ctx.world.identity(form.user_id, provider);
    if (provider !== undefined && identity?.access_token !== undefined) {
      ctx.world.rotateIdpToken(form.user_id, provider);
    }
    // A successful login (`s`), reported to the log stream when one is configured.
    if (ctx.logStream !== undefined) {
      void postLogEvents(ctx.logStream, [
        { type: 's', user_id: form.user_id, connection: tx.connection ?? '', client_id: tx.clientId },
      ]).catch(() => undefined);
    }
    prune(sessions);
    const sessionId = hex();
    sessions.set(sessionId, { userId: form.user_id, expiresAt: Date.now() + SESSION_TTL_MS });
    authorizationResponse(
      res,
      tx,
      { code: issueCode(tx, form.user_id) },
      { 'set-cookie': `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Lax` },
    );
  };

  // ---- routing -------------------------------------------------------------------------------

  const notFound = ({ res }: Call): void =>
    sendJson(res, 404, { statusCode: 404, error: 'Not Found', message: 'Not found' });

  const preflight = ({ req, res }: Call): void => {
    const origin = req.headers.origin;
    const headers: Record<string, string> = { 'content-length': '0' };
    if (origin !== undefined && ctx.allowedOrigins.has(origin)) {
      headers['access-control-allow-methods'] = 'GET, POST, OPTIONS';
      headers['access-control-allow-headers'] =
        req.headers['access-control-request-headers'] ?? 'authorization, content-type';
      headers['access-control-max-age'] = '600';
    }
    res.writeHead(204, headers);
    res.end();
  };

  const grants = new Map<
    string,
    [EndpointName, (res: ServerResponse, params: Record<string, string>) => void]
  >([
    ['client_credentials', ['token.client_credentials', clientCredentials]],
    [GRANT_TOKEN_EXCHANGE, ['token.exchange', tokenExchange]],
    ['authorization_code', ['token.authorization_code', authorizationCode]],
    ['refresh_token', ['token.refresh_token', refreshGrant]],
  ]);

  const route = (call: Call): Route => {
    const { method, path } = call;
    if (method === 'OPTIONS') return { handle: preflight };
    if (path.startsWith(USERS_PREFIX) && path.length > USERS_PREFIX.length && method === 'GET') {
      return { endpoint: 'users', handle: users };
    }
    switch (path) {
      case '/.well-known/jwks.json':
        return method === 'GET' || method === 'HEAD'
          ? { endpoint: 'jwks', handle: jwks }
          : { handle: notFound };
      case '/.well-known/openid-configuration':
        return { handle: openidConfiguration };
      case '/userinfo':
        return { handle: userinfo };
      case '/v2/logout':
        return { handle: logout };
      case '/authorize':
        if (method === 'GET') return { endpoint: 'authorize', handle: authorizeGet };
        if (method === 'POST') return { endpoint: 'authorize', handle: authorizePost };
        return { handle: notFound };
      case '/oauth/token': {
        if (method !== 'POST') return { handle: notFound };
        const params = formParams(call.req, call.body);
        const grant = grants.get(params.grant_type ?? '');
        if (!grant) {
          return {
            params,
            handle: ({ res }) => oauthError(res, 400, 'unsupported_grant_type', 'Unsupported grant type'),
          };
        }
        const [endpoint, handler] = grant;
        return { endpoint, params, handle: ({ res }) => handler(res, params) };
      }
      default:
        return { handle: notFound };
    }
  };

  return createListener(ctx.kit, route, { decorate: corsHeaders });
}

/** The Management API's view of a user, honouring `fields` / `include_fields`. */
function managementView(
  user: EmulatedUser,
  fields: string | undefined,
  include: boolean,
): Record<string, unknown> {
  const full: Record<string, unknown> = {
    created_at: '2024-01-15T10:00:00.000Z',
    email: user.email,
    email_verified: true,
    identities: user.identities.map((i) => ({ ...i })),
    name: user.name,
    nickname: user.email.split('@')[0],
    picture: `https://s.gravatar.com/avatar/${createHash('md5').update(user.email).digest('hex')}?s=480&r=pg&d=mp`,
    updated_at: '2024-06-01T10:00:00.000Z',
    user_id: user.user_id,
    last_login: '2024-06-01T10:00:00.000Z',
    logins_count: 7,
  };
  if (fields === undefined || fields === '') return full;
  const wanted = new Set(fields.split(',').map((f) => f.trim()));
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(full)) if (wanted.has(name) === include) out[name] = value;
  return out;
}
