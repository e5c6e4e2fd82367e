/**
 * The default run: the floor, the reference proxy, proxy warm and proxy many under load in
 * alternating rounds, then the one-connection latency check, the cold burst and the Redis check;
 * report.ts judges and prints the figures.
 */
import type { Args } from './args';
import { COLD_REQUESTS, coldBurst } from './cold-burst';
import { pairedRounds } from './compare';
import { DIST, PROXY_PATH } from './paths';
import { heapOf, memoryOf } from './probes';
import { startRedis } from './redis';
import type { RedisHandle } from './redis';
import { reportBenchmark } from './report';
import type { RedisPairs } from './report';
import { load, runRounds, summarize, unloadedLatency } from './runner';
import { startService, stopService } from './service';
import type { ServiceHandle } from './service';
import { benchTargets, expectOk } from './targets';
import type { Target } from './targets';
import { startReference } from './upstreams';
import type { EmulatorHandle } from './upstreams';

export async function benchmark(args: Args, emulator: EmulatorHandle): Promise<void> {
  const { ready } = emulator;
  const ttl = 3600;
  console.log(
    `bench: service gets IDENTITY_CACHE_TTL_S=${ttl} (above the run time), LOG_LEVEL=${args.logLevel}, node flags: ${args.nodeFlags.join(' ') || 'none'}`,
  );
  const service = await startService(ready.env, { IDENTITY_CACHE_TTL_S: String(ttl) });
  const reference = await startReference(ready);
  const redis = await startRedisService(ready.env, ttl, ready.warmToken);
  const proxyUrl = `${service.url}${PROXY_PATH}`;
  await expectOk(ready.floorUrl, ready.floorToken);
  await expectOk(reference.url, 'unused');
  await expectOk(proxyUrl, ready.warmToken);
  await expectOk(proxyUrl, ready.manyTokens[0]);

  const targets = benchTargets(emulator, args.connections, reference, service, redis);
  await warmUp(targets, ready.manyTokens.length);
  const rounds = await runRounds(targets, args, emulator);
  const unloaded = await unloadedLatency(
    [
      { name: 'floor', url: ready.floorUrl, token: ready.floorToken },
      { name: 'reference', url: reference.url, token: 'unused' },
      { name: 'proxyWarm', url: proxyUrl, token: ready.warmToken },
    ],
    args.rounds,
  );
  const memory = memoryOf(service.proc.pid ?? 0);
  const heap = await heapOf(service.url);
  const logLines = service.logLines();
  if (logLines > 0)
    console.log(`bench: the service logged ${logLines} lines under load; last:\n${service.logTail()}`);
  await stopService(service);
  reference.proc.kill('SIGTERM');
  if (redis) {
    await stopService(redis.service);
    redis.redis.proc.kill('SIGTERM');
  }

  console.log(
    `bench: cold burst, ${COLD_REQUESTS} concurrent first requests from ${ready.coldTokens.length} users`,
  );
  const cold = await coldBurst(emulator, ready.env);
  const redisPairs = redis ? await redisCheck(args, emulator) : undefined;
  const manyUsers = ready.manyTokens.length;
  reportBenchmark({
    args,
    ttl,
    manyUsers,
    targets,
    rounds,
    unloaded,
    memory,
    heap,
    logLines,
    cold,
    redisPairs,
  });
}

/** Process pairs of the Redis check: enough that no one process's placement decides the ratio. */
const REDIS_PAIRS = 3;

/**
 * The Redis goal's CPU ratio, last: proxy warm without and with REDIS_URL over REDIS_PAIRS fresh
 * process pairs, 2 rounds × 3 s each (compare.ts's pairs, pinned). The rounds above have one
 * process of each, and one process of a build can run ~10 % apart from another of the same build
 * for its whole life, as much as the goal's margin.
 */
async function redisCheck(args: Args, emulator: EmulatorHandle): Promise<RedisPairs | undefined> {
  const redis = await startRedis();
  if (redis === undefined) return undefined;
  console.log(`bench: Redis check, ${REDIS_PAIRS} process pairs without and with REDIS_URL`);
  const checkArgs: Args = { ...args, rounds: 2, duration: 3, compareNodeFlags: undefined };
  const { targets, rounds } = await pairedRounds(checkArgs, emulator, DIST, redis, REDIS_PAIRS);
  redis.proc.kill('SIGTERM');
  return {
    pairs: REDIS_PAIRS,
    without: summarize(targets[0].label, rounds.this),
    withRedis: summarize(targets[1].label, rounds.other),
  };
}

/** Warm-up: JIT, keep-alive sockets, management token, every bench user's identities. */
async function warmUp(targets: readonly Target[], manyUsers: number): Promise<void> {
  process.stdout.write('bench: warming up');
  await load({ ...targets[0].options(), duration: 2 });
  await load({ ...targets[1].options(), duration: 2 });
  await load({ ...targets[2].options(), duration: 2 });
  await load({ ...targets[3].options(), amount: manyUsers });
  await load({ ...targets[3].options(), duration: 2 });
  if (targets[4]) await load({ ...targets[4].options(), duration: 2 });
  console.log(' done');
}

/**
 * A second service with REDIS_URL (a private redis-server, so its command counts are this
 * service's alone) and a cache encryption key: the two-tier cache on the same warm path. Skipped,
 * with a note, where no redis-server is installed.
 */
async function startRedisService(
  env: Record<string, string>,
  ttl: number,
  token: string,
): Promise<{ service: ServiceHandle; redis: RedisHandle; redisUrl: string } | undefined> {
  const redis = await startRedis();
  if (redis === undefined) {
    console.log('bench: no redis-server on PATH: the Redis run is skipped');
    return undefined;
  }
  const service = await startService(env, { IDENTITY_CACHE_TTL_S: String(ttl), ...redis.env });
  await expectOk(`${service.url}${PROXY_PATH}`, token);
  return { service, redis, redisUrl: redis.url };
}
