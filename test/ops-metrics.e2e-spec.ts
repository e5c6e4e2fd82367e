/**
 * /metrics: Prometheus text with the documented names, counters that
 * move by exactly the calls made, route labels that are route patterns, open to scrapers without a
 * token and absent from the OpenAPI document.
 */
import { parseMetrics, startOpsStack } from './support/ops';
import type { OpsStack } from './support/ops';

describe('Operations: metrics', () => {
  let stack: OpsStack;

  beforeAll(async () => {
    stack = await startOpsStack({ logLevel: 'silent' });
  });

  afterAll(async () => {
    await stack.close();
  });

  const scrape = async (): Promise<Map<string, number>> => {
    const answer = await stack.call('/metrics');
    expect(answer.status).toBe(200);
    return parseMetrics(answer.text);
  };
  /** How much each sample moved between two scrapes (absent before = 0). */
  const delta = (before: Map<string, number>, after: Map<string, number>, key: string): number =>
    (after.get(key) ?? 0) - (before.get(key) ?? 0);

  const PROXY_GET = 'route="/v1/idp/:provider/api/*",method="GET",status="200"';

  it('should answer Prometheus text without a token, with the documented names and the default metrics', async () => {
    const answer = await stack.call('/metrics');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const name of [
      'idp_proxy_http_requests_total',
      'idp_proxy_http_request_duration_seconds',
      'idp_proxy_upstream_requests_total',
      'idp_proxy_upstream_retries_total',
      'idp_proxy_cache_total',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(answer.text).toContain(`# TYPE ${name} `);
    }
  });

  it('should count 3 proxied calls as exactly 3 requests, 3 IdP calls and 3 cache hits', async () => {
    const token = stack.token(stack.emulator.seed.github);
    // Warm the management token and the user's identities first.
    expect((await stack.call('/v1/idp/github/api/user', { token })).status).toBe(200);
    const before = await scrape();
    for (let i = 0; i < 3; i++) {
      expect((await stack.call(`/v1/idp/github/api/user/repos?page=${i}`, { token })).status).toBe(200);
    }
    const after = await scrape();
    expect(delta(before, after, `idp_proxy_http_requests_total{${PROXY_GET}}`)).toBe(3);
    expect(delta(before, after, `idp_proxy_http_request_duration_seconds_count{${PROXY_GET}}`)).toBe(3);
    expect(delta(before, after, 'idp_proxy_upstream_requests_total{target="idp",status="200"}')).toBe(3);
    expect(delta(before, after, 'idp_proxy_upstream_requests_total{target="auth0_user",status="200"}')).toBe(
      0,
    );
    expect(delta(before, after, 'idp_proxy_upstream_requests_total{target="auth0_token",status="200"}')).toBe(
      0,
    );
    expect(delta(before, after, 'idp_proxy_cache_total{kind="user",result="hit"}')).toBe(3);
    expect(delta(before, after, 'idp_proxy_upstream_retries_total{target="idp"}')).toBe(0);
    // The scrape between them counted as one request of its own route.
    expect(
      delta(before, after, 'idp_proxy_http_requests_total{route="/metrics",method="GET",status="200"}'),
    ).toBe(1);
  });

  it('should count a user lookup, a management token and an IdP retry by target', async () => {
    const user = stack.emulator.addUser({ providers: ['github'] });
    stack.emulator.fault('github.user', { kind: '503', times: 1 });
    const before = await scrape();
    const answer = await stack.call('/v1/idp/github/profile', { token: stack.token(user.user_id) });
    expect(answer.status).toBe(200);
    const after = await scrape();
    expect(delta(before, after, 'idp_proxy_upstream_requests_total{target="auth0_user",status="200"}')).toBe(
      1,
    );
    expect(delta(before, after, 'idp_proxy_cache_total{kind="user",result="miss"}')).toBe(1);
    expect(delta(before, after, 'idp_proxy_upstream_requests_total{target="idp",status="503"}')).toBe(1);
    expect(delta(before, after, 'idp_proxy_upstream_requests_total{target="idp",status="200"}')).toBe(1);
    expect(delta(before, after, 'idp_proxy_upstream_retries_total{target="idp"}')).toBe(1);
    expect(
      delta(
        before,
        after,
        'idp_proxy_http_requests_total{route="/v1/idp/:provider/profile",method="GET",status="200"}',
      ),
    ).toBe(1);
  });

  it('should label requests by route pattern: unknown paths as "unmatched", never the raw path', async () => {
    const token = stack.token(stack.emulator.seed.github);
    const before = await scrape();
    expect((await stack.call('/v1/nowhere/secret-looking-path', { token })).status).toBe(404);
    expect((await stack.call('/another/raw/path')).status).toBe(404);
    expect((await stack.call('/v1/identities')).status).toBe(401);
    const after = await scrape();
    expect(
      delta(before, after, 'idp_proxy_http_requests_total{route="unmatched",method="GET",status="404"}'),
    ).toBe(2);
    expect(
      delta(before, after, 'idp_proxy_http_requests_total{route="/v1/identities",method="GET",status="401"}'),
    ).toBe(1);
    const text = (await stack.call('/metrics')).text;
    expect(text).not.toContain('secret-looking-path');
    expect(text).not.toContain('/another/raw/path');
    expect(text).not.toContain('github|');
  });

  it('should keep /metrics and /health out of the OpenAPI document', async () => {
    const doc = await stack.call('/docs/openapi.json');
    expect(doc.status).toBe(200);
    const paths = Object.keys(doc.json.paths as Record<string, unknown>);
    expect(paths).toContain('/v1/identities');
    expect(paths.filter((path) => path.startsWith('/metrics') || path.startsWith('/health'))).toEqual([]);
  });
});
