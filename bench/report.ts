/**
 * The default run's report: the goals it is judged against, the JSON written to
 * bench/results/<YYYY-MM-DD>.json, and the markdown table printed at the end.
 */
import { cpus, loadavg } from 'node:os';
import type { Args } from './args';
import type { ColdFigures } from './cold-burst';
import { today, writeResult } from './paths';
import type { Memory } from './probes';
import { summarize } from './runner';
import type { LatencyFigures, RoundFigures, TargetFigures } from './runner';
import { round, sum } from './stats';
import type { Target } from './targets';

/** Everything the default run measured, as it hands it over to be reported. */
export interface BenchRun {
  args: Args;
  /** the service's IDENTITY_CACHE_TTL_S */
  ttl: number;
  manyUsers: number;
  /** floor, reference, proxy warm, proxy many, in that order */
  targets: readonly Target[];
  rounds: Record<string, RoundFigures[]>;
  unloaded: Record<string, LatencyFigures>;
  memory: Memory;
  heap: Record<string, number>;
  logLines: number;
  cold: ColdFigures;
  /** the Redis check (benchmark.ts): proxy warm without and with REDIS_URL over fresh process pairs */
  redisPairs?: RedisPairs;
}

export interface RedisPairs {
  pairs: number;
  without: TargetFigures;
  withRedis: TargetFigures;
}

/** The run's figures per target, and what the proxy and the reference add to the floor. */
interface Summary {
  floor: TargetFigures;
  ref: TargetFigures;
  warm: TargetFigures;
  many: TargetFigures;
  /** proxy warm on the service with Redis, when it ran */
  redis?: TargetFigures;
  ratio: number;
  p99Added: number;
  refRatio: number;
  refP99Added: number;
  /** one-connection latency added to the floor's, ms */
  added: (name: string, p: 'p50' | 'p99') => number;
}

interface Verdict {
  target: string;
  goal: string;
  measured: string;
  met: boolean;
}

export function reportBenchmark(run: BenchRun): void {
  const summary = summarizeRun(run);
  const verdicts = verdictsOf(run, summary);
  const date = today();
  const machine = `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}`;
  const file = writeResult(`${date}.json`, resultOf(run, summary, machine, verdicts));
  const lines = [
    '',
    `Bench ${date} · ${machine} · ${run.args.connections} connections · ${run.args.rounds} rounds × ${run.args.duration} s, targets alternating`,
    '',
    ...loadTable(run, summary),
    '',
    ...latencyTable(run, summary),
    '',
    row(['target', 'goal', 'measured', 'met']),
    row(['---', '---', '---', '---']),
    ...verdicts.map((v) => row([v.target, v.goal, v.measured, v.met ? 'yes' : '**no**'])),
    '',
    `Written to ${file}`,
  ];
  console.log(lines.join('\n'));
}

function summarizeRun({ targets, rounds, unloaded }: BenchRun): Summary {
  const floor = summarize(targets[0].label, rounds.floor);
  const ref = summarize(targets[1].label, rounds.reference);
  const warm = summarize(targets[2].label, rounds.proxyWarm);
  const many = summarize(targets[3].label, rounds.proxyMany);
  const redis = targets[4] ? summarize(targets[4].label, rounds.proxyRedis) : undefined;
  return {
    floor,
    ref,
    warm,
    many,
    redis,
    ratio: round(warm.reqPerSec / floor.reqPerSec, 2),
    p99Added: round(warm.p99 - floor.p99, 2),
    refRatio: round(ref.reqPerSec / floor.reqPerSec, 2),
    refP99Added: round(ref.p99 - floor.p99, 2),
    added: (name, p) => round(unloaded[name][p] - unloaded.floor[p], 3),
  };
}

function verdictsOf({ cold, memory, redisPairs }: BenchRun, s: Summary): Verdict[] {
  const { ref, warm, many, added } = s;
  const cpuRatio = (t: TargetFigures): number => round(t.cpuUsPerReq / ref.cpuUsPerReq, 2);
  const throughput = round(warm.reqPerSec / ref.reqPerSec, 2);
  return [
    {
      target: 'CPU per warm request ÷ reference, 1 user',
      goal: '≤ 2.0',
      measured: `${cpuRatio(warm).toFixed(2)} (${warm.cpuUsPerReq} vs ${ref.cpuUsPerReq} µs)`,
      met: cpuRatio(warm) <= 2,
    },
    {
      target: `CPU per warm request ÷ reference, ${many.label.match(/[\d,]+ users/)?.[0] ?? 'many users'}`,
      goal: '≤ 2.0',
      measured: `${cpuRatio(many).toFixed(2)} (${many.cpuUsPerReq} vs ${ref.cpuUsPerReq} µs)`,
      met: cpuRatio(many) <= 2,
    },
    {
      target: 'throughput at 50 connections ÷ reference',
      goal: '≥ 0.5',
      measured: throughput.toFixed(2),
      met: throughput >= 0.5,
    },
    {
      target: 'latency added at one connection, p50 / p99',
      goal: '≤ 0.3 / 1.0 ms',
      measured: `${added('proxyWarm', 'p50')} / ${added('proxyWarm', 'p99')} ms`,
      met: added('proxyWarm', 'p50') <= 0.3 && added('proxyWarm', 'p99') <= 1,
    },
    ...redisVerdicts(s, redisPairs),
    {
      target: 'Auth0 calls per 1,000 warm requests',
      goal: '0',
      measured: String(warm.auth0CallsPer1000),
      met: warm.auth0CallsPer1000 === 0,
    },
    {
      target: `cold burst Auth0 calls (${cold.users} users, from the service's start)`,
      goal: `1 token, ${cold.users} lookups`,
      measured: `${cold.tokenCalls} token (${cold.tokenCallsAtStartup} before ready), ${cold.userLookups} lookups`,
      met: cold.tokenCalls === 1 && cold.userLookups === cold.users,
    },
    {
      // "RSS ≤ 150 MB after the run". The peak moves with the timing of the last major GC and is
      // shown beside it.
      target: 'service RSS after the run',
      goal: '≤ 150 MB',
      measured: `${memory.rssMb} MB (peak ${memory.peakMb} MB)`,
      met: memory.rssMb <= 150,
    },
  ];
}

/**
 * The Redis run: its CPU against proxy warm's, from the Redis check's process pairs (the rounds'
 * own figure, one process of each, beside it), and its Redis commands per request.
 */
function redisVerdicts({ redis, warm }: Summary, pairs: RedisPairs | undefined): Verdict[] {
  if (redis === undefined || pairs === undefined)
    return [{ target: 'Redis run', goal: 'run', measured: 'skipped: no redis-server', met: false }];
  const ratio = round(pairs.withRedis.cpuUsPerReq / pairs.without.cpuUsPerReq, 2);
  const inRounds = round(redis.cpuUsPerReq / warm.cpuUsPerReq, 2);
  const commands = sum([...redis.rounds, ...pairs.withRedis.rounds].map((r) => r.redisCommands ?? 0));
  const requests = redis.requests + pairs.withRedis.requests;
  return [
    {
      target: 'CPU per warm request with Redis ÷ without',
      goal: '≤ 1.1',
      measured: `${ratio.toFixed(2)} (${pairs.withRedis.cpuUsPerReq} vs ${pairs.without.cpuUsPerReq} µs, medians over ${pairs.pairs} process pairs; the rounds above, one process each: ${inRounds.toFixed(2)})`,
      met: ratio <= 1.1,
    },
    {
      target: 'Redis commands per warm request',
      goal: '0',
      measured: `${commands === 0 ? 0 : round(commands / requests, 3)} (${commands} in ${requests} requests)`,
      met: commands === 0,
    },
  ];
}

/** The JSON written to bench/results/<YYYY-MM-DD>.json. */
function resultOf(run: BenchRun, s: Summary, machine: string, verdicts: Verdict[]): unknown {
  return {
    date: new Date().toISOString(),
    machine,
    loadAverage: loadavg(),
    settings: { ...run.args, identityCacheTtlS: run.ttl, manyUsers: run.manyUsers },
    floor: s.floor,
    reference: { ...s.ref, ratio: s.refRatio, p99AddedMs: s.refP99Added },
    proxyWarm: s.warm,
    proxyMany: s.many,
    proxyRedis: s.redis,
    redisCheck: run.redisPairs,
    coldBurst: run.cold,
    ratio: s.ratio,
    p99AddedMs: s.p99Added,
    unloaded: {
      ...run.unloaded,
      addedMs: {
        proxyWarm: { p50: s.added('proxyWarm', 'p50'), p99: s.added('proxyWarm', 'p99') },
        reference: { p50: s.added('reference', 'p50'), p99: s.added('reference', 'p99') },
      },
    },
    service: { ...run.memory, atEnd: run.heap, logLinesUnderLoad: run.logLines },
    targets: verdicts,
  };
}

function row(cells: Array<string | number>): string {
  return `| ${cells.join(' | ')} |`;
}

/** Under load: one row per target and the cold burst, then the ratios and the service's memory. */
function loadTable({ cold, memory, heap }: BenchRun, s: Summary): string[] {
  const { floor, ref } = s;
  const errs = (t: TargetFigures): string => String(t.errors + t.non2xx);
  return [
    row(['target', 'req/s', 'p50 (ms)', 'p99 (ms)', 'CPU µs / req', 'Auth0 calls / 1,000 req', 'errors']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
    row([
      floor.label,
      floor.reqPerSec,
      floor.p50,
      floor.p99,
      `${floor.cpuUsPerReq} (emulator)`,
      '–',
      errs(floor),
    ]),
    row([ref.label, ref.reqPerSec, ref.p50, ref.p99, `${ref.cpuUsPerReq} (reference)`, '–', errs(ref)]),
    ...[s.warm, s.many, ...(s.redis ? [s.redis] : [])].map((t) =>
      row([
        t.label,
        t.reqPerSec,
        t.p50,
        t.p99,
        `${t.cpuUsPerReq} (service)`,
        String(t.auth0CallsPer1000),
        errs(t),
      ]),
    ),
    row([
      `cold burst: ${cold.requests} concurrent first requests, ${cold.users} users, fresh process`,
      round((cold.requests / cold.elapsedMs) * 1000, 0),
      cold.p50,
      cold.p99,
      '–',
      `${cold.tokenCalls} token (from start) + ${cold.userLookups} lookups`,
      String(cold.requests - (cold.statuses['200'] ?? 0)),
    ]),
    '',
    `Proxy ÷ floor throughput ${s.ratio.toFixed(2)}; p99 added ${s.p99Added} ms (the bare reference proxy: ${s.refRatio.toFixed(2)} and ${s.refP99Added} ms); service RSS peak ${memory.peakMb} MB, ${memory.rssMb} MB at end (heap ${heap.heapTotalMb} MB of which new space ${heap.newSpaceMb} MB and old ${heap.oldSpaceMb} MB, ${heap.heapUsedMb} MB used; external ${heap.externalMb} MB); load average ${loadavg()[0].toFixed(2)} (other work on the machine skews req/s, not CPU µs/req).`,
  ];
}

/** One connection, one request at a time: the latency each target adds to the floor's. */
function latencyTable({ unloaded }: BenchRun, { added }: Summary): string[] {
  return [
    `One connection, one request at a time (${unloaded.floor.requests} requests each, no queueing): latency in ms`,
    '',
    row(['target', 'p50', 'p99', 'p50 added', 'p99 added']),
    row(['---', '---:', '---:', '---:', '---:']),
    row(['floor', unloaded.floor.p50, unloaded.floor.p99, '–', '–']),
    ...(['reference', 'proxyWarm'] as const).map((name) =>
      row([name, unloaded[name].p50, unloaded[name].p99, added(name, 'p50'), added(name, 'p99')]),
    ),
  ];
}
