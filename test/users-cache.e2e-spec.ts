/**
 * The Auth0 call budget (docs/replicas-and-redis.md): one management token for everyone, one
 * lookup per user, shared by concurrent requests and reused within the TTL.
 */
import { expectNoSecretLeaked, startStack } from './support/stack';
import type { Stack } from './support/stack';

describe('Management token and user lookups', () => {
  let stack: Stack;

  afterEach(async () => {
    if (stack !== undefined) {
      expectNoSecretLeaked(stack);
      await stack.close();
    }
  });

  it('should make 1 token call and 1 lookup for 200 concurrent requests of one cold user', async () => {
    stack = await startStack();
    const token = stack.token(stack.emulator.seed.linked);
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => stack.call('/v1/identities', { token })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 200 }, () => 200));
    expect(stack.emulator.count('token.client_credentials')).toBe(1);
    expect(stack.emulator.count('users')).toBe(1);
  });

  it('should make 1 token call and 100 lookups for 200 requests over 100 users, and none again within the TTL', async () => {
    stack = await startStack();
    const users = stack.emulator.addUsers(100, { providers: ['github'] });
    const tokens = users.map((sub) => stack.token(sub));
    const burst = async (): Promise<number[]> =>
      (await Promise.all([...tokens, ...tokens].map((token) => stack.call('/v1/identities', { token })))).map(
        (a) => a.status,
      );
    expect(await burst()).toEqual(Array.from({ length: 200 }, () => 200));
    expect(stack.emulator.count('token.client_credentials')).toBe(1);
    expect(stack.emulator.count('users')).toBe(100);
    stack.emulator.resetCounters();
    expect(await burst()).toEqual(Array.from({ length: 200 }, () => 200));
    expect(stack.emulator.count('token.client_credentials')).toBe(0);
    expect(stack.emulator.count('users')).toBe(0);
  });

  it('should get a new management token when the Management API answers 401 once, and still succeed', async () => {
    stack = await startStack();
    const token = stack.token(stack.emulator.seed.github);
    expect((await stack.call('/v1/identities', { token })).status).toBe(200);
    stack.emulator.fault('users', { kind: '401', times: 1 });
    const answer = await stack.call(`/v1/identities`, { token: stack.token(stack.emulator.seed.facebook) });
    expect(answer.status).toBe(200);
    expect(stack.emulator.count('token.client_credentials')).toBe(2);
    expect(stack.emulator.count('users')).toBe(3);
    const bearers = stack.emulator.requests('users').map((r) => r.headers.authorization);
    expect(bearers[1]).toBe(bearers[0]);
    expect(bearers[2]).not.toBe(bearers[1]);
  });

  it('should never reuse a user past its IdP token expiry minus 30 s', async () => {
    // Tokens valid for 31 s: the user may be reused for 1 s only, whatever IDENTITY_CACHE_TTL_S says.
    stack = await startStack({ IDENTITY_CACHE_TTL_S: '600' }, { idpTokenTtlS: 31 });
    const token = stack.token(stack.emulator.seed.github);
    expect((await stack.call('/v1/identities', { token })).status).toBe(200);
    expect((await stack.call('/v1/identities', { token })).status).toBe(200);
    expect(stack.emulator.count('users')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect((await stack.call('/v1/identities', { token })).status).toBe(200);
    expect(stack.emulator.count('users')).toBe(2);
  });

  it('should keep a user whose token it can refresh past that token, refreshing it itself', async () => {
    // Google tokens valid for 31 s, a refresh token and the Google client configured: the entry is
    // not cut at the access token's expiry; the service renews the token before using it.
    stack = await startStack(
      { IDENTITY_CACHE_TTL_S: '600' },
      { idpTokenTtlS: 31, enforceIdpTokenExpiry: true },
    );
    const token = stack.token(stack.emulator.seed.google);
    expect((await stack.call('/v1/idp/google/profile', { token })).status).toBe(200);
    expect(stack.emulator.count('users')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    for (let i = 0; i < 3; i++)
      expect((await stack.call('/v1/idp/google/profile', { token })).status).toBe(200);
    expect({
      lookups: stack.emulator.count('users'),
      refreshes: stack.emulator.count('google.token'),
      // no call with the stale token first
      userinfo: stack.emulator.count('google.userinfo'),
    }).toEqual({ lookups: 1, refreshes: 1, userinfo: 4 });
  });

  it('should look the user up again once IDENTITY_CACHE_TTL_S has passed', async () => {
    stack = await startStack({ IDENTITY_CACHE_TTL_S: '1' });
    const token = stack.token(stack.emulator.seed.facebook);
    await stack.call('/v1/identities', { token });
    await stack.call('/v1/identities', { token });
    expect(stack.emulator.count('users')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await stack.call('/v1/identities', { token });
    expect(stack.emulator.count('users')).toBe(2);
    expect(stack.emulator.count('token.client_credentials')).toBe(1);
  });
});
