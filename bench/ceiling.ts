/**
 * `--ceiling`: the floor against the three bare proxies of reference-proxy.ts (Fastify, plain
 * `node:http`, a TCP pipe), alternating: how close to the floor any proxy gets on this machine.
 * Writes bench/results/<YYYY-MM-DD>-ceiling.json and prints a markdown table.
 */
import { loadavg } from 'node:os';
import type { Args } from './args';
import { today, writeResult } from './paths';
import { REFERENCE_KINDS } from './reference-proxy';
import { checkAndWarm, runRounds, summarize } from './runner';
import type { RoundFigures, TargetFigures } from './runner';
import { round } from './stats';
import { ceilingTargets } from './targets';
import type { Target } from './targets';
import { startReference } from './upstreams';
import type { EmulatorHandle } from './upstreams';

type CeilingRow = TargetFigures & { ratio: number; p99AddedMs: number };

export async function ceiling(args: Args, emulator: EmulatorHandle): Promise<void> {
  const { ready } = emulator;
  const references = await Promise.all(REFERENCE_KINDS.map((kind) => startReference(ready, kind)));
  const targets = ceilingTargets(emulator, args.connections, references);
  await checkAndWarm(targets, ready.floorToken, 2);
  const rounds = await runRounds(targets, args, emulator);
  for (const reference of references) reference.proc.kill('SIGTERM');
  const rows = rowsOf(targets, rounds);
  const file = writeResult(`${today()}-ceiling.json`, {
    date: new Date().toISOString(),
    loadAverage: loadavg(),
    settings: args,
    rows,
  });
  console.log(
    [
      '',
      `| ${args.connections} connections, ${args.rounds} rounds × ${args.duration} s | req/s | p50 (ms) | p99 (ms) | CPU µs / req | ÷ floor | p99 added (ms) |`,
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (r) =>
          `| ${r.label} | ${r.reqPerSec} | ${r.p50} | ${r.p99} | ${r.cpuUsPerReq} | ${r.ratio.toFixed(2)} | ${r.p99AddedMs} |`,
      ),
      '',
      `Written to ${file}`,
    ].join('\n'),
  );
}

/** Each target's figures, with its throughput and p99 against the floor's (the first target). */
function rowsOf(targets: readonly Target[], rounds: Record<string, RoundFigures[]>): CeilingRow[] {
  const floor = summarize(targets[0].label, rounds.floor);
  return targets.map((t) => {
    const figures = summarize(t.label, rounds[t.name]);
    return {
      ...figures,
      ratio: round(figures.reqPerSec / floor.reqPerSec, 2),
      p99AddedMs: round(figures.p99 - floor.p99, 2),
    };
  });
}
