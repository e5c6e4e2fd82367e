/**
 * Redis is never a dependency: a replica whose Redis is down at start-up starts and serves from
 * memory; one whose Redis dies mid-run keeps answering, says `degraded` on /health/ready (still
 * 200) and counts it; once Redis is back it is used again. The Redis here is a redis-server this
 * test starts, kills and restarts on its own port.
 */
import { startEmulator } from '../src/sandbox/emulator/emulator';
import type { EmulatorWithExtras } from '../src/sandbox/emulator/emulator.types';
import {
  connectRedis,
  describeWithRedis,
  newEncryptionKey,
  scanPrefix,
  startRedisServer,
  startReplica,
  uniquePrefix,
  waitFor,
} from './support/redis';
import type { RedisServer, Replica } from './support/redis';
import { freePort } from './support/sandbox-process';

const UNAVAILABLE = 'idp_proxy_redis_unavailable_total';

async function userKeys(url: string, prefix: string): Promise<string[]> {
  const client = await connectRedis(url);
  try {
    return [...(await scanPrefix(client, prefix)).keys()].filter((k) => k.startsWith(`${prefix}user:`));
  } finally {
    client.destroy();
  }
}

describeWithRedis('Shared Redis cache: Redis faults', () => {
  let emulator: EmulatorWithExtras;

  beforeAll(async () => {
    emulator = await startEmulator();
  });

  afterAll(async () => {
    await emulator?.close();
  });

  /** GitHub profile of a new user: a cold lookup the replica writes to Redis when it can. */
  async function profileOfNewUser(replica: Replica): Promise<number> {
    const [user] = emulator.addUsers(1, { providers: ['github'] });
    const answer = await replica.get('/v1/idp/github/profile', emulator.mintToken({ sub: user }));
    expect(answer.json).toMatchObject({ provider: 'github' });
    return answer.status;
  }

  describe('down at start-up', () => {
    let replica: Replica;

    beforeAll(async () => {
      const nothing = await freePort();
      replica = await startReplica(emulator, {
        REDIS_URL: `redis://127.0.0.1:${nothing}`,
        REDIS_KEY_PREFIX: uniquePrefix('faults-start'),
        CACHE_ENCRYPTION_KEY: newEncryptionKey(),
      });
    }, 60_000);

    afterAll(async () => {
      await replica?.stop();
    });

    it('should start, be ready but degraded, serve from memory and count the fallback', async () => {
      const ready = await replica.get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.json).toMatchObject({
        status: 'ok',
        degraded: true,
        details: { jwks: { status: 'up' }, redis: { status: 'down' } },
      });

      const before = (await replica.metrics()).get(UNAVAILABLE) ?? 0;
      emulator.resetCounters();
      expect(await profileOfNewUser(replica)).toBe(200);
      expect(await profileOfNewUser(replica)).toBe(200);
      // the management token fetched at start-up, kept in memory
      expect(emulator.count('token.client_credentials')).toBe(0);
      expect((await replica.metrics()).get(UNAVAILABLE)).toBeGreaterThan(before);
    });
  });

  describe('lost while serving, then back', () => {
    let redis: RedisServer;
    let replica: Replica;
    const prefix = uniquePrefix('faults');

    beforeAll(async () => {
      redis = await startRedisServer();
      replica = await startReplica(emulator, {
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: prefix,
        CACHE_ENCRYPTION_KEY: newEncryptionKey(),
      });
    }, 60_000);

    afterAll(async () => {
      await replica?.stop();
      await redis?.kill();
    });

    it('should keep answering from memory, report degraded, and use Redis again once it is back', async () => {
      const ready = await replica.get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.json.details.redis).toEqual({ status: 'up' });
      expect(ready.json.degraded).toBeUndefined();

      const [known] = emulator.addUsers(1, { providers: ['github'] });
      const knownToken = emulator.mintToken({ sub: known });
      expect((await replica.get('/v1/idp/github/profile', knownToken)).status).toBe(200);
      expect(await userKeys(redis.url, prefix)).toHaveLength(1);
      const before = (await replica.metrics()).get(UNAVAILABLE) ?? 0;

      // A burst in flight while Redis dies.
      const burst = Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? replica.get('/v1/idp/github/profile', knownToken)
          : profileOfNewUser(replica).then((status) => ({ status })),
      );
      await redis.kill();
      expect((await Promise.all(burst)).map((a) => a.status)).toEqual(burst.map(() => 200));

      // Redis gone: still answering, known user from memory, new users looked up.
      emulator.resetCounters();
      expect((await replica.get('/v1/idp/github/profile', knownToken)).status).toBe(200);
      expect(emulator.count('users')).toBe(0);
      for (let i = 0; i < 3; i += 1) expect(await profileOfNewUser(replica)).toBe(200);
      expect(emulator.count('users')).toBe(3);

      const degraded = await replica.get('/health/ready');
      expect(degraded.status).toBe(200);
      expect(degraded.json).toMatchObject({
        status: 'ok',
        degraded: true,
        details: { redis: { status: 'down' } },
      });
      expect(degraded.json.error.redis).toMatchObject({ status: 'down', message: expect.any(String) });
      expect((await replica.metrics()).get(UNAVAILABLE)).toBeGreaterThan(before);

      // Back (empty: nothing was saved): ready without degraded, and new entries land in it.
      await redis.restart();
      await waitFor('readiness without degraded', async () => {
        const answer = await replica.get('/health/ready');
        return (
          answer.status === 200 &&
          answer.json.degraded === undefined &&
          answer.json.details.redis.status === 'up'
        );
      });
      expect(await userKeys(redis.url, prefix)).toHaveLength(0);
      expect(await profileOfNewUser(replica)).toBe(200);
      expect(await userKeys(redis.url, prefix)).toHaveLength(1);
    }, 60_000);

    it('should keep answering while Redis stalls (commands time out), then use it again', async () => {
      const [known] = emulator.addUsers(1, { providers: ['github'] });
      const knownToken = emulator.mintToken({ sub: known });
      expect((await replica.get('/v1/idp/github/profile', knownToken)).status).toBe(200);
      const keysBefore = (await userKeys(redis.url, prefix)).length;
      const before = (await replica.metrics()).get(UNAVAILABLE) ?? 0;

      redis.pause();
      try {
        const answers = await Promise.all([
          replica.get('/v1/idp/github/profile', knownToken),
          ...Array.from({ length: 5 }, () => profileOfNewUser(replica).then((status) => ({ status }))),
        ]);
        expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
        const ready = await replica.get('/health/ready');
        expect(ready.status).toBe(200);
        expect(ready.json).toMatchObject({ degraded: true, details: { redis: { status: 'down' } } });
        expect((await replica.metrics()).get(UNAVAILABLE)).toBeGreaterThan(before);
      } finally {
        redis.resume();
      }

      await waitFor('readiness without degraded', async () => {
        const answer = await replica.get('/health/ready');
        return answer.status === 200 && answer.json.degraded === undefined;
      });
      expect(await profileOfNewUser(replica)).toBe(200);
      expect((await userKeys(redis.url, prefix)).length).toBeGreaterThan(keysBefore);
    }, 60_000);
  });
});
