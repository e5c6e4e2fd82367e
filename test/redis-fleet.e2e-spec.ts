/**
 * Two replicas (`node dist/main.js`) sharing one Redis under a prefix of this test's own: a cold
 * burst of 200 requests split over both costs Auth0 one client-credentials call and one user
 * lookup for the whole fleet, and what they leave in Redis names no user and holds no token in
 * plaintext.
 */
import type { EmulatorWithExtras } from '../src/sandbox/emulator/emulator.types';
import { startFleet, stopFleet, describeWithRedis, scanPrefix, uniquePrefix } from './support/redis';
import type { RedisClient, Replica } from './support/redis';

const REQUESTS = 200;

describeWithRedis('Shared Redis cache: two replicas', () => {
  const prefix = uniquePrefix('fleet');
  let emulator: EmulatorWithExtras;
  let replicas: Replica[] = [];
  let redis: RedisClient;
  /** client-credentials calls while both replicas started (each asks for a token before serving) */
  let startupTokenCalls = 0;

  beforeAll(async () => {
    ({ emulator, replicas, redis } = await startFleet(prefix));
    startupTokenCalls = emulator.count('token.client_credentials');
  }, 60_000);

  afterAll(() => stopFleet({ replicas, emulator, redis, prefix }));

  it('should share one management token from start-up and look the user up once for 200 cold requests over both', async () => {
    expect(startupTokenCalls).toBe(1);
    const user = emulator.seed.linked;
    const token = emulator.mintToken({ sub: user });
    emulator.resetCounters();

    const answers = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) => replicas[i % 2].get('/v1/idp/github/api/user', token)),
    );

    const counts = {
      clientCredentials: emulator.count('token.client_credentials'),
      userLookups: emulator.count('users'),
      githubCalls: emulator.count('github.user'),
    };
    console.log(
      `two replicas, ${REQUESTS} cold concurrent requests: ${counts.clientCredentials} client-credentials call(s), ` +
        `${counts.userLookups} user lookup(s), ${counts.githubCalls} GitHub calls`,
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: REQUESTS }, () => 200));
    expect(new Set(answers.map((a) => a.json?.login)).size).toBe(1);
    expect(counts).toEqual({ clientCredentials: 0, userLookups: 1, githubCalls: REQUESTS });
    // One replica looked the user up; the other one waited and took its answer from Redis.
    const metrics = await Promise.all(replicas.map((replica) => replica.metrics()));
    const lookups = metrics.map(
      (m) => m.get('idp_proxy_upstream_requests_total{target="auth0_user",status="200"}') ?? 0,
    );
    expect([...lookups].sort()).toEqual([0, 1]);
    const waiter = metrics[lookups.indexOf(0)];
    expect(waiter.get('idp_proxy_cache_total{kind="user",result="hit"}')).toBe(REQUESTS / 2);
  }, 60_000);

  it('should refresh an expired Google token once for the fleet', async () => {
    const user = emulator.seed.google;
    const token = emulator.mintToken({ sub: user });
    // Both replicas know the user and its (still working) token.
    for (const replica of replicas)
      expect((await replica.get('/v1/idp/google/profile', token)).status).toBe(200);
    emulator.expireIdpToken(user, 'google');
    emulator.resetCounters();

    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => replicas[i % 2].get('/v1/idp/google/profile', token)),
    );

    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(emulator.count('google.token')).toBe(1);
  }, 60_000);

  it('should leave only encrypted values under hashed keys in Redis: no token, secret, user id or e-mail', async () => {
    const entries = await scanPrefix(redis, prefix);
    const keys = [...entries.keys()];
    // The management token and the user, no lock left behind.
    expect(keys.some((k) => k.startsWith(`${prefix}management_token:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${prefix}user:`))).toBe(true);
    for (const key of keys) {
      expect(key.slice(prefix.length)).toMatch(/^(management_token|user|idp_token):[A-Za-z0-9_-]{32}$/);
    }
    for (const value of entries.values()) expect(value).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);

    const user = emulator.user(emulator.seed.linked)!;
    const secrets = [
      ...emulator.secrets(),
      emulator.managementClient.clientSecret,
      emulator.tokenVaultClient.clientSecret,
      emulator.googleClient.clientSecret,
      emulator.facebookAppSecret,
      ...user.identities.flatMap((i) => [i.access_token, i.refresh_token]).filter((t) => t !== undefined),
    ];
    expect(secrets.length).toBeGreaterThan(4);
    const everything = [...keys, ...entries.values()].join('\n');
    const decoded = [...entries.values()]
      .flatMap((v) => v.split('.').map((part) => Buffer.from(part, 'base64url').toString('latin1')))
      .join('\n');
    expect(secrets.filter((secret) => everything.includes(secret) || decoded.includes(secret))).toEqual([]);
    const names = [
      user.user_id,
      encodeURIComponent(user.user_id),
      user.email,
      ...user.identities.map((i) => String(i.user_id)),
    ];
    expect(names.filter((name) => keys.some((key) => key.includes(name)))).toEqual([]);
  });
});
