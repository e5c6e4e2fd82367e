/**
 * Resilience against the IdPs (token rotation, expiry and refresh; 5xx, dropped connections, hangs;
 * long bodies), through the public API against the emulator. Each test starts its own stack, one at
 * a time, and ends by scanning every answer it received for the emulator's secrets.
 */
import { MetricsService } from '../src/metrics/metrics.service';
import { expectProblem, withStack } from './support/stack';
import type { Stack } from './support/stack';

async function retries(stack: Stack, target: string): Promise<number> {
  const metric = await stack.app.get(MetricsService).upstreamRetries.get();
  return metric.values.find((v) => v.labels.target === target)?.value ?? 0;
}

describe('IdP token refused (401)', () => {
  it('should use the new token after one re-lookup when the token was rotated at the IdP', () =>
    withStack({}, async (stack) => {
      const { emulator } = stack;
      const user = emulator.seed.linked;
      // warm the identity cache with the token about to be replaced
      expect((await stack.call('/v1/identities', { token: stack.token(user) })).status).toBe(200);
      const fresh = emulator.rotateIdpToken(user, 'github');
      const answer = await stack.call('/v1/idp/github/profile', { token: stack.token(user) });
      expect(answer.status).toBe(200);
      expect(answer.json.provider).toBe('github');
      expect(emulator.count('users')).toBe(2);
      expect(emulator.count('github.user')).toBe(2);
      expect(emulator.requests('github.user')[1].headers.authorization).toBe(`Bearer ${fresh}`);
    }));

  it('should refresh an expired Google token once for 50 concurrent requests, then reuse it', () =>
    withStack({}, async (stack) => {
      const { emulator } = stack;
      const user = emulator.seed.google;
      expect(
        emulator.user(user)?.identities.find((i) => i.provider === 'google-oauth2')?.refresh_token,
      ).toEqual(expect.any(String));
      const expired = emulator.idpToken(user, 'google');
      emulator.expireIdpToken(user, 'google');
      const token = stack.token(user);
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => stack.call('/v1/idp/google/profile', { token })),
      );
      expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 50 }, () => 200));
      expect(answers[0].json.provider).toBe('google');
      expect(emulator.count('google.token')).toBe(1);

      emulator.resetCounters();
      const later = await Promise.all(
        Array.from({ length: 5 }, () => stack.call('/v1/idp/google/profile', { token })),
      );
      expect(later.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      expect(emulator.count('google.token')).toBe(0);
      // each went straight through with the refreshed token: no 401, no re-lookup
      expect(emulator.count('google.userinfo')).toBe(5);
      expect(emulator.count('users')).toBe(0);
      for (const request of emulator.requests('google.userinfo'))
        expect(request.headers.authorization).not.toBe(`Bearer ${expired}`);
    }));

  it('should answer 502 idp_token_rejected with the connection when GitHub refuses a token', () =>
    withStack({}, async (stack) => {
      const { emulator } = stack;
      const user = emulator.seed.github;
      emulator.expireIdpToken(user, 'github');
      const answer = await stack.call('/v1/idp/github/profile', { token: stack.token(user) });
      expectProblem(answer, 502, 'idp_token_rejected');
      expect(answer.json.connection).toBe('github');
      // one re-lookup, nothing new there, no refresh for GitHub: the call is not repeated
      expect(emulator.count('users')).toBe(2);
      expect(emulator.count('github.user')).toBe(1);
    }));

  it('should answer 502 idp_token_rejected when Google refresh is not configured', () =>
    withStack({ GOOGLE_CLIENT_ID: '', GOOGLE_CLIENT_SECRET: '' }, async (stack) => {
      const { emulator } = stack;
      const user = emulator.seed.google;
      emulator.expireIdpToken(user, 'google');
      const answer = await stack.call('/v1/idp/google/profile', { token: stack.token(user) });
      expectProblem(answer, 502, 'idp_token_rejected');
      expect(answer.json.connection).toBe('google-oauth2');
      expect(emulator.count('google.token')).toBe(0);
    }));

  it('should answer 502 idp_token_rejected when Google refuses the refresh token', () =>
    withStack({}, async (stack) => {
      const { emulator } = stack;
      const user = emulator.seed.google;
      emulator.expireIdpToken(user, 'google');
      emulator.revokeRefreshToken(user);
      const answer = await stack.call('/v1/idp/google/profile', { token: stack.token(user) });
      expectProblem(answer, 502, 'idp_token_rejected');
      expect(answer.json.connection).toBe('google-oauth2');
      expect(emulator.count('google.token')).toBe(1);
    }));

  it('should recover from a 401 on a POST too, sending the same body again', () =>
    withStack({}, async (stack) => {
      const { emulator } = stack;
      const user = emulator.seed.linked;
      expect((await stack.call('/v1/identities', { token: stack.token(user) })).status).toBe(200);
      const fresh = emulator.rotateIdpToken(user, 'github');
      const answer = await stack.call('/v1/idp/github/api/echo/x', {
        method: 'POST',
        token: stack.token(user),
        headers: { 'content-type': 'application/json' },
        body: '{"hello":"again"}',
      });
      expect(answer.status).toBe(200);
      expect(answer.json.body).toBe('{"hello":"again"}');
      // refused with the old token, then accepted with the new one: the same bytes both times
      const sent = emulator.requests('github.echo');
      expect(sent.map((r) => r.body.toString('utf8'))).toEqual(['{"hello":"again"}', '{"hello":"again"}']);
      expect(sent[1].headers.authorization).toBe(`Bearer ${fresh}`);
    }));
});

describe('IdP unavailable', () => {
  it('should retry a GET once after a 503 and succeed', () =>
    withStack({}, async (stack) => {
      stack.emulator.fault('github.user', { kind: '503' });
      const answer = await stack.call('/v1/idp/github/profile', { token: stack.token() });
      expect(answer.status).toBe(200);
      expect(stack.emulator.count('github.user')).toBe(2);
      expect(await retries(stack, 'idp')).toBe(1);
    }));

  it('should retry a PUT once after a 502 and send the same body', () =>
    withStack({}, async (stack) => {
      stack.emulator.fault('github.echo', { kind: '502' });
      const answer = await stack.call('/v1/idp/github/api/echo/item', {
        method: 'PUT',
        token: stack.token(),
        headers: { 'content-type': 'text/plain' },
        body: 'same bytes',
      });
      expect(answer.status).toBe(200);
      expect(stack.emulator.requests('github.echo').map((r) => r.body.toString('utf8'))).toEqual([
        'same bytes',
        'same bytes',
      ]);
    }));

  it('should pass a 503 to a POST through with its body, after one call only', () =>
    withStack({}, async (stack) => {
      stack.emulator.fault('github.echo', { kind: '503' });
      const answer = await stack.call('/v1/idp/github/api/echo/item', {
        method: 'POST',
        token: stack.token(),
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('content-type')).not.toMatch(/problem\+json/);
      expect(answer.json).toMatchObject({ message: 'Service Unavailable' });
      expect(stack.emulator.count('github.echo')).toBe(1);
      expect(await retries(stack, 'idp')).toBe(0);
    }));

  it('should not retry a POST whose connection dropped: 502 idp_unavailable', () =>
    withStack({}, async (stack) => {
      stack.emulator.fault('github.echo', { kind: 'drop' });
      const answer = await stack.call('/v1/idp/github/api/echo/item', {
        method: 'POST',
        token: stack.token(),
        body: 'x',
      });
      expectProblem(answer, 502, 'idp_unavailable');
      expect(stack.emulator.count('github.echo')).toBe(1);
    }));

  it('should retry a GET once after a dropped connection and succeed', () =>
    withStack({}, async (stack) => {
      stack.emulator.fault('github.user', { kind: 'drop' });
      const answer = await stack.call('/v1/idp/github/profile', { token: stack.token() });
      expect(answer.status).toBe(200);
      expect(stack.emulator.count('github.user')).toBe(2);
    }));

  it('should answer 502 idp_unavailable when a GET drops twice', () =>
    withStack({}, async (stack) => {
      stack.emulator.fault('github.user', { kind: 'drop', times: 2 });
      const answer = await stack.call('/v1/idp/github/profile', { token: stack.token() });
      expectProblem(answer, 502, 'idp_unavailable');
      expect(stack.emulator.count('github.user')).toBe(2);
    }));

  it('should answer 504 upstream_timeout within the timeout when the IdP hangs, and not retry', () =>
    withStack({ UPSTREAM_TIMEOUT_MS: '800' }, async (stack) => {
      // warm the identity cache so the measure covers the IdP call
      expect((await stack.call('/v1/identities', { token: stack.token() })).status).toBe(200);
      stack.emulator.fault('github.user', { kind: 'hang' });
      const started = Date.now();
      const answer = await stack.call('/v1/idp/github/profile', { token: stack.token() });
      const elapsed = Date.now() - started;
      expectProblem(answer, 504, 'upstream_timeout');
      expect(elapsed).toBeLessThan(800 + 500);
      expect(stack.emulator.count('github.user')).toBe(1);
      expect(await retries(stack, 'idp')).toBe(0);
    }));
});

describe('IdP answers that break off', () => {
  it('should answer 504 upstream_timeout when the IdP stops sending midway through its answer', () =>
    withStack({ UPSTREAM_TIMEOUT_MS: '800' }, async (stack) => {
      expect((await stack.call('/v1/identities', { token: stack.token() })).status).toBe(200);
      stack.emulator.fault('github.user', { kind: 'stall-body' });
      const started = Date.now();
      const answer = await stack.call('/v1/idp/github/api/user', { token: stack.token() });
      const elapsed = Date.now() - started;
      expectProblem(answer, 504, 'upstream_timeout');
      expect(answer.text).not.toContain('partial');
      // undici checks its body timeout on a coarse timer: the answer comes within about the timeout
      expect(elapsed).toBeLessThan(800 + 700);
      expect(stack.emulator.count('github.user')).toBe(1);
    }));

  it('should answer 502 idp_unavailable when the connection is lost midway through the answer', () =>
    withStack({}, async (stack) => {
      stack.emulator.fault('github.user', { kind: 'cut-body', times: 2 });
      const profile = await stack.call('/v1/idp/github/profile', { token: stack.token() });
      expectProblem(profile, 502, 'idp_unavailable');
      const api = await stack.call('/v1/idp/github/api/user', { token: stack.token() });
      expectProblem(api, 502, 'idp_unavailable');
      expect(api.json.detail).toBe('github broke off its answer before the end.');
      expect(stack.emulator.count('github.user')).toBe(2);
      // the next call is answered normally
      expect((await stack.call('/v1/idp/github/api/user', { token: stack.token() })).status).toBe(200);
    }));
});

describe('long IdP bodies', () => {
  it('should answer 502 idp_unavailable to a profile answer over 1 MiB, and go on serving', () =>
    withStack({}, async (stack) => {
      const { emulator } = stack;
      // GitHub's /user carries the name twice (name and login): 1.2 MB
      emulator.user(emulator.seed.linked)!.name = 'a'.repeat(600_000);
      const answer = await stack.call('/v1/idp/github/profile', { token: stack.token() });
      expectProblem(answer, 502, 'idp_unavailable');
      expect(answer.json.detail).toBe('The identity provider answered with a larger body than expected.');
      const other = emulator.seed.github;
      const again = await stack.call('/v1/idp/github/profile', { token: stack.token(other) });
      expect([again.status, again.json.name]).toEqual([200, emulator.user(other)!.name]);
    }));

  it('should deliver a 5 MiB body whole although it takes longer than UPSTREAM_TIMEOUT_MS', () =>
    withStack({ UPSTREAM_TIMEOUT_MS: '300' }, async (stack) => {
      const size = 5 * 1024 * 1024;
      const response = await fetch(`${stack.url}/v1/idp/github/api/bytes?n=${size}`, {
        headers: { authorization: `Bearer ${stack.token()}` },
      });
      expect(response.status).toBe(200);
      // read slowly: the body keeps flowing, but in all takes several times the timeout
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let received = 0;
      let others = 0;
      let sinceLastPause = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
        others += value.filter((b) => b !== 0x78).length;
        sinceLastPause += value.length;
        if (sinceLastPause >= 512 * 1024) {
          sinceLastPause = 0;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      expect({ received, others }).toEqual({ received: size, others: 0 });
      expect(stack.emulator.count('github.other')).toBe(1);
    }));
});
