/**
 * AUTH0_MGMT_RPS: whatever the burst, no one-second window sees more than twice that many user
 * lookups at Auth0, and nothing is lost: every request gets its answer or 503 auth0_rate_limited
 * with Retry-After. In one process (memory bucket) and across two replicas sharing the bucket in
 * Redis. Concurrent requests of one user share one lookup, so no user is looked up twice.
 */
import type { EmulatorWithExtras } from '../src/sandbox/emulator/emulator.types';
import { parseMetrics } from './support/ops';
import { describeWithRedis, startFleet, stopFleet, uniquePrefix } from './support/redis';
import type { RedisClient, Replica } from './support/redis';
import { expectNoSecretLeaked, startStack } from './support/stack';
import type { Stack } from './support/stack';

const RPS = 2;
const USERS = 30;
/** Short, so most of a burst is refused at once and the test stays quick. */
const TIMEOUT_MS = 5000;
/** The burst's second half arrives this much later, while the first half still waits. */
const SECOND_WAVE_MS = 700;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every user twice, the first half of them now, the rest SECOND_WAVE_MS later. */
async function burst(
  tokens: string[],
  ask: (token: string, i: number) => Promise<Outcome>,
): Promise<Outcome[]> {
  const half = tokens.slice(0, tokens.length / 2);
  const rest = tokens.slice(tokens.length / 2);
  const first = [...half, ...half].map(ask);
  await pause(SECOND_WAVE_MS);
  const second = [...rest, ...rest].map(ask);
  return Promise.all([...first, ...second]);
}

interface Outcome {
  status: number;
  code?: string;
  retryAfter: string | null;
}

/** The most lookups any one-second window (closed at both ends) saw at the emulator. */
function busiestSecond(emulator: EmulatorWithExtras): number {
  const times = emulator
    .requests('users')
    .map((r) => r.at)
    .sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j] - times[i] > 1000) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

/** Every request answered 200, or 503 auth0_rate_limited with a Retry-After of whole seconds ≥ 1. */
function expectNothingLost(outcomes: Outcome[]): void {
  for (const outcome of outcomes) {
    if (outcome.status === 200) continue;
    expect(outcome).toEqual({
      status: 503,
      code: 'auth0_rate_limited',
      retryAfter: expect.stringMatching(/^[1-9]\d*$/),
    });
  }
}

/** Each user's id appears in at most one lookup. */
function expectNoUserLookedUpTwice(emulator: EmulatorWithExtras): void {
  const paths = emulator.requests('users').map((r) => r.path);
  expect(new Set(paths).size).toBe(paths.length);
}

async function outcome(response: Response): Promise<Outcome> {
  const text = await response.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return {
    status: response.status,
    code: response.status === 200 ? undefined : code,
    retryAfter: response.headers.get('retry-after'),
  };
}

describe('Management API budget, one process', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ AUTH0_MGMT_RPS: String(RPS), UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS) });
  });

  afterAll(async () => {
    expectNoSecretLeaked(stack);
    await stack.close();
  });

  it(`should keep every one-second window within ${2 * RPS} lookups under a cold burst of ${USERS} users, twice each`, async () => {
    const users = stack.emulator.addUsers(USERS, { providers: ['github'] });
    stack.emulator.resetCounters();
    const tokens = users.map((sub) => stack.token(sub));
    const answers = await burst(tokens, (token) =>
      fetch(`${stack.url}/v1/identities`, { headers: { authorization: `Bearer ${token}` } }).then(outcome),
    );
    expectNothingLost(answers);
    const served = answers.filter((a) => a.status === 200).length;
    const lookups = stack.emulator.count('users');
    console.log(
      `budget ${RPS}/s, memory: ${answers.length} requests, ${served} served, ${answers.length - served} refused, ` +
        `${lookups} lookups, busiest second ${busiestSecond(stack.emulator)}`,
    );
    expect(busiestSecond(stack.emulator)).toBeLessThanOrEqual(2 * RPS);
    expect(served).toBeGreaterThanOrEqual(2 * RPS);
    expect(served).toBeLessThan(answers.length);
    expectNoUserLookedUpTwice(stack.emulator);

    const metrics = parseMetrics(await (await fetch(`${stack.url}/metrics`)).text());
    expect(metrics.get('idp_proxy_mgmt_budget_refusals_total')).toBeGreaterThan(0);
    expect(metrics.get('idp_proxy_mgmt_budget_wait_seconds_count')).toBeGreaterThanOrEqual(lookups);
    expect(metrics.has('idp_proxy_mgmt_budget_tokens')).toBe(true);
    expect(metrics.get('idp_proxy_mgmt_budget_waiters')).toBe(0);
  });

  it('should serve again once the budget refilled', async () => {
    await pause(1500);
    const user = stack.emulator.addUser({ providers: ['github'] }).user_id;
    expect((await stack.call('/v1/identities', { token: stack.token(user) })).status).toBe(200);
  });
});

describeWithRedis('Management API budget, two replicas sharing Redis', () => {
  const prefix = uniquePrefix('mgmt-budget');
  let emulator: EmulatorWithExtras;
  let replicas: Replica[] = [];
  let redis: RedisClient;

  beforeAll(async () => {
    ({ emulator, replicas, redis } = await startFleet(prefix, {
      AUTH0_MGMT_RPS: String(RPS),
      UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
    }));
  }, 60_000);

  afterAll(() => stopFleet({ replicas, emulator, redis, prefix }));

  it(`should keep every one-second window within ${2 * RPS} lookups for the whole fleet`, async () => {
    const users = emulator.addUsers(USERS, { providers: ['github'] });
    await pause(1000); // the start-up token calls' slots refill
    emulator.resetCounters();
    const tokens = users.map((sub) => emulator.mintToken({ sub }));
    // every user on both replicas at once
    const answers = await burst(tokens, (token, i) =>
      fetch(`${replicas[i % 2].url}/v1/identities`, { headers: { authorization: `Bearer ${token}` } }).then(
        outcome,
      ),
    );
    expectNothingLost(answers);
    const served = answers.filter((a) => a.status === 200).length;
    console.log(
      `budget ${RPS}/s, two replicas + Redis: ${answers.length} requests, ${served} served, ` +
        `${answers.length - served} refused, ${emulator.count('users')} lookups, busiest second ${busiestSecond(emulator)}`,
    );
    expect(busiestSecond(emulator)).toBeLessThanOrEqual(2 * RPS);
    expect(served).toBeGreaterThanOrEqual(2 * RPS);
    expect(served).toBeLessThan(answers.length);
    expectNoUserLookedUpTwice(emulator);
    // one budget for both: together they stay within what one process may do in the timeout
    expect(emulator.count('users')).toBeLessThanOrEqual(RPS + Math.ceil((TIMEOUT_MS / 1000) * RPS) + 1);
  });
});
