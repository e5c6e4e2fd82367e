import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { startEmulator } from './emulator';
import type { EmulatorWithExtras } from './emulator.types';
import { decodeJwt } from './jwt';
import { FEDERATED_TOKEN_TYPE, GRANT_TOKEN_EXCHANGE, SUBJECT_TOKEN_TYPE } from './tenant.server';

const SPA_REDIRECT = 'http://127.0.0.1:5999/callback';
const SPA_ORIGIN = 'http://127.0.0.1:5999';

let emu: EmulatorWithExtras;

beforeAll(async () => {
  emu = await startEmulator({ allowedRedirectUris: [SPA_REDIRECT] });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.resetCounters();
  emu.clearFaults();
});

function form(params: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  };
}

async function managementToken(): Promise<string> {
  const res = await fetch(`${emu.tenantUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: emu.managementClient.clientId,
      client_secret: emu.managementClient.clientSecret,
      audience: `${emu.tenantUrl}/api/v2/`,
    }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { access_token: string };
  return body.access_token;
}

/** Verifies an RS256 token against the tenant's published JWKS, as the product would. */
async function verifiesWithJwks(token: string): Promise<boolean> {
  const jwks = (await (await fetch(`${emu.tenantUrl}/.well-known/jwks.json`)).json()) as {
    keys: Array<Record<string, string>>;
  };
  const decoded = decodeJwt(token)!;
  const jwk = jwks.keys.find((k) => k.kid === decoded.header.kid);
  if (!jwk || decoded.header.alg !== 'RS256') return false;
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  return verify('sha256', Buffer.from(decoded.signingInput), key, decoded.signature);
}

describe('JWKS and minted tokens', () => {
  it('publishes RSA keys and counts the calls', async () => {
    const res = await fetch(`${emu.tenantUrl}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(typeof body.keys[0].n).toBe('string');
    expect(emu.count('jwks')).toBe(1);
  });

  it('mints user tokens the JWKS verifies, with the documented default claims', async () => {
    const token = emu.mintToken({ sub: emu.seed.linked });
    const { header, payload } = decodeJwt(token)!;
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toMatchObject({
      iss: emu.issuer,
      sub: 'auth0|4004',
      aud: [emu.audience, `${emu.tenantUrl}/userinfo`],
      azp: 'sandbox-spa',
      scope: 'openid profile email',
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
    expect(await verifiesWithJwks(token)).toBe(true);
  });

  it('applies claim and header overrides, undefined removes', () => {
    const token = emu.mintToken({
      claims: { exp: undefined, extra: 1 },
      header: { kid: undefined, crit: ['x'] },
    });
    const { header, payload } = decodeJwt(token)!;
    expect(payload.exp).toBeUndefined();
    expect(payload.extra).toBe(1);
    expect(header.kid).toBeUndefined();
    expect(header.crit).toEqual(['x']);
  });

  it('signs the attack variants', async () => {
    const foreign = emu.mintToken({ signer: 'foreign' });
    expect(decodeJwt(foreign)!.header.kid).toBe(decodeJwt(emu.mintToken())!.header.kid);
    expect(await verifiesWithJwks(foreign)).toBe(false);
    expect(decodeJwt(emu.mintToken({ signer: 'hs256-public-key' }))!.header.alg).toBe('HS256');
    const none = emu.mintToken({ signer: 'none' });
    expect(none.endsWith('.')).toBe(true);
    expect(decodeJwt(none)!.header.alg).toBe('none');
  });

  it('mints service tokens', () => {
    const { payload } = decodeJwt(emu.mintServiceToken({ clientId: 'svc', permissions: ['proxy:users'] }))!;
    expect(payload).toMatchObject({
      sub: 'svc@clients',
      gty: 'client-credentials',
      azp: 'svc',
      aud: emu.audience,
      permissions: ['proxy:users'],
      scope: 'proxy:users',
    });
  });

  it('rotates keys, optionally dropping the old one, and can go down', async () => {
    const old = emu.mintToken();
    emu.rotateSigningKey();
    const fresh = emu.mintToken();
    expect(decodeJwt(fresh)!.header.kid).not.toBe(decodeJwt(old)!.header.kid);
    expect(await verifiesWithJwks(old)).toBe(true);
    expect(await verifiesWithJwks(fresh)).toBe(true);
    emu.rotateSigningKey({ dropOld: true });
    expect(await verifiesWithJwks(fresh)).toBe(false);
    emu.setJwksDown(true);
    expect((await fetch(`${emu.tenantUrl}/.well-known/jwks.json`)).status).toBe(503);
    emu.setJwksDown(false);
    expect((await fetch(`${emu.tenantUrl}/.well-known/jwks.json`)).status).toBe(200);
  });

  it('serves the foreign key on the attacker JWKS, counted', async () => {
    const body = (await (await fetch(emu.urls.attackerJwks)).json()) as { keys: Array<{ kid: string }> };
    const tenantKid = decodeJwt(emu.mintToken())!.header.kid;
    expect(body.keys.map((k) => k.kid)).toContain(tenantKid);
    expect(emu.count('attacker.jwks')).toBe(1);
  });

  it('serves an OIDC discovery document', async () => {
    const body = (await (await fetch(`${emu.tenantUrl}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(body).toMatchObject({
      issuer: emu.issuer,
      authorization_endpoint: `${emu.tenantUrl}/authorize`,
      token_endpoint: `${emu.tenantUrl}/oauth/token`,
      jwks_uri: `${emu.tenantUrl}/.well-known/jwks.json`,
      end_session_endpoint: `${emu.tenantUrl}/v2/logout`,
      code_challenge_methods_supported: ['S256'],
    });
  });
});

describe('client credentials and the Management API', () => {
  it('issues a management token and records the parsed params', async () => {
    const token = await managementToken();
    expect(emu.secrets()).toContain(token);
    expect(emu.count('token.client_credentials')).toBe(1);
    const [recorded] = emu.requests('token.client_credentials');
    expect(recorded.params).toMatchObject({
      grant_type: 'client_credentials',
      audience: `${emu.tenantUrl}/api/v2/`,
    });
    expect(recorded.body.toString()).toContain('client_credentials');
  });

  it('refuses a wrong secret (401) and a wrong audience (403)', async () => {
    const bad = await fetch(
      `${emu.tenantUrl}/oauth/token`,
      form({
        grant_type: 'client_credentials',
        client_id: emu.managementClient.clientId,
        client_secret: 'nope',
        audience: `${emu.tenantUrl}/api/v2/`,
      }),
    );
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: 'access_denied', error_description: 'Unauthorized' });
    const aud = await fetch(
      `${emu.tenantUrl}/oauth/token`,
      form({
        grant_type: 'client_credentials',
        client_id: emu.managementClient.clientId,
        client_secret: emu.managementClient.clientSecret,
        audience: 'https://elsewhere/api/v2/',
      }),
    );
    expect(aud.status).toBe(403);
    expect(((await aud.json()) as { error: string }).error).toBe('access_denied');
  });

  it('rejects unknown grants', async () => {
    const res = await fetch(`${emu.tenantUrl}/oauth/token`, form({ grant_type: 'password' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('returns users by percent-encoded id, honouring fields', async () => {
    const token = await managementToken();
    const res = await fetch(
      `${emu.tenantUrl}/api/v2/users/${encodeURIComponent(emu.seed.linked)}?fields=user_id,identities&include_fields=true`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['identities', 'user_id']);
    const identities = body.identities as Array<Record<string, unknown>>;
    expect(identities.map((i) => i.provider)).toEqual(['auth0', 'google-oauth2', 'github']);
    expect(identities[0].access_token).toBeUndefined();
    expect(identities[1].access_token).toBe(emu.idpToken(emu.seed.linked, 'google'));
    expect(identities[1].refresh_token).toMatch(/^1\/\/emu-/);
    expect(typeof identities[2].user_id).toBe('number');
    expect(emu.requests('users')[0].path).toBe('/api/v2/users/auth0%7C4004');
  });

  it('answers 401 for a bad token and 404 for an unknown user', async () => {
    const bad = await fetch(`${emu.tenantUrl}/api/v2/users/x`, { headers: { authorization: 'Bearer nope' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Invalid token' });
    const token = await managementToken();
    const missing = await fetch(`${emu.tenantUrl}/api/v2/users/auth0%7Cnobody`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { errorCode: string }).errorCode).toBe('inexistent_user');
  });

  it('rejects an expired management token', async () => {
    const shortLived = await startEmulator({ managementTokenTtlS: 0 });
    try {
      const res = await fetch(`${shortLived.tenantUrl}/oauth/token`, {
        ...form({
          grant_type: 'client_credentials',
          client_id: shortLived.managementClient.clientId,
          client_secret: shortLived.managementClient.clientSecret,
          audience: `${shortLived.tenantUrl}/api/v2/`,
        }),
      });
      const { access_token: token } = (await res.json()) as { access_token: string };
      const users = await fetch(
        `${shortLived.tenantUrl}/api/v2/users/${encodeURIComponent(shortLived.seed.github)}`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      );
      expect(users.status).toBe(401);
    } finally {
      await shortLived.close();
    }
  });
});

describe('Token Vault exchange', () => {
  const exchange = (subject: string, connection: string, secret = emu.tokenVaultClient.clientSecret) =>
    fetch(
      `${emu.tenantUrl}/oauth/token`,
      form({
        grant_type: GRANT_TOKEN_EXCHANGE,
        client_id: emu.tokenVaultClient.clientId,
        client_secret: secret,
        subject_token: subject,
        subject_token_type: SUBJECT_TOKEN_TYPE,
        requested_token_type: FEDERATED_TOKEN_TYPE,
        connection,
      }),
    );

  it('exchanges a user token for an IdP token that works at the IdP until expired', async () => {
    const res = await exchange(emu.mintToken({ sub: emu.seed.vault }), 'github');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      issued_token_type: FEDERATED_TOKEN_TYPE,
      expires_in: 3600,
    });
    const token = body.access_token as string;
    expect(token).toMatch(/^gho_emu/);
    expect(emu.count('token.exchange')).toBe(1);
    const user = await fetch(`${emu.urls.github}/user`, { headers: { authorization: `Bearer ${token}` } });
    expect(user.status).toBe(200);
    emu.expireVaultToken(emu.seed.vault, 'github');
    expect(
      (await fetch(`${emu.urls.github}/user`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(401);
  });

  it('refuses bad clients, bad subject tokens and connections not in the vault', async () => {
    expect((await exchange(emu.mintToken({ sub: emu.seed.vault }), 'github', 'wrong')).status).toBe(401);
    const foreign = await exchange(emu.mintToken({ sub: emu.seed.vault, signer: 'foreign' }), 'github');
    expect(foreign.status).toBe(401);
    expect(((await foreign.json()) as { error: string }).error).toBe('invalid_grant');
    const expired = await exchange(emu.mintToken({ sub: emu.seed.vault, expiresInS: -10 }), 'github');
    expect(expired.status).toBe(401);
    const notInVault = await exchange(emu.mintToken({ sub: emu.seed.vault }), 'facebook');
    expect(notInVault.status).toBe(401);
    expect(await notInVault.json()).toEqual({
      error: 'federated_connection_refresh_token_not_found',
      error_description: 'Federated connection Refresh Token not found.',
    });
  });

  it('answers the scopes the user granted, and the IdPs enforce them on vault tokens', async () => {
    const full = (await (await exchange(emu.mintToken({ sub: emu.seed.vault }), 'github')).json()) as {
      scope: string;
    };
    expect(full.scope).toBe('read:user user:email repo');

    const user = emu.addUser({ providers: ['google'], withoutToken: ['google'] });
    emu.connectVault(user.user_id, 'github', { scope: 'repo' });
    emu.connectVault(user.user_id, 'google-oauth2', { scope: 'openid email' });
    const subject = emu.mintToken({ sub: user.user_id });
    const github = (await (await exchange(subject, 'github')).json()) as Record<string, string>;
    expect(github.scope).toBe('repo');
    const auth = { headers: { authorization: `Bearer ${github.access_token}` } };
    const profile = await fetch(`${emu.urls.github}/user`, auth);
    expect(profile.status).toBe(403);
    expect(profile.headers.get('x-oauth-scopes')).toBe('repo');
    expect(profile.headers.get('x-accepted-oauth-scopes')).toBe('read:user, user');
    expect((await fetch(`${emu.urls.github}/user/repos`, auth)).status).toBe(200);

    const google = (await (await exchange(subject, 'google-oauth2')).json()) as Record<string, string>;
    expect(google.scope).toBe('openid email');
    const info = await fetch(`${emu.urls.google}/oauth2/v3/userinfo`, {
      headers: { authorization: `Bearer ${google.access_token}` },
    });
    expect(await info.json()).toEqual({ sub: expect.any(String), email: user.email, email_verified: true });
    expect(emu.vaultTokens()).toEqual(expect.arrayContaining([github.access_token, google.access_token]));
    expect(emu.secrets()).toEqual(expect.arrayContaining(emu.vaultTokens()));

    emu.connectVault(user.user_id, 'google-oauth2', { scope: 'https://www.googleapis.com/auth/drive' });
    const drive = (await (await exchange(subject, 'google-oauth2')).json()) as Record<string, string>;
    const refused = await fetch(`${emu.urls.google}/oauth2/v3/userinfo`, {
      headers: { authorization: `Bearer ${drive.access_token}` },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
  });

  it('issues short-lived vault tokens when told', async () => {
    emu.setVaultTokenTtlS(1);
    try {
      const body = (await (
        await exchange(emu.mintToken({ sub: emu.seed.vault }), 'google-oauth2')
      ).json()) as {
        access_token: string;
        expires_in: number;
      };
      expect(body.expires_in).toBe(1);
      expect(body.access_token).toMatch(/^ya29\.emu-/);
    } finally {
      emu.setVaultTokenTtlS(3600);
    }
  });
});

describe('authorization code + PKCE', () => {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  /** The sign-in page, then the seed user's button: the redirect back and the tenant's session cookie. */
  async function signInResponse(userId: string, extra: Record<string, string> = {}): Promise<Response> {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'sandbox-spa',
      redirect_uri: SPA_REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st-1',
      nonce: 'n-1',
      audience: emu.audience,
      scope: 'openid profile email',
      ...extra,
    });
    const pageRes = await fetch(`${emu.tenantUrl}/authorize?${query.toString()}`);
    expect(pageRes.status).toBe(200);
    const html = await pageRes.text();
    expect(html).toContain(`data-user-id="${userId}"`);
    const tx = /name="tx" value="([0-9a-f]+)"/.exec(html)![1];
    const post = await fetch(`${emu.tenantUrl}/authorize`, {
      ...form({ tx, user_id: userId }),
      redirect: 'manual',
    });
    expect(post.status).toBe(302);
    return post;
  }

  async function signIn(userId: string, extra: Record<string, string> = {}): Promise<string> {
    const post = await signInResponse(userId, extra);
    const location = new URL(post.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(SPA_REDIRECT);
    expect(location.searchParams.get('state')).toBe('st-1');
    return location.searchParams.get('code')!;
  }

  /** Signs in and returns the tenant's session cookie (`auth0=<id>`). */
  async function signInSession(userId: string): Promise<string> {
    const post = await signInResponse(userId);
    const cookie = post.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^auth0=[0-9a-f]+; Path=\/; HttpOnly; SameSite=Lax$/);
    return cookie.split(';')[0];
  }

  const redeem = (code: string, codeVerifier = verifier, redirectUri = SPA_REDIRECT) =>
    fetch(`${emu.tenantUrl}/oauth/token`, {
      ...form({
        grant_type: 'authorization_code',
        client_id: 'sandbox-spa',
        code,
        code_verifier: codeVerifier,
        redirect_uri: redirectUri,
      }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SPA_ORIGIN },
    });

  it('signs a seed user in and issues access and ID tokens, once per code', async () => {
    const code = await signIn(emu.seed.github);
    const res = await redeem(code);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    const body = (await res.json()) as Record<string, string>;
    const access = decodeJwt(body.access_token)!.payload;
    expect(access).toMatchObject({ sub: emu.seed.github, aud: [emu.audience, `${emu.tenantUrl}/userinfo`] });
    expect(await verifiesWithJwks(body.access_token)).toBe(true);
    const id = decodeJwt(body.id_token)!.payload;
    expect(id).toMatchObject({ aud: 'sandbox-spa', nonce: 'n-1', sub: emu.seed.github, name: 'Gus GitHub' });
    expect(emu.count('authorize')).toBe(2);
    expect(emu.count('token.authorization_code')).toBe(1);
    const again = await redeem(code);
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string }).error).toBe('invalid_grant');
    const info = await fetch(`${emu.tenantUrl}/userinfo`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(await info.json()).toMatchObject({ sub: emu.seed.github, name: 'Gus GitHub' });
  });

  it('refuses a wrong code_verifier, and the code is spent by the attempt', async () => {
    const code = await signIn(emu.seed.google);
    const wrong = await redeem(code, randomBytes(32).toString('base64url'));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Failed to verify code verifier',
    });
    const retried = await redeem(code);
    expect(retried.status).toBe(400);
    expect(await retried.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid authorization code',
    });
  });

  it("refuses a reused code with Auth0's invalid_grant", async () => {
    const code = await signIn(emu.seed.github);
    expect((await redeem(code)).status).toBe(200);
    const again = await redeem(code);
    expect(again.status).toBe(400);
    expect(again.headers.get('cache-control')).toBe('no-store');
    expect(await again.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid authorization code',
    });
  });

  it('refuses a redirect_uri at /oauth/token other than the one the code was issued for', async () => {
    const code = await signIn(emu.seed.github);
    const res = await redeem(code, verifier, 'https://evil.example/callback');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'The redirect_uri MUST match the registered callback URL.',
    });
  });

  it.each([
    ['a foreign host', 'https://evil.example/cb'],
    ['another path of an allowed origin', `${SPA_ORIGIN}/elsewhere`],
    ['an allowed URI with a query', `${SPA_REDIRECT}?next=https://evil.example`],
  ])('refuses %s as redirect_uri at /authorize with an error page, never a redirect', async (_, uri) => {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'sandbox-spa',
      redirect_uri: uri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st-1',
    });
    const bad = await fetch(`${emu.tenantUrl}/authorize?${query.toString()}`, { redirect: 'manual' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('location')).toBeNull();
    expect(await bad.text()).toContain('redirect_uri is not an allowed callback URL');
  });

  it('refuses /authorize without an S256 code challenge', async () => {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'sandbox-spa',
      redirect_uri: SPA_REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'plain',
    });
    const res = await fetch(`${emu.tenantUrl}/authorize?${query.toString()}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('code_challenge_method=S256');
  });

  it('answers prompt=none with login_required without a session, and with a code for the session user', async () => {
    const silent = (cookie?: string, responseMode = 'web_message') =>
      fetch(
        `${emu.tenantUrl}/authorize?${new URLSearchParams({
          response_type: 'code',
          response_mode: responseMode,
          prompt: 'none',
          client_id: 'sandbox-spa',
          redirect_uri: SPA_REDIRECT,
          code_challenge: challenge,
          code_challenge_method: 'S256',
          state: 'st-2',
          nonce: 'n-2',
        }).toString()}`,
        { redirect: 'manual', headers: cookie === undefined ? {} : { cookie } },
      );
    const anonymous = await silent();
    expect(anonymous.status).toBe(200);
    const page = await anonymous.text();
    // the page posts the answer to the app's origin only
    expect(page).toContain(
      '{"type":"authorization_response","response":{"error":"login_required","error_description":"Login required","state":"st-2"}}',
    );
    expect(page).toContain(`"${SPA_ORIGIN}"`);

    const query = await silent(undefined, 'query');
    expect(query.status).toBe(302);
    const back = new URL(query.headers.get('location')!);
    expect(Object.fromEntries(back.searchParams)).toEqual({
      error: 'login_required',
      error_description: 'Login required',
      state: 'st-2',
    });

    const session = await signInSession(emu.seed.github);
    const signedIn = await silent(session);
    const code = /"code":"([\w-]+)"/.exec(await signedIn.text())?.[1];
    expect(code).toBeDefined();
    const tokens = (await (await redeem(code!)).json()) as { id_token: string };
    expect(decodeJwt(tokens.id_token)!.payload).toMatchObject({ sub: emu.seed.github, nonce: 'n-2' });

    // /v2/logout ends the session: silent authentication fails again
    const out = await fetch(`${emu.tenantUrl}/v2/logout`, { headers: { cookie: session } });
    expect(out.headers.get('set-cookie')).toMatch(/^auth0=; Path=\/; Max-Age=0/);
    expect(await (await silent(session)).text()).toContain('"error":"login_required"');
  });

  it('gives Auth0 a fresh IdP token when the user signs in through that connection again', async () => {
    const user = emu.seed.github;
    const before = emu.idpToken(user, 'github')!;
    emu.expireIdpToken(user, 'github');
    const code = await signIn(user, { connection: 'github' });
    expect((await redeem(code)).status).toBe(200);
    const after = emu.idpToken(user, 'github')!;
    expect(after).not.toBe(before);
    const me = await fetch(`${emu.urls.github}/user`, { headers: { authorization: `Bearer ${after}` } });
    expect(me.status).toBe(200);
  });

  it('answers CORS preflights for allowed origins only, and logs out to allowed origins', async () => {
    const ok = await fetch(`${emu.tenantUrl}/oauth/token`, {
      method: 'OPTIONS',
      headers: {
        origin: SPA_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    expect(ok.headers.get('access-control-allow-headers')).toBe('content-type');
    const other = await fetch(`${emu.tenantUrl}/oauth/token`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const out = await fetch(`${emu.tenantUrl}/v2/logout?returnTo=${encodeURIComponent(`${SPA_ORIGIN}/`)}`, {
      redirect: 'manual',
    });
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe(`${SPA_ORIGIN}/`);
  });
});
