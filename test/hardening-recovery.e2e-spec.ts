/**
 * What a user whose IdP token is dead (grant revoked at the IdP, or the user deleted while their
 * access token is still valid) costs the tenant: after one recovery (re-lookup, refresh or Token
 * Vault exchange) ended in idp_token_rejected, or a lookup in user_not_found, the same answer is
 * given for IDP_RECOVERY_INTERVAL_S without any Auth0 or refresh call. Counted at the emulator. Each
 * test has its own stack; none of its answers or log lines holds a secret.
 */
import type { EndpointName } from '../src/sandbox/emulator/emulator.types';
import { expectProblem, startStack } from './support/stack';
import type { Answer, Stack } from './support/stack';
import { describeWithRedis, startFleet, stopFleet, uniquePrefix } from './support/redis';
import type { RedisClient, Replica } from './support/redis';
import type { EmulatorWithExtras } from '../src/sandbox/emulator/emulator.types';

const REQUESTS = 20;
/** "a handful": what one recovery may cost, far below one per request */
const HANDFUL = 3;

async function withLoggedStack(
  env: Record<string, string>,
  run: (stack: Stack) => Promise<void>,
): Promise<void> {
  const lines: string[] = [];
  const stack = await startStack(
    { LOG_LEVEL: 'debug', ...env },
    {},
    { logDestination: { write: (l) => lines.push(l) } },
  );
  try {
    await run(stack);
    const secrets = stack.emulator.secrets();
    expect(secrets.length).toBeGreaterThan(0);
    expect(secrets.filter((s) => stack.answers.some((a) => a.includes(s)))).toEqual([]);
    expect(secrets.filter((s) => lines.some((l) => l.includes(s)))).toEqual([]);
  } finally {
    await stack.close();
  }
}

async function sequential(count: number, send: () => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i++) answers.push(await send());
  return answers;
}

function counts(stack: Stack, ...endpoints: EndpointName[]): Record<string, number> {
  return Object.fromEntries(endpoints.map((e) => [e, stack.emulator.count(e)]));
}

describe('recovery budget for a dead IdP token', () => {
  it(`should cost a handful of Auth0 calls, not ${REQUESTS}, when GitHub keeps refusing a user's token`, () =>
    withLoggedStack({}, async (stack) => {
      const { emulator } = stack;
      const user = emulator.seed.github;
      emulator.expireIdpToken(user, 'github');
      const token = stack.token(user);
      const answers = await sequential(REQUESTS, () => stack.call('/v1/idp/github/api/user', { token }));
      for (const answer of answers) {
        expectProblem(answer, 502, 'idp_token_rejected');
        expect(answer.json.connection).toBe('github');
      }
      const used = counts(stack, 'users', 'github.user');
      console.log(`GitHub, ${REQUESTS} requests with a dead token: ${JSON.stringify(used)}`);
      expect(used.users).toBeLessThanOrEqual(HANDFUL);
      expect(used['github.user']).toBeLessThanOrEqual(HANDFUL);
    }));

  it(`should cost a handful of Auth0 and refresh calls, not ${REQUESTS * 2}, for Google with a refresh token`, () =>
    withLoggedStack({}, async (stack) => {
      const { emulator } = stack;
      const user = emulator.seed.google;
      // the grant was revoked at Google: every token, old or refreshed, is refused
      emulator.fault('google.userinfo', {
        kind: 'answer',
        status: 401,
        body: '{"error":"invalid_token"}',
        times: 1000,
      });
      const token = stack.token(user);
      const answers = await sequential(REQUESTS, () => stack.call('/v1/idp/google/profile', { token }));
      for (const answer of answers) {
        expectProblem(answer, 502, 'idp_token_rejected');
        expect(answer.json.connection).toBe('google-oauth2');
      }
      const used = counts(stack, 'users', 'google.token', 'google.userinfo');
      console.log(`Google with refresh, ${REQUESTS} requests with a dead token: ${JSON.stringify(used)}`);
      expect(used.users).toBeLessThanOrEqual(HANDFUL);
      expect(used['google.token']).toBeLessThanOrEqual(1);
      expect(used['google.userinfo']).toBeLessThanOrEqual(HANDFUL);
    }));

  it(`should cost a handful of Token Vault exchanges, not ${REQUESTS * 2}, when the IdP refuses every vault token`, () =>
    withLoggedStack({ TOKEN_VAULT_PROVIDERS: 'google' }, async (stack) => {
      const { emulator } = stack;
      const user = emulator.seed.vault;
      emulator.fault('google.userinfo', {
        kind: 'answer',
        status: 401,
        body: '{"error":"invalid_token"}',
        times: 1000,
      });
      const token = stack.token(user);
      const answers = await sequential(REQUESTS, () => stack.call('/v1/idp/google/profile', { token }));
      for (const answer of answers) expectProblem(answer, 502, 'idp_token_rejected');
      const used = counts(stack, 'users', 'token.exchange', 'google.userinfo');
      console.log(`Token Vault, ${REQUESTS} requests with a dead token: ${JSON.stringify(used)}`);
      expect(used.users).toBeLessThanOrEqual(HANDFUL);
      expect(used['token.exchange']).toBeLessThanOrEqual(HANDFUL);
      expect(used['google.userinfo']).toBeLessThanOrEqual(HANDFUL);
    }));

  it('should hold the budget for concurrent requests too', () =>
    withLoggedStack({}, async (stack) => {
      const { emulator } = stack;
      const user = emulator.seed.github;
      emulator.expireIdpToken(user, 'github');
      const token = stack.token(user);
      await stack.call('/v1/idp/github/api/user', { token });
      emulator.resetCounters();
      const answers = await Promise.all(
        Array.from({ length: REQUESTS }, () => stack.call('/v1/idp/github/api/user', { token })),
      );
      for (const answer of answers) expectProblem(answer, 502, 'idp_token_rejected');
      expect(counts(stack, 'users', 'github.user')).toEqual({ users: 0, 'github.user': 0 });
    }));

  it('should keep the budget per (user, provider): other providers of the user and other users go on', () =>
    withLoggedStack({}, async (stack) => {
      const { emulator } = stack;
      const linked = emulator.seed.linked;
      emulator.expireIdpToken(linked, 'github');
      const token = stack.token(linked);
      expectProblem(await stack.call('/v1/idp/github/profile', { token }), 502, 'idp_token_rejected');
      expect((await stack.call('/v1/idp/google/profile', { token })).status).toBe(200);
      const other = stack.token(emulator.seed.github);
      expect((await stack.call('/v1/idp/github/profile', { token: other })).status).toBe(200);
    }));

  it('should try again once the interval has passed, and serve a token renewed meanwhile', () =>
    withLoggedStack({ IDP_RECOVERY_INTERVAL_S: '1' }, async (stack) => {
      const { emulator } = stack;
      const user = emulator.seed.github;
      emulator.expireIdpToken(user, 'github');
      const token = stack.token(user);
      expectProblem(await stack.call('/v1/idp/github/profile', { token }), 502, 'idp_token_rejected');
      // the user signs in again at GitHub: a new token in Auth0
      emulator.rotateIdpToken(user, 'github');
      emulator.resetCounters();
      expectProblem(await stack.call('/v1/idp/github/profile', { token }), 502, 'idp_token_rejected');
      expect(emulator.count('users')).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1300));
      const renewed = await stack.call('/v1/idp/github/profile', { token });
      expect(renewed.status).toBe(200);
      expect(emulator.count('users')).toBe(1);
    }));

  it('should let the user in at once after signing in again (a new Auth0 token), not after the interval', () =>
    withLoggedStack({}, async (stack) => {
      const { emulator } = stack;
      const user = emulator.seed.github;
      emulator.expireIdpToken(user, 'github');
      const before = stack.token(user);
      expectProblem(await stack.call('/v1/idp/github/profile', { token: before }), 502, 'idp_token_rejected');
      // the app sends the user to sign in with GitHub again: a new GitHub token in Auth0, a new
      // access token for the app
      emulator.rotateIdpToken(user, 'github');
      const after = stack.token(user);
      emulator.resetCounters();
      const renewed = await stack.call('/v1/idp/github/profile', { token: after });
      expect(renewed.status).toBe(200);
      expect(emulator.count('users')).toBe(1);
      // the old access token still gets the remembered answer, with no Auth0 call
      emulator.resetCounters();
      expectProblem(await stack.call('/v1/idp/github/profile', { token: before }), 502, 'idp_token_rejected');
      expect(emulator.count('users')).toBe(0);
    }));

  it('should recover on every request when IDP_RECOVERY_INTERVAL_S is 0', () =>
    withLoggedStack({ IDP_RECOVERY_INTERVAL_S: '0' }, async (stack) => {
      const { emulator } = stack;
      const user = emulator.seed.github;
      emulator.expireIdpToken(user, 'github');
      const token = stack.token(user);
      await sequential(3, () => stack.call('/v1/idp/github/profile', { token }));
      expect(emulator.count('users')).toBe(4);
    }));
});

describe('recovery budget for a deleted user', () => {
  it(`should look a missing user up a handful of times, not ${REQUESTS}`, () =>
    withLoggedStack({}, async (stack) => {
      const token = stack.emulator.mintToken({ sub: 'github|999999' });
      const answers = await sequential(REQUESTS, () =>
        stack.call(stack.answers.length % 2 === 0 ? '/v1/idp/github/profile' : '/v1/identities', { token }),
      );
      for (const answer of answers) expectProblem(answer, 404, 'user_not_found');
      const used = counts(stack, 'users');
      console.log(`deleted user, ${REQUESTS} requests: ${JSON.stringify(used)}`);
      expect(used.users).toBeLessThanOrEqual(HANDFUL);
    }));
});

describeWithRedis('recovery budget across two replicas sharing Redis', () => {
  const prefix = uniquePrefix('recovery');
  let emulator: EmulatorWithExtras;
  let replicas: Replica[] = [];
  let redis: RedisClient;

  beforeAll(async () => {
    ({ emulator, replicas, redis } = await startFleet(prefix));
  }, 60_000);

  afterAll(() => stopFleet({ replicas, emulator, redis, prefix }));

  it('should answer from the budget on the other replica with no Auth0 call', async () => {
    const user = emulator.seed.github;
    emulator.expireIdpToken(user, 'github');
    const token = emulator.mintToken({ sub: user });
    const [first, second] = replicas;
    // both know the user (and Redis has not got the budget yet)
    expect((await second.get('/v1/identities', token)).status).toBe(200);
    expect((await first.get('/v1/idp/github/profile', token)).json?.code).toBe('idp_token_rejected');
    emulator.resetCounters();
    const answers = [];
    for (let i = 0; i < REQUESTS; i++)
      answers.push(await replicas[i % 2].get('/v1/idp/github/profile', token));
    expect(answers.map((a) => a.json?.code)).toEqual(
      Array.from({ length: REQUESTS }, () => 'idp_token_rejected'),
    );
    expect({ users: emulator.count('users'), github: emulator.count('github.user') }).toEqual({
      users: 0,
      github: 0,
    });
    const secrets = emulator.secrets();
    const seen = [...answers.map((a) => a.text), ...replicas.map((r) => r.process.output())];
    expect(secrets.filter((s) => seen.some((text) => text.includes(s)))).toEqual([]);
  });
});
