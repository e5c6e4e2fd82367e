/**
 * Hostile callers at the door: an Authorization value built to make the parser backtrack, bodies
 * announced and never sent (before and after authentication), heads and bodies that trickle in,
 * and user tokens dressed as service tokens. Every answer and log line is scanned for secrets.
 */
import { expectNothingLeaked, expectRawProblem } from './support/hardening';
import { parseMetrics, startOpsStack } from './support/ops';
import type { OpsStack } from './support/ops';
import { openRaw } from './support/raw-http';
import type { RawConnection } from './support/raw-http';
import { expectProblem } from './support/stack';
import type { Answer } from './support/stack';

const NO_SPACES = 'a'.repeat(16_000);

describe('Hardening: hostile callers at authentication', () => {
  let stack: OpsStack;
  const raw: string[] = [];
  const bearers: string[] = [];
  const open = async (head: string): Promise<RawConnection> => {
    const connection = await openRaw(stack.url, head);
    connections.push(connection);
    return connection;
  };
  const connections: RawConnection[] = [];
  const host = (): string => new URL(stack.url).host;

  beforeAll(async () => {
    stack = await startOpsStack({ logLevel: 'debug' });
  });

  afterEach(() => {
    for (const connection of connections.splice(0)) {
      raw.push(connection.received());
      connection.destroy();
    }
  });

  afterAll(async () => {
    expectNothingLeaked(stack, raw, bearers);
    await stack.close();
  });

  describe('the Authorization header', () => {
    it('should answer 16,000 characters without spaces with 401 invalid_token and keep /health/live answering', async () => {
      const attacks = Array.from({ length: 12 }, () =>
        stack.call('/v1/identities', { headers: { authorization: NO_SPACES } }),
      );
      const started = Date.now();
      const live = await fetch(`${stack.url}/health/live`);
      const liveMs = Date.now() - started;
      expect(live.status).toBe(200);
      for (const answer of await Promise.all(attacks)) {
        expectProblem(answer, 401, 'invalid_token');
        expect(answer.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      }
      // Parsing twelve such values with a backtracking pattern costs seconds of event loop; a
      // linear parse leaves the probe unaffected. The bound is generous for a loaded machine.
      expect(liveMs).toBeLessThan(1500);
    });

    it('should refuse a value over 8,192 characters with 401 invalid_token even around a valid token', async () => {
      const token = stack.token();
      bearers.push(token);
      const answer = await stack.call('/v1/identities', {
        headers: { authorization: `Bearer${' '.repeat(9000)}${token}` },
      });
      expectProblem(answer, 401, 'invalid_token');
      expect(stack.emulator.count('users')).toBe(0);
    });

    it('should accept only `Bearer <token>`: any case, spaces or tabs; one token, nothing else', async () => {
      const token = stack.token();
      bearers.push(token);
      expect(
        (await stack.call('/v1/identities', { headers: { authorization: `bearer\t${token}` } })).status,
      ).toBe(200);
      expect(
        (await stack.call('/v1/identities', { headers: { authorization: `BEARER  ${token}` } })).status,
      ).toBe(200);
      const twoTokens = await stack.call('/v1/identities', {
        headers: { authorization: `Bearer ${token} x` },
      });
      expectProblem(twoTokens, 401, 'invalid_token');
      const basic = await stack.call('/v1/identities', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      expectProblem(basic, 401, 'missing_token');
      expect(basic.headers.get('www-authenticate')).toBe('Bearer');
    });
  });

  describe('authentication before the body is read', () => {
    const announce = (path: string, authorization?: string): string =>
      `POST ${path} HTTP/1.1\r\nHost: ${host()}\r\ncontent-type: application/octet-stream\r\n` +
      `content-length: 1048576\r\n${authorization === undefined ? '' : `authorization: ${authorization}\r\n`}\r\n`;

    it('should answer 401 missing_token to a request announcing a body it never sends, and close it', async () => {
      const connection = await open(announce('/v1/idp/github/api/echo/notes'));
      const response = await connection.response(5000);
      expectRawProblem(response, 401, 'missing_token');
      expect(response.headers.vary).toMatch(/Authorization/);
      expect(response.headers.connection).toBe('close');
      await connection.closed(5000);
      expect(stack.emulator.count('github.echo')).toBe(0);
    });

    it('should answer 401 invalid_token before the body for a token that fails the checks', async () => {
      const foreign = stack.emulator.mintToken({ signer: 'foreign' });
      bearers.push(foreign);
      const connection = await open(announce('/v1/idp/github/api/echo/notes', `Bearer ${foreign}`));
      expectRawProblem(await connection.response(5000), 401, 'invalid_token');
      await connection.closed(5000);
    });

    it('should answer 403 before the body when the token may not use the route', async () => {
      const { seed } = stack.emulator;
      const user = stack.token(seed.github);
      bearers.push(user);
      const path = `/v1/users/${encodeURIComponent(seed.github)}/idp/github/api/echo/notes`;
      const connection = await open(announce(path, `Bearer ${user}`));
      expectRawProblem(await connection.response(5000), 403, 'insufficient_scope');
      await connection.closed(5000);
      expect(stack.emulator.count('github.echo')).toBe(0);
    });

    it('should still read and forward the body of an authenticated request', async () => {
      const token = stack.token(stack.emulator.seed.github);
      bearers.push(token);
      const answer = await stack.call('/v1/idp/github/api/echo/notes', {
        method: 'POST',
        token,
        headers: { 'content-type': 'application/json' },
        body: '{"note":"hello"}',
      });
      expect(answer.status).toBe(200);
      expect(stack.emulator.count('github.echo')).toBe(1);
    });
  });

  describe('service callers', () => {
    const userDressedAsService = (): string =>
      stack.emulator.mintToken({
        sub: 'samlp|partner|eve@clients',
        claims: { scope: 'openid proxy:users', permissions: ['proxy:users'] },
      });

    it('should answer 403 to a user token whose sub ends in @clients on /v1/users/...', async () => {
      const token = userDressedAsService();
      bearers.push(token);
      const usersBefore = stack.emulator.count('users');
      const { seed } = stack.emulator;
      for (const path of [
        `/v1/users/${encodeURIComponent(seed.github)}/identities`,
        `/v1/users/${encodeURIComponent(seed.github)}/idp/github/profile`,
        `/v1/users/${encodeURIComponent(seed.github)}/idp/github/api/user`,
      ]) {
        const answer = await stack.call(path, { token });
        expectProblem(answer, 403, 'insufficient_scope');
      }
      expect(stack.emulator.count('users')).toBe(usersBefore);
      expect(stack.emulator.count('github.user')).toBe(0);
    });

    it('should treat that token as the user it is on the caller routes', async () => {
      const token = userDressedAsService();
      bearers.push(token);
      const answer: Answer = await stack.call('/v1/identities', { token });
      // Not 403 user_token_required: the service looks up the user `samlp|partner|eve@clients`.
      expectProblem(answer, 404, 'user_not_found');
    });

    it('should not make a client-credentials token a service caller when sub is not <azp>@clients', async () => {
      const token = stack.emulator.mintToken({
        sub: 'other-app@clients',
        claims: { gty: 'client-credentials', azp: 'sandbox-service', permissions: ['proxy:users'] },
      });
      bearers.push(token);
      const { seed } = stack.emulator;
      const answer = await stack.call(`/v1/users/${encodeURIComponent(seed.github)}/identities`, { token });
      expectProblem(answer, 403, 'insufficient_scope');
    });

    it('should keep serving a genuine client-credentials token on /v1/users/...', async () => {
      const token = stack.emulator.mintServiceToken({ permissions: ['proxy:users'] });
      bearers.push(token);
      const { seed } = stack.emulator;
      const answer = await stack.call(`/v1/users/${encodeURIComponent(seed.github)}/identities`, { token });
      expect(answer.status).toBe(200);
    });
  });
});

describe('Hardening: requests that never finish arriving', () => {
  const TIMEOUT_MS = 1000;
  let stack: OpsStack;
  const raw: string[] = [];
  const bearers: string[] = [];
  const connections: RawConnection[] = [];
  const host = (): string => new URL(stack.url).host;

  beforeAll(async () => {
    stack = await startOpsStack({ logLevel: 'info', env: { REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) } });
  });

  afterAll(async () => {
    for (const connection of connections) {
      raw.push(connection.received());
      connection.destroy();
    }
    expectNothingLeaked(stack, raw, bearers);
    await stack.close();
  });

  it('should answer 408 request_timeout to authenticated slow bodies and close their connections', async () => {
    const token = stack.token(stack.emulator.seed.github);
    bearers.push(token);
    const slow = await Promise.all(
      Array.from({ length: 10 }, () =>
        openRaw(
          stack.url,
          `POST /v1/idp/github/api/echo/notes HTTP/1.1\r\nHost: ${host()}\r\nauthorization: Bearer ${token}\r\n` +
            `content-type: application/octet-stream\r\ncontent-length: 1048576\r\n\r\n0123456789`,
        ),
      ),
    );
    connections.push(...slow);
    const started = Date.now();
    for (const connection of slow) {
      // The deadline is 1 s; Node looks for late requests every quarter of it: allow plenty.
      await connection.closed(15_000);
      const response = await connection.response(0);
      expectRawProblem(response, 408, 'request_timeout');
      expect(response.headers.connection).toBe('close');
    }
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(stack.emulator.count('github.echo')).toBe(0);
    expect((await fetch(`${stack.url}/health/live`)).status).toBe(200);
  });

  it('should answer 408 to a request head that trickles in and close the connection', async () => {
    const connection = await openRaw(stack.url, `GET /v1/identities HTTP/1.1\r\nHost: ${host()}\r\n`);
    connections.push(connection);
    const trickle = setInterval(() => connection.write(`x-slow-${Date.now()}: 1\r\n`), 200);
    try {
      await connection.closed(15_000);
    } finally {
      clearInterval(trickle);
    }
    expectRawProblem(await connection.response(0), 408, 'request_timeout');
  });

  it('should not cut a request that fully arrived while the IdP takes longer than the timeout', async () => {
    const token = stack.token(stack.emulator.seed.github);
    bearers.push(token);
    stack.emulator.fault('github.echo', { kind: 'hang', ms: 2500, times: 1 });
    const answer = await stack.call('/v1/idp/github/api/echo/notes', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: '{"note":"slow"}',
    });
    expect(answer.status).toBe(200);
    expect(stack.emulator.count('github.echo')).toBe(1);
  });

  it('should count and log the timed-out requests like any other', async () => {
    const metrics = parseMetrics(await (await fetch(`${stack.url}/metrics`)).text());
    const timedOut = [...metrics]
      .filter(
        ([series]) => series.startsWith('idp_proxy_http_requests_total{') && series.includes('status="408"'),
      )
      .reduce((sum, [, value]) => sum + value, 0);
    expect(timedOut).toBe(11);
    const lines = stack.logs
      .lines()
      .filter((line) => line.msg === 'request completed' && line.status === 408);
    expect(lines).toHaveLength(11);
    expect(lines[0]).toEqual(expect.objectContaining({ requestId: expect.any(String), route: 'unmatched' }));
  });
});
