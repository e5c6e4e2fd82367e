/**
 * `--compare <dir>`: this build's proxy warm against another build's (a copy of an earlier
 * dist/, or `dist` with other Node flags), alternating rounds, one upstream process for both.
 * Prints a markdown table; writes no file.
 */
import type { Args } from './args';
import { DIST } from './paths';
import { memoryOf } from './probes';
import { checkAndWarm, runRounds, summarize } from './runner';
import { startService, stopService } from './service';
import { startRedis } from './redis';
import { compareTargets } from './targets';
import { pinToCore } from './upstreams';
import type { EmulatorHandle } from './upstreams';

export async function compare(args: Args, emulator: EmulatorHandle, otherDist: string): Promise<void> {
  const { ready } = emulator;
  const env = { IDENTITY_CACHE_TTL_S: '3600' };
  // Left to the scheduler, the side started first ran ~25 % slower in an A/A check (same build
  // both sides), round after round: where the processes landed decided. So each side runs alone
  // on core 1, and this process (autocannon) and the upstreams share core 0.
  pinToCore(process.pid, 0);
  pinToCore(emulator.child.pid ?? 0, 0);
  // `--redis`: the other side gets REDIS_URL (a private redis-server) and counts its commands.
  const redis = args.redis ? await startRedis() : undefined;
  if (args.redis && redis === undefined) throw new Error('--redis: no redis-server on PATH');
  const otherEnv = { ...env, ...redis?.env };
  const builds = [
    { name: 'this', service: await startService(ready.env, env, [], DIST, args.nodeFlags, 1) },
    {
      name: 'other',
      service: await startService(
        ready.env,
        otherEnv,
        [],
        otherDist,
        args.compareNodeFlags ?? args.nodeFlags,
        1,
      ),
      redisUrl: redis?.url,
    },
  ];
  const targets = compareTargets(args, emulator, builds, otherDist);
  await checkAndWarm(targets, ready.warmToken, 3);
  const rounds = await runRounds(targets, args, emulator);
  const memory = builds.map(({ service }) => memoryOf(service.proc.pid ?? 0));
  for (const { service } of builds) await stopService(service);
  redis?.proc.kill('SIGTERM');
  console.log(
    [
      '',
      '| proxy warm | req/s | p50 (ms) | p99 (ms) | CPU µs / req (median) | RSS at end | RSS peak | Redis commands / req |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...targets.map((t, i) => {
        const f = summarize(t.label, rounds[t.name]);
        return `| ${f.label} | ${f.reqPerSec} | ${f.p50} | ${f.p99} | ${f.cpuUsPerReq} | ${memory[i].rssMb} MB | ${memory[i].peakMb} MB | ${f.redisCommandsPerReq ?? '–'} |`;
      }),
    ].join('\n'),
  );
}
