/**
 * `--profile <s>`: the service under --cpu-prof for <s> seconds of proxy-warm load, then the top
 * self-time functions and packages of the profile (kept in bench/results/profiles/).
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Options as LoadOptions } from 'autocannon';
import type { Args } from './args';
import { PROXY_PATH, RESULTS } from './paths';
import { startRedis } from './redis';
import { figuresOf, load } from './runner';
import { startService, stopService } from './service';
import { startReference } from './upstreams';
import { round, sum } from './stats';
import { bearer, expectOk } from './targets';
import type { EmulatorHandle } from './upstreams';

export async function profile(args: Args, emulator: EmulatorHandle, seconds: number): Promise<void> {
  const { ready } = emulator;
  const dir = join(RESULTS, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  console.log(
    `bench profile: the service, then the reference, each under --cpu-prof for ${seconds} s of proxy-warm load; IDENTITY_CACHE_TTL_S=3600${args.redis ? ', REDIS_URL set' : ''}`,
  );
  const redis = args.redis ? await startRedis() : undefined;
  if (args.redis && redis === undefined) throw new Error('--redis: no redis-server on PATH');
  const service = await profiled(join(dir, 'service'), seconds, args, async (cpuProf) => {
    const handle = await startService(ready.env, { IDENTITY_CACHE_TTL_S: '3600', ...redis?.env }, cpuProf);
    return {
      url: `${handle.url}${PROXY_PATH}`,
      token: ready.warmToken,
      stop: () => stopService(handle, 'SIGUSR2'),
    };
  });
  redis?.proc.kill('SIGTERM');
  const reference = await profiled(join(dir, 'reference'), seconds, args, async (cpuProf) => {
    const handle = await startReference(ready, 'fastify', cpuProf);
    return {
      url: handle.url,
      token: 'unused',
      stop: () =>
        new Promise<void>((ok) => {
          handle.proc.once('exit', () => ok());
          handle.proc.kill('SIGUSR2');
        }),
    };
  });
  for (const [name, run] of [
    ['service', service],
    ['reference (bare Fastify + undici)', reference],
  ] as const) {
    console.log(`\n## ${name}: ${run.reqPerSec} req/s while profiling; ${run.file}\n`);
    console.log(summarizeProfile(run.profile, run.requests));
  }
}

interface Profiled {
  url: string;
  token: string;
  stop(): Promise<void>;
}

/** One process under --cpu-prof (profile written to `dir`) for `seconds` of warm load after 3 s of warm-up. */
async function profiled(
  dir: string,
  seconds: number,
  args: Args,
  start: (cpuProf: string[]) => Promise<Profiled>,
): Promise<{ reqPerSec: number; requests: number; file: string; profile: CpuProfile }> {
  mkdirSync(dir, { recursive: true });
  // SIGUSR2 → process.exit(0), so V8 writes the profile (Nest re-raises SIGTERM, which would not).
  const target = await start([
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    '--require',
    join(__dirname, 'exit-on-signal.js'),
  ]);
  await expectOk(target.url, target.token);
  const options: LoadOptions = {
    url: target.url,
    connections: args.connections,
    headers: bearer(target.token),
  };
  await load({ ...options, duration: 3 });
  const result = figuresOf(await load({ ...options, duration: seconds }));
  await target.stop();
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  // The warm-up's requests are in the profile too.
  return {
    reqPerSec: result.reqPerSec,
    requests: result.reqPerSec * (seconds + 3),
    file: join(dir, file),
    profile,
  };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function and per package of a .cpuprofile. */
export function summarizeProfile(profile: CpuProfile, requests: number, top = 15): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = sum([...self.values()]);
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = shortUrl(frame.url);
    const key = `${frame.functionName || '(anonymous)'}  ${where}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
    const pkg = packageOf(frame.url, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const table = (title: string, entries: Map<string, number>): string[] => [
    `| ${title} | self ms | µs/req | % |`,
    '| --- | ---: | ---: | ---: |',
    ...[...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, us]) =>
          `| \`${k}\` | ${round(us / 1000, 0)} | ${round(us / requests, 1)} | ${round((us / total) * 100, 1)} |`,
      ),
  ];
  return [
    `total sampled ${round(total / 1000, 0)} ms, ${round(total / requests, 1)} µs per request (start-up and idle included)`,
    '',
    ...table('function', functions),
    '',
    ...table('package / area', packages),
  ].join('\n');
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

function packageOf(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native / V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0)
    return `ours: ${url
      .slice(dist + 1)
      .split('/')
      .slice(0, 2)
      .join('/')}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  return url;
}
