/**
 * Encryption keys of the shared cache, with replicas sharing one Redis prefix: a replica holding
 * another key reads the others' entries as misses (no garbage, no crash, right answers) and fetches
 * again; after a rotation (new CACHE_ENCRYPTION_KEY, the old one as CACHE_ENCRYPTION_KEY_PREVIOUS)
 * entries written under the old key are still read, and written again under the new one.
 */
import { createHash } from 'node:crypto';
import { startEmulator } from '../src/sandbox/emulator/emulator';
import type { EmulatorWithExtras } from '../src/sandbox/emulator/emulator.types';
import {
  REDIS_URL,
  connectRedis,
  stopFleet,
  describeWithRedis,
  newEncryptionKey,
  scanPrefix,
  startReplica,
  uniquePrefix,
  waitFor,
} from './support/redis';
import type { RedisClient, Replica } from './support/redis';

function keyId(base64: string): string {
  return createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex').slice(0, 8);
}

describeWithRedis('Shared Redis cache: encryption keys', () => {
  const prefix = uniquePrefix('keys');
  const oldKey = newEncryptionKey();
  const otherKey = newEncryptionKey();
  let emulator: EmulatorWithExtras;
  let redis: RedisClient;
  const replicas: Replica[] = [];

  async function replica(env: Record<string, string>): Promise<Replica> {
    const started = await startReplica(emulator, {
      REDIS_URL: REDIS_URL as string,
      REDIS_KEY_PREFIX: prefix,
      ...env,
    });
    replicas.push(started);
    return started;
  }

  /** The key ids of every value under the prefix. */
  async function keyIds(): Promise<string[]> {
    const values = [...(await scanPrefix(redis, prefix)).values()];
    return [...new Set(values.map((value) => value.split('.')[1]))];
  }

  beforeAll(async () => {
    redis = await connectRedis(REDIS_URL as string);
    emulator = await startEmulator();
  });

  afterAll(() => stopFleet({ replicas, emulator, redis, prefix }));

  it('should refetch on a replica with another key and read old entries after a rotation', async () => {
    const user = emulator.seed.github;
    const token = emulator.mintToken({ sub: user });
    const expected = { provider: 'github', id: '2002' };

    // A replica with the old key fills Redis (its management token at start-up, the user on the call).
    emulator.resetCounters();
    const first = await replica({ CACHE_ENCRYPTION_KEY: oldKey });
    const a = await first.get('/v1/idp/github/profile', token);
    expect({ status: a.status, ...a.json }).toMatchObject({ status: 200, ...expected });
    expect({ token: emulator.count('token.client_credentials'), users: emulator.count('users') }).toEqual({
      token: 1,
      users: 1,
    });
    expect(await keyIds()).toEqual([keyId(oldKey)]);

    // Another key: every entry is a miss, so it fetches both again (the token at start-up, and once
    // more if its request came before that token's write reached Redis), and answers right.
    const wrong = await replica({ CACHE_ENCRYPTION_KEY: otherKey });
    const b = await wrong.get('/v1/idp/github/profile', token);
    expect({ status: b.status, ...b.json }).toMatchObject({ status: 200, ...expected });
    const tokenCalls = emulator.count('token.client_credentials');
    expect(tokenCalls === 2 || tokenCalls === 3).toBe(true);
    expect(emulator.count('users')).toBe(2);
    const metrics = await wrong.metrics();
    expect(metrics.get('idp_proxy_cache_undecryptable_total{reason="unknown_key"}')).toBeGreaterThanOrEqual(
      2,
    );
    expect(await keyIds()).toEqual([keyId(otherKey)]); // it wrote its own entries over them

    // Rotation: the new key, with the one those entries were written under as the previous key.
    const rotatedKey = newEncryptionKey();
    const rotated = await replica({
      CACHE_ENCRYPTION_KEY: rotatedKey,
      CACHE_ENCRYPTION_KEY_PREVIOUS: otherKey,
    });
    const c = await rotated.get('/v1/idp/github/profile', token);
    expect({ status: c.status, ...c.json }).toMatchObject({ status: 200, ...expected });
    expect({ token: emulator.count('token.client_credentials'), users: emulator.count('users') }).toEqual({
      token: tokenCalls,
      users: 2,
    });
    expect((await rotated.metrics()).get('idp_proxy_cache_total{kind="user",result="hit"}')).toBe(1);
    // A user it has not seen: one lookup, with the management token read under the previous key.
    const [newcomer] = emulator.addUsers(1, { providers: ['github'] });
    const d = await rotated.get('/v1/idp/github/profile', emulator.mintToken({ sub: newcomer }));
    expect({ status: d.status, provider: d.json?.provider }).toEqual({ status: 200, provider: 'github' });
    expect({ token: emulator.count('token.client_credentials'), users: emulator.count('users') }).toEqual({
      token: tokenCalls,
      users: 3,
    });
    // What it read under the previous key is stored again under the new one (in the background).
    await waitFor('every entry under the new key', async () => {
      const ids = await keyIds();
      return ids.length === 1 && ids[0] === keyId(rotatedKey);
    });
  }, 90_000);
});
