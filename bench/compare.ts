/**
 * `--compare <dir>`: this build's proxy warm against another build's (a copy of an earlier
 * dist/, or `dist` with other Node flags), alternating rounds, one upstream process for both.
 * Prints a markdown table; writes no file.
 */
import type { Args } from './args';
import { DIST } from './paths';
import { memoryOf } from './probes';
import type { Memory } from './probes';
import { checkAndWarm, runRounds, summarize } from './runner';
import type { RoundFigures } from './runner';
import { startService, stopService } from './service';
import type { ServiceHandle } from './service';
import { startRedis } from './redis';
import type { RedisHandle } from './redis';
import { compareTargets } from './targets';
import type { Target } from './targets';
import { pinToCore } from './upstreams';
import type { EmulatorHandle } from './upstreams';

export async function compare(args: Args, emulator: EmulatorHandle, otherDist: string): Promise<void> {
  // `--redis`: the other side gets REDIS_URL (a private redis-server) and counts its commands.
  const redis = args.redis ? await startRedis() : undefined;
  if (args.redis && redis === undefined) throw new Error('--redis: no redis-server on PATH');
  const { targets, rounds, memory } = await pairedRounds(args, emulator, otherDist, redis, args.restarts);
  redis?.proc.kill('SIGTERM');
  console.log(
    [
      '',
      '| proxy warm | req/s | p50 (ms) | p99 (ms) | CPU µs / req (median) | RSS at end | RSS peak | Redis commands / req |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...targets.map((t, i) => {
        const f = summarize(t.label, rounds[t.name as keyof PairedRounds['rounds']]);
        return `| ${f.label} | ${f.reqPerSec} | ${f.p50} | ${f.p99} | ${f.cpuUsPerReq} | ${memory[i].rssMb} MB | ${memory[i].peakMb} MB | ${f.redisCommandsPerReq ?? '–'} |`;
      }),
    ].join('\n'),
  );
}

export interface PairedRounds {
  /** `this` and `other`, as the last pair ran them */
  targets: Target[];
  /** every pair's rounds, per side */
  rounds: Record<'this' | 'other', RoundFigures[]>;
  /** the last pair's memory, per side */
  memory: Memory[];
}

/**
 * Proxy warm of this build against `otherDist` (with REDIS_URL when `redis` is given), alternating
 * rounds, over `pairs` fresh process pairs started in alternating order. Left to the scheduler, the
 * side started first ran ~25 % slower in an A/A check (same build both sides), round after round:
 * where the processes landed decided. So each side runs alone on core 1, and this process
 * (autocannon) and the upstreams share core 0 from now on. Even pinned, one process of a build can
 * run ~10 % apart from another of the same build for its whole life (A/A: 162 vs 178 µs/req): hence
 * fresh pairs, and medians over all their rounds.
 */
export async function pairedRounds(
  args: Args,
  emulator: EmulatorHandle,
  otherDist: string,
  redis: RedisHandle | undefined,
  pairs: number,
): Promise<PairedRounds> {
  const { ready } = emulator;
  pinToCore(process.pid, 0);
  pinToCore(emulator.child.pid ?? 0, 0);
  const rounds: PairedRounds['rounds'] = { this: [], other: [] };
  let targets: Target[] = [];
  let memory: Memory[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    if (pairs > 1) console.log(`bench: process pair ${pair + 1}/${pairs}`);
    const builds = await startBuilds(args, ready.env, otherDist, redis, pair % 2 === 1);
    targets = compareTargets(args, emulator, builds, otherDist);
    await checkAndWarm(targets, ready.warmToken, 3);
    const pairRounds = await runRounds(targets, args, emulator);
    rounds.this.push(...pairRounds.this);
    rounds.other.push(...pairRounds.other);
    memory = builds.map(({ service }) => memoryOf(service.proc.pid ?? 0));
    for (const { service } of builds) await stopService(service);
  }
  return { targets, rounds, memory };
}

/** Both sides on core 1, `this` started first unless `otherFirst`. */
async function startBuilds(
  args: Args,
  emulatorEnv: Record<string, string>,
  otherDist: string,
  redis: RedisHandle | undefined,
  otherFirst: boolean,
): Promise<{ name: string; service: ServiceHandle; redisUrl?: string }[]> {
  const env = { IDENTITY_CACHE_TTL_S: '3600' };
  const startThis = async (): Promise<ServiceHandle> =>
    startService(emulatorEnv, env, [], DIST, args.nodeFlags, 1);
  const startOther = async (): Promise<ServiceHandle> =>
    startService(
      emulatorEnv,
      { ...env, ...redis?.env },
      [],
      otherDist,
      args.compareNodeFlags ?? args.nodeFlags,
      1,
    );
  let other: ServiceHandle | undefined;
  if (otherFirst) other = await startOther();
  const self = await startThis();
  other ??= await startOther();
  return [
    { name: 'this', service: self },
    { name: 'other', service: other, redisUrl: redis?.url },
  ];
}
