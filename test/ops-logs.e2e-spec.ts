/**
 * Logs an operator can trust: one line per request, per upstream call and per proxied
 * IdP call, each carrying the request id; and none carrying a token, a secret or an Authorization
 * value, even at level debug.
 */
import { rawGet, startOpsStack } from './support/ops';
import type { OpsStack } from './support/ops';
import { forgetManagementToken } from './support/stack';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('Operations: logs', () => {
  let stack: OpsStack;

  beforeAll(async () => {
    stack = await startOpsStack({ logLevel: 'debug' });
  });

  afterAll(async () => {
    await stack.close();
  });

  /** The lines written for one request id, once its request line is there (written after the answer). */
  const linesOf = async (requestId: string): Promise<Array<Record<string, any>>> => {
    const deadline = Date.now() + 2000;
    for (;;) {
      const lines = stack.logs.lines().filter((line) => line.requestId === requestId);
      if (lines.some((line) => line.msg === 'request completed') || Date.now() > deadline) return lines;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  describe('a whole flow at level debug', () => {
    const bearers: string[] = [];
    const bearer = (sub: string): string => {
      const token = stack.token(sub);
      bearers.push(token);
      return token;
    };
    const id = (n: number): string => `ops-logs-${n}`;

    beforeAll(async () => {
      // The start-up token has no request id: drop it, so the first request's lines show the token call.
      await forgetManagementToken(stack);
      const { seed } = stack.emulator;
      const service = stack.emulator.mintServiceToken({ permissions: ['proxy:users'] });
      bearers.push(service);
      const foreign = stack.emulator.mintToken({ signer: 'foreign' });
      bearers.push(foreign);
      const calls: Array<[string, Parameters<OpsStack['call']>[1], number]> = [
        ['/v1/identities', { token: bearer(seed.linked) }, 200],
        ['/v1/idp/google/profile', { token: bearer(seed.google) }, 200],
        ['/v1/idp/github/profile', { token: bearer(seed.github) }, 200],
        ['/v1/idp/facebook/profile', { token: bearer(seed.facebook) }, 200],
        ['/v1/idp/github/api/user/repos?per_page=2', { token: bearer(seed.github) }, 200],
        [
          '/v1/idp/github/api/echo/notes',
          {
            method: 'POST',
            token: bearer(seed.github),
            headers: { 'content-type': 'application/json', cookie: 'session=cookie-value-1234' },
            body: JSON.stringify({ access_token: 'body-token-5678', note: 'hello' }),
          },
          200,
        ],
        [`/v1/users/${encodeURIComponent(seed.facebook)}/idp/facebook/profile`, { token: service }, 200],
        ['/v1/identities', { token: foreign }, 401],
        ['/v1/no-such-route', { token: bearer(seed.linked) }, 404],
      ];
      for (const [n, [path, options, status]] of calls.entries()) {
        const answer = await stack.call(path, {
          ...options,
          headers: { ...options?.headers, 'x-request-id': id(n) },
        });
        expect({ path, status: answer.status }).toEqual({ path, status });
      }
      // A Google token Auth0 still holds but Google refuses: re-lookup, then a refresh (idp_refresh).
      stack.emulator.expireIdpToken(seed.google, 'google');
      const refreshed = await stack.call('/v1/idp/google/profile', {
        token: bearer(seed.google),
        headers: { 'x-request-id': id(99) },
      });
      expect(refreshed.status).toBe(200);
      await linesOf(id(99));
    });

    it('should never write a token, a secret, a cookie or an Authorization value', () => {
      const { emulator } = stack;
      const secrets = [
        ...emulator.secrets(),
        ...bearers,
        emulator.managementClient.clientSecret,
        emulator.tokenVaultClient.clientSecret,
        emulator.googleClient.clientSecret,
        emulator.facebookAppSecret,
        'cookie-value-1234',
        'body-token-5678',
      ];
      expect(emulator.secrets().length).toBeGreaterThan(3);
      const text = stack.logs.raw.join('');
      expect(stack.logs.raw.length).toBeGreaterThan(20);
      expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
      expect(text).not.toMatch(/bearer\s+\S/i);
    });

    it('should write one request line per request with the route pattern, caller and provider', async () => {
      const requestLines = stack.logs.lines().filter((line) => line.msg === 'request completed');
      expect(await linesOf(id(4))).toContainEqual(
        expect.objectContaining({
          msg: 'request completed',
          level: 'info',
          context: 'Request',
          requestId: id(4),
          method: 'GET',
          route: '/v1/idp/:provider/api/*',
          status: 200,
          durationMs: expect.any(Number),
          sub: stack.emulator.seed.github,
          provider: 'github',
        }),
      );
      const serviceLine = (await linesOf(id(6))).find((line) => line.msg === 'request completed');
      expect(serviceLine).toMatchObject({
        route: '/v1/users/:userId/idp/:provider/profile',
        sub: expect.stringMatching(/@clients$/),
        clientId: expect.any(String),
        provider: 'facebook',
      });
      const rejected = (await linesOf(id(7))).find((line) => line.msg === 'request completed');
      expect(rejected).toMatchObject({ route: '/v1/identities', status: 401 });
      expect(rejected).not.toHaveProperty('sub');
      const unknown = (await linesOf(id(8))).find((line) => line.msg === 'request completed');
      expect(unknown).toMatchObject({ route: 'unmatched', status: 404, method: 'GET' });
      // Never the raw path: not in any request line.
      expect(requestLines.filter((line) => JSON.stringify(line).includes('no-such-route'))).toEqual([]);
      expect(requestLines.filter((line) => line.requestId === id(4))).toHaveLength(1);
    });

    it('should write one line per upstream call with target, status, duration, retries and request id', async () => {
      const first = await linesOf(id(0));
      const upstream = first.filter((line) => line.msg === 'upstream call');
      expect(upstream).toEqual([
        expect.objectContaining({
          level: 'info',
          context: 'Upstream',
          target: 'auth0_token',
          method: 'POST',
          status: '200',
          durationMs: expect.any(Number),
          retries: 0,
        }),
        expect.objectContaining({ target: 'auth0_user', method: 'GET', status: '200', retries: 0 }),
      ]);
      expect((await linesOf(id(4))).filter((line) => line.msg === 'upstream call')).toContainEqual(
        expect.objectContaining({ target: 'idp', method: 'GET', status: '200', retries: 0 }),
      );
      const refresh = (await linesOf(id(99))).filter((line) => line.msg === 'upstream call');
      expect(refresh.map((line) => `${line.target} ${line.status}`)).toEqual(
        expect.arrayContaining(['idp 401', 'auth0_user 200', 'idp_refresh 200', 'idp 200']),
      );
    });

    it('should write one audit line per proxied IdP call: who, for whom, which provider, method and route', async () => {
      const audits = stack.logs.lines().filter((line) => line.audit === true);
      expect(audits).toHaveLength(7);
      expect((await linesOf(id(5))).filter((line) => line.audit === true)).toEqual([
        expect.objectContaining({
          msg: 'proxied IdP call',
          level: 'info',
          context: 'Audit',
          requestId: id(5),
          sub: stack.emulator.seed.github,
          clientId: expect.any(String),
          userId: stack.emulator.seed.github,
          provider: 'github',
          method: 'POST',
          route: '/v1/idp/:provider/api/*',
          status: 200,
        }),
      ]);
      expect((await linesOf(id(6))).filter((line) => line.audit === true)).toEqual([
        expect.objectContaining({
          sub: expect.stringMatching(/@clients$/),
          userId: stack.emulator.seed.facebook,
          provider: 'facebook',
          method: 'GET',
          route: '/v1/users/:userId/idp/:provider/profile',
        }),
      ]);
    });
  });

  describe('x-request-id', () => {
    it('should echo a caller id and send it to Auth0 and the IdP', async () => {
      const { seed } = stack.emulator;
      // A user not looked up yet, so the call reaches Auth0's Management API.
      const user = stack.emulator.addUser({ providers: ['github'] });
      const answer = await stack.call('/v1/idp/github/profile', {
        token: stack.token(user.user_id),
        headers: { 'x-request-id': 'trace-abc.123:XYZ_9-0' },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-request-id')).toBe('trace-abc.123:XYZ_9-0');
      expect(stack.emulator.requests('github.user').at(-1)?.headers['x-request-id']).toBe(
        'trace-abc.123:XYZ_9-0',
      );
      expect(stack.emulator.requests('users').at(-1)?.headers['x-request-id']).toBe('trace-abc.123:XYZ_9-0');
      expect(seed.github).toBeDefined();
    });

    it('should give each request without one a new UUID, in the answer and its log lines', async () => {
      const answer = await stack.call('/v1/idp/github/profile', {
        token: stack.token(stack.emulator.seed.github),
      });
      const requestId = answer.headers.get('x-request-id') ?? '';
      expect(requestId).toMatch(UUID);
      expect(stack.emulator.requests('github.user').at(-1)?.headers['x-request-id']).toBe(requestId);
      expect((await linesOf(requestId)).map((line) => line.msg)).toEqual(
        expect.arrayContaining(['upstream call', 'proxied IdP call', 'request completed']),
      );
    });

    it('should replace a 10 KB id with a UUID and never echo or forward it', async () => {
      const long = 'a'.repeat(10 * 1024);
      const answer = await stack.call('/v1/idp/github/profile', {
        token: stack.token(stack.emulator.seed.github),
        headers: { 'x-request-id': long },
      });
      expect(answer.status).toBe(200);
      const echoed = answer.headers.get('x-request-id') ?? '';
      expect(echoed).toMatch(UUID);
      expect(stack.emulator.requests('github.user').at(-1)?.headers['x-request-id']).toBe(echoed);
      expect(stack.logs.raw.join('')).not.toContain(long.slice(0, 200));
    });

    it('should replace an id of 129 characters or with a space, and keep one of 128', async () => {
      const ok = 'b'.repeat(128);
      const kept = await stack.call('/health/live', { headers: { 'x-request-id': ok } });
      expect(kept.headers.get('x-request-id')).toBe(ok);
      for (const bad of ['c'.repeat(129), 'two words', 'semi;colon']) {
        const replaced = await stack.call('/health/live', { headers: { 'x-request-id': bad } });
        expect(replaced.headers.get('x-request-id')).toMatch(UUID);
      }
    });

    it('should answer an id carrying a line break (sent raw) with a new UUID, echoing nothing of it', async () => {
      const token = stack.token(stack.emulator.seed.github);
      const before = stack.emulator.count('github.user');
      const breaks = [
        // an obs-fold continuation
        `X-Request-Id: first-part\r\n second-part\r\n`,
        // a bare LF inside the value
        `X-Request-Id: lf-first\nlf-second: lf-third\r\n`,
        // a bare CR inside the value
        `X-Request-Id: cr-first\rcr-second\r\n`,
      ];
      for (const header of breaks) {
        const answer = await rawGet(
          stack.url,
          '/v1/idp/github/profile',
          `Authorization: Bearer ${token}\r\n${header}`,
        );
        // Node's parser refuses the request before any route: never forwarded, answered as problem+json.
        expect(answer.status).toBe(400);
        expect(answer.headers['content-type']).toBe('application/problem+json');
        expect(JSON.parse(answer.body)).toMatchObject({ status: 400, code: 'invalid_request' });
        expect(answer.headers['x-request-id']).toMatch(UUID);
        expect(JSON.stringify(answer)).not.toMatch(/first|second|third/);
      }
      expect(stack.emulator.count('github.user')).toBe(before);
    });

    it('should replace an id with a tab or a non-ASCII byte (sent raw) and forward the replacement', async () => {
      const token = stack.token(stack.emulator.seed.github);
      for (const value of ['tab\there', 'caf\u00e9-latin1']) {
        const answer = await rawGet(
          stack.url,
          '/v1/idp/github/profile',
          `Authorization: Bearer ${token}\r\nX-Request-Id: ${value}\r\n`,
        );
        expect(answer.status).toBe(200);
        expect(answer.headers['x-request-id']).toMatch(UUID);
        expect(stack.emulator.requests('github.user').at(-1)?.headers['x-request-id']).toBe(
          answer.headers['x-request-id'],
        );
      }
    });
  });
});
