/**
 * The HTTP layer under the routes, attacked: request targets that are not valid percent-encoding,
 * over-long path parameters, refused preflights and header sections, absolute-form targets. Each
 * answer is the service's own problem+json with a request id, never echoes the URL, and is counted
 * and logged; every /v1 answer varies on Authorization. Swagger UI keeps tokens in memory only.
 */
import { expectNothingLeaked, expectRawProblem } from './support/hardening';
import { parseMetrics, startOpsStack } from './support/ops';
import type { OpsStack } from './support/ops';
import { rawRequest } from './support/raw-http';
import type { RawResponse } from './support/raw-http';

const ORIGIN = 'http://127.0.0.1:5999';

describe('Hardening: the HTTP layer', () => {
  let stack: OpsStack;
  const raw: string[] = [];
  const bearers: string[] = [];

  const send = async (requestLine: string, headers = ''): Promise<RawResponse> => {
    const response = await rawRequest(stack.url, requestLine, headers);
    raw.push(JSON.stringify(response));
    return response;
  };
  const token = (sub?: string): string => {
    const minted = stack.token(sub);
    bearers.push(minted);
    return minted;
  };
  const requestLine = (requestId: string): Record<string, any> | undefined =>
    stack.logs.lines().find((line) => line.msg === 'request completed' && line.requestId === requestId);
  const requestsTotal = async (status: number): Promise<number> => {
    const metrics = parseMetrics(await (await fetch(`${stack.url}/metrics`)).text());
    return [...metrics]
      .filter(
        ([series]) =>
          series.startsWith('idp_proxy_http_requests_total{') && series.includes(`status="${status}"`),
      )
      .reduce((sum, [, value]) => sum + value, 0);
  };

  beforeAll(async () => {
    stack = await startOpsStack({ logLevel: 'info', env: { CORS_ORIGINS: ORIGIN } });
  });

  afterAll(async () => {
    expectNothingLeaked(stack, raw, bearers);
    await stack.close();
  });

  describe('errors of the HTTP layer', () => {
    const badTargets: Array<[string, string]> = [
      ['an invalid escape in a path parameter', '/v1/idp/qwxz%ZZ/profile'],
      ['a lone % in a path parameter', '/v1/users/qwxz%7C4004%/identities'],
      ['an invalid escape in the proxied path', '/v1/idp/github/api/qwxz%ZZ'],
    ];

    it.each(badTargets)(
      'should answer %s with 400 invalid_request problem+json that does not echo the URL',
      async (_name, target) => {
        const before = await requestsTotal(400);
        const requestId = `bad-url-${before}`;
        const response = await send(
          `GET ${target} HTTP/1.1`,
          `authorization: Bearer ${token()}\r\nx-request-id: ${requestId}\r\n`,
        );
        expectRawProblem(response, 400, 'invalid_request');
        expect(response.headers['x-request-id']).toBe(requestId);
        expect(response.headers.vary).toMatch(/Authorization/);
        const body = response.body.toLowerCase();
        expect(body).not.toContain('%zz');
        expect(body).not.toContain('qwxz');
        expect(await requestsTotal(400)).toBe(before + 1);
        expect(requestLine(requestId)).toEqual(
          expect.objectContaining({ route: 'unmatched', status: 400, method: 'GET' }),
        );
      },
    );

    it('should answer a path parameter over the limit with 414 uri_too_long, counted and logged', async () => {
      const long = 'g'.repeat(9000);
      const before = await requestsTotal(414);
      const response = await send(`GET /v1/idp/${long}/profile HTTP/1.1`, 'x-request-id: too-long-1\r\n');
      expectRawProblem(response, 414, 'uri_too_long');
      expect(response.body).not.toContain('ggg');
      expect(await requestsTotal(414)).toBe(before + 1);
      expect(requestLine('too-long-1')).toEqual(expect.objectContaining({ status: 414, route: 'unmatched' }));
    });

    it('should answer a preflight without its request method with problem+json, not text', async () => {
      const response = await send(
        'OPTIONS /v1/identities HTTP/1.1',
        `origin: ${ORIGIN}\r\nx-request-id: preflight-1\r\n`,
      );
      expectRawProblem(response, 400, 'invalid_request');
      expect(response.headers['x-request-id']).toBe('preflight-1');
      expect(requestLine('preflight-1')).toEqual(expect.objectContaining({ status: 400 }));
    });

    it('should still answer a well-formed preflight with 204', async () => {
      const response = await send(
        'OPTIONS /v1/identities HTTP/1.1',
        `origin: ${ORIGIN}\r\naccess-control-request-method: GET\r\naccess-control-request-headers: authorization\r\n`,
      );
      expect(response.status).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(ORIGIN);
    });

    it('should answer a header section over the limit with problem+json, counted and logged', async () => {
      const before = await requestsTotal(431);
      const response = await send('GET /v1/identities HTTP/1.1', `x-filler: ${'f'.repeat(20_000)}\r\n`);
      expectRawProblem(response, 431, 'invalid_request');
      expect(response.body).not.toContain('fff');
      expect(await requestsTotal(431)).toBe(before + 1);
      const id = response.headers['x-request-id'];
      expect(requestLine(id)).toEqual(expect.objectContaining({ status: 431, route: 'unmatched' }));
    });
  });

  describe('Vary: Authorization on every /v1 answer', () => {
    it('should vary on Authorization for an absolute-form request target', async () => {
      const { host } = new URL(stack.url);
      const withToken = await send(
        `GET http://${host}/v1/identities HTTP/1.1`,
        `authorization: Bearer ${token()}\r\n`,
      );
      expect(withToken.status).toBe(200);
      expect(withToken.headers.vary).toMatch(/(^|,\s*)Authorization(\s*,|$)/);
      const without = await send(`GET http://${host}/v1/identities HTTP/1.1`);
      expectRawProblem(without, 401, 'missing_token');
      expect(without.headers.vary).toMatch(/(^|,\s*)Authorization(\s*,|$)/);
    });

    it('should vary on Authorization for origin-form answers, errors and unknown /v1 routes included', async () => {
      for (const [path, authorization] of [
        ['/v1/identities', `Bearer ${token()}`],
        ['/v1/identities', undefined],
        ['/v1/no-such-route', `Bearer ${token()}`],
      ] as const) {
        const answer = await stack.call(path, {
          headers: authorization === undefined ? {} : { authorization },
        });
        expect({ path, vary: answer.headers.get('vary') }).toEqual({
          path,
          vary: expect.stringMatching(/Authorization/),
        });
      }
    });

    it('should not add it outside /v1', async () => {
      const live = await stack.call('/health/live');
      expect(live.headers.get('vary') ?? '').not.toMatch(/Authorization/);
    });
  });

  describe('Swagger UI', () => {
    it('should be configured to keep tokens in memory only, never in localStorage', async () => {
      const init = await (await fetch(`${stack.url}/docs/swagger-ui-init.js`)).text();
      expect(init).toContain('"customOptions"');
      expect(init).not.toMatch(/"persistAuthorization":\s*true/);
    });
  });
});
