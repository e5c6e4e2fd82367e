/**
 * CacheService over the real Redis of REDIS_URL (skipped, saying so, without it): two instances
 * stand for two replicas sharing one prefix. Loaders are the only fakes: they count their calls.
 */
import { Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { parseConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { CacheService } from './cache.service';
import { MemoryTier } from './memory-tier';
import type { Loaded } from './cache.service';
import { RedisStore } from './redis-store';

const REDIS_URL = (process.env.REDIS_URL ?? '').trim() || undefined;

interface Replica {
  cache: CacheService;
  store: RedisStore;
  metrics: MetricsService;
}

function replica(redisUrl: string, prefix: string, key: string): Replica {
  const config = parseConfig({
    AUTH0_DOMAIN: 'http://127.0.0.1:9',
    AUTH0_AUDIENCE: 'https://idp-proxy.test/api',
    AUTH0_CLIENT_ID: 'client',
    AUTH0_CLIENT_SECRET: 'secret',
    UPSTREAM_TIMEOUT_MS: '3000',
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    CACHE_ENCRYPTION_KEY: key,
  });
  const metrics = new MetricsService();
  const store = new RedisStore(config, metrics);
  store.onModuleInit();
  return { cache: new CacheService(new MemoryTier(), metrics, config, store), store, metrics };
}

async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function counting<T>(
  value: () => T,
  delayMs = 100,
): { loader: () => Promise<Loaded<T>>; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    loader: async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { value: value(), ttlMs: 60_000 };
    },
  };
}

// The store's warnings about an unreachable Redis are expected here.
Logger.overrideLogger(false);

if (REDIS_URL === undefined) {
  process.stderr.write(`${CacheService.name} with Redis: skipped, REDIS_URL is not set (.ci/run sets it)\n`);
}
const describeWithRedis = REDIS_URL === undefined ? describe.skip : describe;

describeWithRedis(`${CacheService.name} with Redis`, () => {
  const key = randomBytes(32).toString('base64');
  let prefix: string;
  let a: Replica;
  let b: Replica;

  beforeEach(async () => {
    prefix = `idp-proxy-test:unit:${randomUUID().slice(0, 8)}:`;
    [a, b] = [replica(REDIS_URL!, prefix, key), replica(REDIS_URL!, prefix, key)];
    await until(
      async () =>
        (await a.store.check()).redis.status === 'up' && (await b.store.check()).redis.status === 'up',
    );
  });

  afterEach(() => {
    a.store.onApplicationShutdown();
    b.store.onApplicationShutdown();
  });

  describe('getOrLoad', () => {
    it('should load once for concurrent callers on two replicas', async () => {
      const load = counting(() => 'value');
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 === 0 ? a : b).cache.getOrLoad('user', 'u1', load.loader),
        ),
      );
      expect(load.calls()).toBe(1);
      expect(new Set(results)).toEqual(new Set(['value']));
    });

    it('should share one fresh load across replicas and never answer the value cached before it', async () => {
      const old = counting(() => 'old', 0);
      await a.cache.getOrLoad('user', 'u2', old.loader);
      await b.cache.getOrLoad('user', 'u2', old.loader);
      expect(old.calls()).toBe(1);

      let n = 0;
      const renewed = counting(() => `new-${(n += 1)}`);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? a : b).cache.getOrLoad('user', 'u2', renewed.loader, { fresh: true }),
        ),
      );
      expect(renewed.calls()).toBe(1);
      expect(new Set(results)).toEqual(new Set(['new-1']));
      // And the plain reads of both replicas see it.
      expect(await a.cache.get('user', 'u2')).toBe('new-1');
      await until(async () => (await b.cache.get('user', 'u2')) === 'new-1');
    });

    it('should release the lock when the loader fails, and pass the failure on', async () => {
      await expect(
        a.cache.getOrLoad('user', 'u3', () => Promise.reject(new Error('upstream down'))),
      ).rejects.toThrow('upstream down');
      const load = counting(() => 'later', 0);
      await expect(b.cache.getOrLoad('user', 'u3', load.loader)).resolves.toBe('later');
      expect(load.calls()).toBe(1);
    });
  });

  describe('exclusive', () => {
    it('should run the work on one replica at a time, the others after it, seeing what it stored', async () => {
      let refreshes = 0;
      let running = 0;
      let overlapped = false;
      // As the refresh of an IdP token: look for a result first, else do the work and store it.
      const refresh = (replica: Replica) => async (): Promise<string> => {
        running += 1;
        overlapped ||= running > 1;
        try {
          const done = await replica.cache.get<string>('idp_token', 'r1');
          if (done !== undefined) return done;
          refreshes += 1;
          await new Promise((resolve) => setTimeout(resolve, 100));
          await replica.cache.set('idp_token', 'r1', 'refreshed', 60_000);
          return 'refreshed';
        } finally {
          running -= 1;
        }
      };
      expect(await b.cache.get('idp_token', 'r1')).toBeUndefined(); // b now believes it absent
      const results = await Promise.all([
        a.cache.exclusive('idp_token', 'r1', refresh(a)),
        b.cache.exclusive('idp_token', 'r1', refresh(b)),
      ]);
      expect(results).toEqual(['refreshed', 'refreshed']);
      expect({ refreshes, overlapped }).toEqual({ refreshes: 1, overlapped: false });
    });
  });

  describe('set / delete', () => {
    it("should replace or drop the other replicas' memory copies", async () => {
      const first = counting(() => 'v1', 0);
      await a.cache.getOrLoad('idp_token', 't1', first.loader);
      await expect(b.cache.getOrLoad('idp_token', 't1', first.loader)).resolves.toBe('v1');
      expect(first.calls()).toBe(1);

      await a.cache.set('idp_token', 't1', 'v2', 60_000);
      await until(async () => (await b.cache.get('idp_token', 't1')) === 'v2');

      await b.cache.delete('idp_token', 't1');
      await until(async () => (await a.cache.get('idp_token', 't1')) === undefined);
    });

    it('should ask Redis once for a key it found absent, however often the key is read', async () => {
      const reads = jest.spyOn(b.store, 'read');
      for (let i = 0; i < 200; i += 1) expect(await b.cache.get('idp_token', 't3')).toBeUndefined();
      expect(reads).toHaveBeenCalledTimes(1);
      await a.cache.set('idp_token', 't3', 'v', 60_000);
      await until(async () => (await b.cache.get('idp_token', 't3')) === 'v');
      expect(reads).toHaveBeenCalledTimes(2);
    });

    it("should see another replica's write to a key it found absent", async () => {
      expect(await b.cache.get('idp_token', 't2')).toBeUndefined();
      await a.cache.set('idp_token', 't2', 'v', 60_000);
      await until(async () => (await b.cache.get('idp_token', 't2')) === 'v');
    });
  });
});

describe(`${CacheService.name} with an unreachable Redis`, () => {
  it('should work from memory and count the fallbacks', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    const alone = replica(
      `redis://127.0.0.1:${port}`,
      'idp-proxy-test:none:',
      randomBytes(32).toString('base64'),
    );
    try {
      const load = counting(() => 'local', 0);
      await expect(alone.cache.getOrLoad('user', 'u', load.loader)).resolves.toBe('local');
      await expect(alone.cache.getOrLoad('user', 'u', load.loader)).resolves.toBe('local');
      expect(load.calls()).toBe(1);
      await alone.cache.set('idp_token', 't', 'x', 60_000);
      await expect(alone.cache.get('idp_token', 't')).resolves.toBe('x');
      await alone.cache.delete('idp_token', 't');
      await expect(alone.cache.get('idp_token', 't')).resolves.toBeUndefined();
      expect((await alone.store.check()).redis.status).toBe('down');
      expect(
        (await alone.metrics.registry.getSingleMetric('idp_proxy_redis_unavailable_total')?.get())?.values[0]
          .value,
      ).toBeGreaterThan(0);
    } finally {
      alone.store.onApplicationShutdown();
    }
  });
});
