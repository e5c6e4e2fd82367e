/**
 * `--soak <s>`: proxy-warm load held for <s> seconds, RSS sampled every 5 s; growth judged on the
 * medians of the first and last minute. Writes bench/results/<YYYY-MM-DD>-soak.json and prints a
 * markdown table.
 */
import type { Options as LoadOptions } from 'autocannon';
import type { Args } from './args';
import { PROXY_PATH, today, writeResult } from './paths';
import { heapOf, memoryOf } from './probes';
import type { Memory } from './probes';
import { auth0Total, figuresOf, load } from './runner';
import type { RoundFigures } from './runner';
import { startService, stopService } from './service';
import { median, round } from './stats';
import { bearer, expectOk } from './targets';
import type { EmulatorHandle } from './upstreams';

type Sample = { atS: number; rssMb: number };

/** What the held load measured: its figures, Auth0 calls, and the service's memory over time. */
interface SoakRun {
  result: RoundFigures;
  auth0: number;
  start: Memory;
  end: Memory;
  heapStart: Record<string, number>;
  heapEnd: Record<string, number>;
  samples: Sample[];
}

export async function soak(args: Args, emulator: EmulatorHandle, seconds: number): Promise<void> {
  const { result, auth0, start, end, heapStart, heapEnd, samples } = await holdLoad(args, emulator, seconds);
  const { window, startMedian, endMedian, growth } = growthOf(samples);
  const report = {
    date: new Date().toISOString(),
    seconds,
    connections: args.connections,
    load: result,
    auth0CallsPer1000: round((auth0 / Math.max(result.requests, 1)) * 1000, 3),
    rssStartMb: start.rssMb,
    rssEndMb: end.rssMb,
    rssMedianFirstMb: startMedian,
    rssMedianLastMb: endMedian,
    medianWindowSamples: window,
    peakMb: end.peakMb,
    growthPercent: growth,
    growthWithin10Percent: growth <= 10,
    heapStart,
    heapEnd,
    samples,
  };
  const file = writeResult(`${today()}-soak.json`, report);
  console.log(
    [
      '',
      `| soak ${seconds} s, ${args.connections} connections | req/s | p50 (ms) | p99 (ms) | RSS start | RSS end | growth | peak |`,
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      `| proxy warm | ${result.reqPerSec} | ${result.p50} | ${result.p99} | ${startMedian} MB | ${endMedian} MB | ${growth} % (${growth <= 10 ? 'within' : '**beyond**'} 10 %) | ${end.peakMb} MB |`,
      '',
      `RSS start and end: medians of the first and last ${window} samples (every 5 s); single readings ${start.rssMb} MB before the load, ${end.rssMb} MB after it; samples ${Math.min(...samples.map((x) => x.rssMb))}–${Math.max(...samples.map((x) => x.rssMb))} MB.`,
      `errors ${result.errors}, non-2xx ${result.non2xx}, Auth0 calls per 1,000 requests ${report.auth0CallsPer1000}`,
      `Written to ${file}`,
    ].join('\n'),
  );
}

/** Warm-up, then <seconds> of proxy-warm load on a fresh service, sampling its RSS. */
async function holdLoad(args: Args, emulator: EmulatorHandle, seconds: number): Promise<SoakRun> {
  const { ready } = emulator;
  const ttl = Math.min(86_400, Math.max(3600, Math.ceil(seconds) + 600));
  console.log(
    `bench soak: ${seconds} s of proxy-warm load; service gets IDENTITY_CACHE_TTL_S=${ttl} (above the run time)`,
  );
  const service = await startService(ready.env, { IDENTITY_CACHE_TTL_S: String(ttl) });
  const pid = service.proc.pid ?? 0;
  const url = `${service.url}${PROXY_PATH}`;
  await expectOk(url, ready.warmToken);
  const options: LoadOptions = { url, connections: args.connections, headers: bearer(ready.warmToken) };
  await load({ ...options, duration: 5 });
  const start = memoryOf(pid);
  const heapStart = await heapOf(service.url);
  const samples: Sample[] = [];
  const sampler = sampleRss(pid, samples);
  const before = await emulator.counts();
  const result = figuresOf(await load({ ...options, duration: seconds }));
  clearInterval(sampler);
  const auth0 = auth0Total(await emulator.counts()) - auth0Total(before);
  const end = memoryOf(pid);
  const heapEnd = await heapOf(service.url);
  await stopService(service);
  return { result, auth0, start, end, heapStart, heapEnd, samples };
}

/** Every 5 s, the process's RSS into `samples` (and a line every 30 s); clearInterval to stop. */
function sampleRss(pid: number, samples: Sample[]): NodeJS.Timeout {
  const t0 = Date.now();
  return setInterval(() => {
    const sample = { atS: Math.round((Date.now() - t0) / 1000), rssMb: memoryOf(pid).rssMb };
    samples.push(sample);
    if (sample.atS % 30 === 0) console.log(`bench soak: ${sample.atS} s, RSS ${sample.rssMb} MB`);
  }, 5000);
}

/**
 * Under load RSS saw-tooths by tens of MB between major GCs, so two single readings compare two
 * random points of the tooth. Growth is judged on the median of the first and of the last
 * minute's samples (every 5 s); the single readings are reported too.
 */
function growthOf(samples: readonly Sample[]): {
  window: number;
  startMedian: number;
  endMedian: number;
  growth: number;
} {
  const window = Math.max(1, Math.min(12, Math.floor(samples.length / 4)));
  const startMedian = median(samples.slice(0, window).map((x) => x.rssMb));
  const endMedian = median(samples.slice(-window).map((x) => x.rssMb));
  const growth = round(((endMedian - startMedian) / startMedian) * 100, 1);
  return { window, startMedian, endMedian, growth };
}
