/**
 * Incoming tokens (docs/routes-and-errors.md, incoming tokens): only RS256 tokens of the tenant, for this API,
 * current and complete, pass; every other one gets 401 problem+json with WWW-Authenticate.
 */
import { expectNoSecretLeaked, startStack } from './support/stack';
import type { Answer, Stack } from './support/stack';

describe('Incoming tokens', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    expectNoSecretLeaked(stack);
    await stack.close();
  });

  const identities = (token?: string, headers: Record<string, string> = {}): Promise<Answer> =>
    stack.call('/v1/identities', { token, headers });

  const expectProblem = (answer: Answer, status: number, code: string): void => {
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.json).toEqual(
      expect.objectContaining({
        status,
        code,
        type: expect.any(String),
        title: expect.any(String),
        detail: expect.any(String),
      }),
    );
    expect(answer.headers.get('x-request-id')).toMatch(/.+/);
  };

  it('should answer 200 with the caller identities and nothing secret for a valid token', async () => {
    const answer = await identities(stack.token(stack.emulator.seed.linked));
    expect(answer.status).toBe(200);
    expect(answer.json.identities.map((i: { provider: string }) => i.provider)).toEqual([
      'auth0',
      'google',
      'github',
    ]);
    expect(answer.text).not.toMatch(/access_token|refresh_token|accessToken|refreshToken|secret/i);
  });

  it('should answer 401 missing_token with WWW-Authenticate: Bearer without a token', async () => {
    const answer = await identities();
    expectProblem(answer, 401, 'missing_token');
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('should not accept a token in the query string or the body', async () => {
    const token = stack.token();
    expectProblem(await stack.call(`/v1/identities?access_token=${token}`), 401, 'missing_token');
    const inBody = await stack.call('/v1/idp/github/api/echo/x', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${token}`,
    });
    expectProblem(inBody, 401, 'missing_token');
    expect(stack.emulator.count('github.echo')).toBe(0);
  });

  const invalid: Array<[string, () => string]> = [
    ['alg none', () => stack.emulator.mintToken({ signer: 'none' })],
    [
      'HS256 signed with the tenant public key',
      () => stack.emulator.mintToken({ signer: 'hs256-public-key' }),
    ],
    ['a foreign key with a known kid', () => stack.emulator.mintToken({ signer: 'foreign' })],
    ['an unknown kid', () => stack.emulator.mintToken({ header: { kid: 'no-such-kid' } })],
    ['no kid', () => stack.emulator.mintToken({ header: { kid: undefined } })],
    [
      'an expired token',
      () => stack.emulator.mintToken({ claims: { exp: Math.floor(Date.now() / 1000) - 120 } }),
    ],
    [
      'nbf in the future',
      () => stack.emulator.mintToken({ claims: { nbf: Math.floor(Date.now() / 1000) + 600 } }),
    ],
    ['a wrong iss', () => stack.emulator.mintToken({ claims: { iss: 'https://evil.example/' } })],
    [
      'an iss without its trailing slash',
      () => stack.emulator.mintToken({ claims: { iss: stack.emulator.tenantUrl } }),
    ],
    ['a wrong aud', () => stack.emulator.mintToken({ claims: { aud: 'https://another.api' } })],
    ['no sub', () => stack.emulator.mintToken({ claims: { sub: undefined } })],
    ['no exp', () => stack.emulator.mintToken({ claims: { exp: undefined } })],
    ['an x5u header', () => stack.emulator.mintToken({ header: { x5u: 'https://evil.example/cert.pem' } })],
    ['a crit header', () => stack.emulator.mintToken({ header: { crit: ['exp'] } })],
    ['a malformed token', () => 'not.a.jwt'],
    ['garbage', () => 'a'.repeat(500)],
  ];

  it.each(invalid)('should answer 401 invalid_token for %s', async (_name, mint) => {
    const answer = await identities(mint());
    expectProblem(answer, 401, 'invalid_token');
    expect(answer.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  it('should reject a jku header and never fetch the URL it names', async () => {
    const token = stack.emulator.mintToken({
      signer: 'foreign',
      header: { jku: stack.emulator.urls.attackerJwks, kid: 'attacker' },
    });
    expectProblem(await identities(token), 401, 'invalid_token');
    const withTenantKid = stack.emulator.mintToken({ header: { jku: stack.emulator.urls.attackerJwks } });
    expectProblem(await identities(withTenantKid), 401, 'invalid_token');
    const embeddedJwk = stack.emulator.mintToken({
      signer: 'foreign',
      header: { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } },
    });
    expectProblem(await identities(embeddedJwk), 401, 'invalid_token');
    expect(stack.emulator.count('attacker.jwks')).toBe(0);
  });

  it('should accept a token within the 30 s clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(
      (
        await identities(
          stack.emulator.mintToken({ sub: stack.emulator.seed.linked, claims: { exp: now - 5 } }),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await identities(
          stack.emulator.mintToken({ sub: stack.emulator.seed.linked, claims: { nbf: now + 5 } }),
        )
      ).status,
    ).toBe(200);
  });

  it('should echo a safe x-request-id on errors', async () => {
    const answer = await identities(undefined, { 'x-request-id': 'trace-123' });
    expect(answer.headers.get('x-request-id')).toBe('trace-123');
  });
});

describe('Callers', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    expectNoSecretLeaked(stack);
    await stack.close();
  });

  it('should answer 403 user_token_required to a client-credentials token on the caller routes', async () => {
    const service = stack.emulator.mintServiceToken({ permissions: ['proxy:users'] });
    for (const path of ['/v1/identities', '/v1/idp/github/profile', '/v1/idp/github/api/user']) {
      const answer = await stack.call(path, { token: service });
      expect(answer.status).toBe(403);
      expect(answer.json.code).toBe('user_token_required');
    }
  });

  it('should serve a named user to a client-credentials token with proxy:users', async () => {
    const service = stack.emulator.mintServiceToken({ permissions: ['proxy:users'] });
    const answer = await stack.call(
      `/v1/users/${encodeURIComponent(stack.emulator.seed.github)}/identities`,
      {
        token: service,
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      identities: [
        {
          provider: 'github',
          connection: 'github',
          userId: '2002',
          isSocial: true,
          supported: true,
          tokenSource: 'identities',
          hasToken: true,
          canRefresh: false,
        },
      ],
    });
  });

  it('should accept proxy:users from the scope claim as well', async () => {
    const service = stack.emulator.mintServiceToken({ scope: 'read:things proxy:users' });
    const answer = await stack.call(
      `/v1/users/${encodeURIComponent(stack.emulator.seed.google)}/identities`,
      {
        token: service,
      },
    );
    expect(answer.status).toBe(200);
  });

  it('should answer 403 insufficient_scope to a user token or a service token without proxy:users', async () => {
    const path = `/v1/users/${encodeURIComponent(stack.emulator.seed.github)}/identities`;
    for (const token of [stack.token(), stack.emulator.mintServiceToken({ permissions: ['read:other'] })]) {
      const answer = await stack.call(path, { token });
      expect(answer.status).toBe(403);
      expect(answer.json.code).toBe('insufficient_scope');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope"/);
    }
  });

  it('should answer 400 invalid_request for a malformed user id and 404 user_not_found for an unknown one', async () => {
    const service = stack.emulator.mintServiceToken({ permissions: ['proxy:users'] });
    const malformed = await stack.call(`/v1/users/${encodeURIComponent('no pipe here')}/identities`, {
      token: service,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json.code).toBe('invalid_request');
    const lookupsBefore = stack.emulator.count('users');
    const unknown = await stack.call(`/v1/users/${encodeURIComponent('github|999999')}/identities`, {
      token: service,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('user_not_found');
    expect(stack.emulator.count('users')).toBe(lookupsBefore + 1);
  });

  it('should encode the user id in the Management API path', async () => {
    const service = stack.emulator.mintServiceToken({ permissions: ['proxy:users'] });
    await stack.call(`/v1/users/${encodeURIComponent(stack.emulator.seed.facebook)}/identities`, {
      token: service,
    });
    const lookups = stack.emulator.requests('users');
    const last = lookups[lookups.length - 1];
    expect(last.path).toBe('/api/v2/users/facebook%7C3003');
    expect(last.query).toBe('fields=user_id,identities&include_fields=true');
  });

  it('should list an identity without a token as hasToken false', async () => {
    const answer = await stack.call('/v1/identities', { token: stack.token(stack.emulator.seed.noToken) });
    expect(answer.status).toBe(200);
    expect(answer.json.identities[0]).toEqual(
      expect.objectContaining({ provider: 'github', hasToken: false }),
    );
  });

  it('should answer 404 not_found and 405 method_not_allowed as problem+json', async () => {
    const token = stack.token();
    const missing = await stack.call('/v1/nothing-here', { token });
    expect([missing.status, missing.json.code]).toEqual([404, 'not_found']);
    const wrongMethod = await stack.call('/v1/identities', { token, method: 'DELETE' });
    expect([wrongMethod.status, wrongMethod.json.code]).toEqual([405, 'method_not_allowed']);
    const head = await stack.call('/v1/identities', { token, method: 'HEAD' });
    expect(head.status).toBe(405);
    expect(head.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
