/**
 * How the bench measures: autocannon rounds over the targets in turn (A B C A B C …) with the CPU
 * time and Auth0 calls of each round, their summary per target, and the one-connection latency
 * check.
 */
import autocannon from 'autocannon';
import type { Options as LoadOptions, Result as LoadResult } from 'autocannon';
import { Agent, request } from 'undici';
import type { Args } from './args';
import { cpuMsOf } from './probes';
import { commandCount } from './redis';
import { mean, median, percentile, round, sum } from './stats';
import { bearer, expectOk } from './targets';
import type { Target } from './targets';
import type { EmulatorHandle } from './upstreams';

const AUTH0_ENDPOINTS = ['jwks', 'token.client_credentials', 'token.exchange', 'users'] as const;
/** Requests per target and round of the one-connection latency check. */
const UNLOADED_REQUESTS = 2000;

export interface RoundFigures {
  reqPerSec: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  auth0Calls?: number;
  /** CPU time of the measured process per request, µs: robust against other load on the machine */
  cpuUsPerReq?: number;
  /** commands the target's Redis ran during the round (`INFO commandstats` before and after) */
  redisCommands?: number;
}

export interface TargetFigures {
  label: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  auth0CallsPer1000?: number;
  cpuUsPerReq: number;
  /** Redis commands per request over all rounds (targets with a Redis only) */
  redisCommandsPerReq?: number;
  rounds: RoundFigures[];
}

export interface LatencyFigures {
  requests: number;
  p50: number;
  p99: number;
}

export function load(options: LoadOptions): Promise<LoadResult> {
  return new Promise((ok, fail) => {
    autocannon({ timeout: 10, ...options }, (err, result) => (err ? fail(err) : ok(result)));
  });
}

export function auth0Total(counts: Record<string, number>): number {
  return AUTH0_ENDPOINTS.reduce((sum, endpoint) => sum + (counts[endpoint] ?? 0), 0);
}

export function figuresOf(result: LoadResult): RoundFigures {
  return {
    reqPerSec: round(result.requests.average, 0),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

export function summarize(label: string, rounds: RoundFigures[]): TargetFigures {
  const requests = sum(rounds.map((r) => r.requests));
  const auth0 = rounds.every((r) => r.auth0Calls !== undefined)
    ? sum(rounds.map((r) => r.auth0Calls ?? 0))
    : undefined;
  const redis = rounds.every((r) => r.redisCommands !== undefined)
    ? sum(rounds.map((r) => r.redisCommands ?? 0))
    : undefined;
  return {
    label,
    reqPerSec: round(mean(rounds.map((r) => r.reqPerSec)), 0),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    requests,
    errors: sum(rounds.map((r) => r.errors)),
    non2xx: sum(rounds.map((r) => r.non2xx)),
    auth0CallsPer1000: auth0 === undefined ? undefined : round((auth0 / Math.max(requests, 1)) * 1000, 3),
    cpuUsPerReq: median(rounds.map((r) => r.cpuUsPerReq ?? NaN)),
    redisCommandsPerReq: redis === undefined ? undefined : round(redis / Math.max(requests, 1), 4),
    rounds,
  };
}

/** Rounds of every target in turn (A B C A B C …): req/s, latency, CPU of its process, Auth0 calls. */
export async function runRounds(
  targets: readonly Target[],
  args: Args,
  emulator: EmulatorHandle,
): Promise<Record<string, RoundFigures[]>> {
  const rounds: Record<string, RoundFigures[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let r = 1; r <= args.rounds; r++) {
    for (const target of targets) {
      const figures = await oneRound(target, args, emulator);
      rounds[target.name].push(figures);
      console.log(
        `bench: round ${r}/${args.rounds} ${target.name.padEnd(9)} ${String(figures.reqPerSec).padStart(6)} req/s` +
          `  p50 ${figures.p50} ms  p99 ${figures.p99} ms  cpu ${figures.cpuUsPerReq} µs/req` +
          (figures.auth0Calls === undefined ? '' : `  auth0 calls ${figures.auth0Calls}`) +
          (figures.redisCommands === undefined ? '' : `  redis commands ${figures.redisCommands}`) +
          (figures.errors + figures.non2xx > 0 ? `  errors ${figures.errors} non-2xx ${figures.non2xx}` : ''),
      );
    }
  }
  return rounds;
}

async function oneRound(target: Target, args: Args, emulator: EmulatorHandle): Promise<RoundFigures> {
  const before = target.countAuth0 ? await emulator.counts() : undefined;
  const redisBefore = target.redisUrl === undefined ? undefined : await commandCount(target.redisUrl);
  const cpuBefore = cpuMsOf(target.pid);
  const figures = figuresOf(await load({ ...target.options(), duration: args.duration }));
  figures.cpuUsPerReq = round(((cpuMsOf(target.pid) - cpuBefore) * 1000) / Math.max(figures.requests, 1), 0);
  if (before) figures.auth0Calls = auth0Total(await emulator.counts()) - auth0Total(before);
  if (target.redisUrl !== undefined && redisBefore !== undefined)
    figures.redisCommands = (await commandCount(target.redisUrl)) - redisBefore;
  return figures;
}

/**
 * Latency without queueing: one connection per target, one request at a time, targets
 * alternating request by request. At 50 connections the latency is mostly the wait behind other
 * requests on 2 busy cores (Little's law: 50 ÷ req/s); here it is what one call costs end to end,
 * measured in µs.
 */
export async function unloadedLatency(
  targets: ReadonlyArray<{ name: string; url: string; token: string }>,
  rounds: number,
): Promise<Record<string, LatencyFigures>> {
  const agent = new Agent({ connections: 1, pipelining: 1 });
  const samples: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  const call = async (url: string, token: string): Promise<number> => {
    const t0 = performance.now();
    const response = await request(url, { dispatcher: agent, headers: bearer(token) });
    await response.body.arrayBuffer();
    if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}`);
    return performance.now() - t0;
  };
  for (const target of targets) for (let i = 0; i < 200; i++) await call(target.url, target.token);
  // Interleaved request by request, so a GC pause or a scheduler hiccup anywhere lands on every
  // target alike.
  for (let i = 0; i < rounds * UNLOADED_REQUESTS; i++) {
    for (const target of targets) samples[target.name].push(await call(target.url, target.token));
  }
  await agent.close();
  return Object.fromEntries(
    targets.map((t) => [
      t.name,
      {
        requests: samples[t.name].length,
        p50: round(percentile(samples[t.name], 50), 3),
        p99: round(percentile(samples[t.name], 99), 3),
      },
    ]),
  );
}

/** Checks each target answers 200, then loads it alone for `seconds` (JIT, keep-alive sockets). */
export async function checkAndWarm(
  targets: readonly Target[],
  token: string,
  seconds: number,
): Promise<void> {
  for (const target of targets) {
    await expectOk(target.options().url, token);
    await load({ ...target.options(), duration: seconds });
  }
}
