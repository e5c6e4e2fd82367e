/**
 * Resilience against Auth0 (token endpoint and Management API), through the public API against the
 * emulator. Each test starts its own stack (the management token is cached per process, fetched at
 * start-up: token endpoint tests drop it first), one at a time, and ends by scanning every answer it
 * received for the emulator's secrets.
 */
import { MetricsService } from '../src/metrics/metrics.service';
import { startOpsStack } from './support/ops';
import type { OpsStack } from './support/ops';
import { expectNoSecretLeaked, expectProblem, forgetManagementToken, withStack } from './support/stack';
import type { Stack } from './support/stack';

/** A fresh stack whose error log lines the test can read. */
async function withLoggedStack(
  run: (stack: OpsStack, logs: () => Array<Record<string, any>>) => Promise<void>,
): Promise<void> {
  const stack = await startOpsStack({ logLevel: 'error' });
  try {
    await run(stack, () => stack.logs.lines());
    expectNoSecretLeaked(stack);
    expect(stack.logs.raw.join('\n')).not.toContain(stack.emulator.managementClient.clientSecret);
  } finally {
    await stack.close();
  }
}

async function retries(stack: Stack, target: string): Promise<number> {
  const metric = await stack.app.get(MetricsService).upstreamRetries.get();
  return metric.values.find((v) => v.labels.target === target)?.value ?? 0;
}

describe('Auth0 client-credentials token endpoint', () => {
  it('should succeed after two 429 answers, waiting as they say', () =>
    withStack({ UPSTREAM_TIMEOUT_MS: '5000' }, async (stack) => {
      await forgetManagementToken(stack);
      stack.emulator.fault('token.client_credentials', { kind: '429', times: 2, retryAfterS: 1 });
      const answer = await stack.call('/v1/identities', { token: stack.token() });
      expect(answer.status).toBe(200);
      expect(answer.json.identities.length).toBeGreaterThan(0);
      expect(stack.emulator.count('token.client_credentials')).toBe(3);
      expect(stack.emulator.count('users')).toBe(1);
      expect(await retries(stack, 'auth0_token')).toBe(2);
    }));

  it('should answer 503 auth0_rate_limited with Retry-After when Auth0 keeps answering 429', () =>
    withStack({ UPSTREAM_TIMEOUT_MS: '5000' }, async (stack) => {
      await forgetManagementToken(stack);
      stack.emulator.fault('token.client_credentials', { kind: '429', times: 10, retryAfterS: 1 });
      const answer = await stack.call('/v1/identities', { token: stack.token() });
      expectProblem(answer, 503, 'auth0_rate_limited');
      const retryAfter = answer.headers.get('retry-after') ?? '';
      expect(retryAfter).toMatch(/^\d+$/);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      // the first attempt and two retries, then no more
      expect(stack.emulator.count('token.client_credentials')).toBe(3);
      expect(stack.emulator.count('users')).toBe(0);
    }));

  it('should answer 503 at once when the 429 asks for a wait past the remaining budget', () =>
    withStack({ UPSTREAM_TIMEOUT_MS: '2000' }, async (stack) => {
      await forgetManagementToken(stack);
      stack.emulator.fault('token.client_credentials', { kind: '429', times: 10, retryAfterS: 30 });
      const started = Date.now();
      const answer = await stack.call('/v1/identities', { token: stack.token() });
      const elapsed = Date.now() - started;
      expectProblem(answer, 503, 'auth0_rate_limited');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
      expect(Number(answer.headers.get('retry-after'))).toBeLessThanOrEqual(30);
      expect(stack.emulator.count('token.client_credentials')).toBe(1);
      expect(elapsed).toBeLessThan(1000);
    }));

  it('should answer 504 upstream_timeout when the token endpoint hangs, without retrying', () =>
    withStack({ UPSTREAM_TIMEOUT_MS: '800' }, async (stack) => {
      await forgetManagementToken(stack);
      stack.emulator.fault('token.client_credentials', { kind: 'hang' });
      const started = Date.now();
      const answer = await stack.call('/v1/identities', { token: stack.token() });
      const elapsed = Date.now() - started;
      expectProblem(answer, 504, 'upstream_timeout');
      expect(elapsed).toBeLessThan(800 + 500);
      expect(stack.emulator.count('token.client_credentials')).toBe(1);
    }));

  it('should answer 502 auth0_unavailable when the token endpoint answers 500', () =>
    withStack({}, async (stack) => {
      await forgetManagementToken(stack);
      stack.emulator.fault('token.client_credentials', { kind: '500' });
      const answer = await stack.call('/v1/identities', { token: stack.token() });
      expectProblem(answer, 502, 'auth0_unavailable');
      expect(stack.emulator.count('token.client_credentials')).toBe(1);
    }));
});

describe("Auth0 refusing this service's own credentials at run time", () => {
  it.each([
    ['401', 'AUTH0_CLIENT_SECRET'],
    ['403', 'Machine To Machine Applications'],
  ] as const)(
    'should answer 502 auth0_misconfigured when the token endpoint answers %s, logging the setting',
    (kind, setting) =>
      withLoggedStack(async (stack, logs) => {
        await forgetManagementToken(stack);
        stack.emulator.fault('token.client_credentials', { kind, times: 5 });
        const answer = await stack.call('/v1/identities', { token: stack.token() });
        expectProblem(answer, 502, 'auth0_misconfigured');
        expect(stack.emulator.count('token.client_credentials')).toBe(1);
        const errors = logs().filter((l) => l.level === 'error' && String(l.msg).includes(setting));
        expect(errors.length).toBeGreaterThanOrEqual(1);
      }),
  );

  it('should answer 502 auth0_misconfigured when a new management token lacks read:user_idp_tokens', () =>
    withLoggedStack(async (stack, logs) => {
      await forgetManagementToken(stack);
      stack.emulator.setManagementScope('read:users');
      const answer = await stack.call('/v1/identities', { token: stack.token() });
      expectProblem(answer, 502, 'auth0_misconfigured');
      expect(stack.emulator.count('users')).toBe(0);
      expect(logs().some((l) => l.level === 'error' && String(l.msg).includes('read:user_idp_tokens'))).toBe(
        true,
      );
    }));

  it('should answer 502 auth0_misconfigured when the Management API refuses the lookup with 403', () =>
    withLoggedStack(async (stack, logs) => {
      stack.emulator.fault('users', { kind: '403' });
      const answer = await stack.call('/v1/identities', { token: stack.token() });
      expectProblem(answer, 502, 'auth0_misconfigured');
      expect(logs().some((l) => l.level === 'error' && String(l.msg).includes('read:users'))).toBe(true);
    }));
});

describe('Auth0 Management API user lookup', () => {
  it('should answer 502 auth0_unavailable on a 500, without retrying', () =>
    withStack({}, async (stack) => {
      stack.emulator.fault('users', { kind: '500' });
      const answer = await stack.call('/v1/identities', { token: stack.token() });
      expectProblem(answer, 502, 'auth0_unavailable');
      expect(stack.emulator.count('users')).toBe(1);
      // nothing was cached from the failure: the next request succeeds
      const again = await stack.call('/v1/identities', { token: stack.token() });
      expect(again.status).toBe(200);
    }));

  it('should answer 502 auth0_unavailable when the connection drops', () =>
    withStack({}, async (stack) => {
      stack.emulator.fault('users', { kind: 'drop' });
      const answer = await stack.call('/v1/identities', { token: stack.token() });
      expectProblem(answer, 502, 'auth0_unavailable');
      expect(stack.emulator.count('users')).toBe(1);
    }));

  it('should answer 504 upstream_timeout within the timeout when it hangs, and not retry', () =>
    withStack({ UPSTREAM_TIMEOUT_MS: '800' }, async (stack) => {
      stack.emulator.fault('users', { kind: 'hang' });
      const started = Date.now();
      const answer = await stack.call('/v1/identities', { token: stack.token() });
      const elapsed = Date.now() - started;
      expectProblem(answer, 504, 'upstream_timeout');
      expect(elapsed).toBeLessThan(800 + 500);
      expect(stack.emulator.count('users')).toBe(1);
      expect(await retries(stack, 'auth0_user')).toBe(0);
    }));

  it('should succeed after one 429 from the Management API', () =>
    withStack({ UPSTREAM_TIMEOUT_MS: '5000' }, async (stack) => {
      stack.emulator.fault('users', { kind: '429', retryAfterS: 1 });
      const answer = await stack.call('/v1/identities', { token: stack.token() });
      expect(answer.status).toBe(200);
      expect(stack.emulator.count('users')).toBe(2);
      expect(await retries(stack, 'auth0_user')).toBe(1);
    }));

  it('should fetch a new management token after a 401 and succeed', () =>
    withStack({}, async (stack) => {
      stack.emulator.fault('users', { kind: '401' });
      const answer = await stack.call('/v1/identities', { token: stack.token() });
      expect(answer.status).toBe(200);
      expect(stack.emulator.count('token.client_credentials')).toBe(2);
      expect(stack.emulator.count('users')).toBe(2);
      const [first, second] = stack.emulator.requests('users').map((r) => r.headers.authorization);
      expect(second).not.toBe(first);
    }));
});
