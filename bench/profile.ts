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
import { round, sum } from './stats';
import { bearer, expectOk } from './targets';
import type { EmulatorHandle } from './upstreams';

export async function profile(args: Args, emulator: EmulatorHandle, seconds: number): Promise<void> {
  const { ready } = emulator;
  const dir = join(RESULTS, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  console.log(
    `bench profile: service under --cpu-prof, ${seconds} s of proxy-warm load; IDENTITY_CACHE_TTL_S=3600${args.redis ? ', REDIS_URL set' : ''}`,
  );
  const redis = args.redis ? await startRedis() : undefined;
  if (args.redis && redis === undefined) throw new Error('--redis: no redis-server on PATH');
  const service = await startService(ready.env, { IDENTITY_CACHE_TTL_S: '3600', ...redis?.env }, [
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    '--require',
    join(__dirname, 'exit-on-signal.js'),
  ]);
  const url = `${service.url}${PROXY_PATH}`;
  await expectOk(url, ready.warmToken);
  const options: LoadOptions = { url, connections: args.connections, headers: bearer(ready.warmToken) };
  await load({ ...options, duration: 3 });
  const result = figuresOf(await load({ ...options, duration: seconds }));
  // SIGUSR2 → process.exit(0), so V8 writes the profile (Nest re-raises SIGTERM, which would not).
  await stopService(service, 'SIGUSR2');
  redis?.proc.kill('SIGTERM');
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  console.log(
    `bench profile: ${result.reqPerSec} req/s (p99 ${result.p99} ms) while profiling; ${join(dir, file)}\n`,
  );
  console.log(summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile));
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
export function summarizeProfile(profile: CpuProfile, top = 15): string {
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
    `| ${title} | self ms | % |`,
    '| --- | ---: | ---: |',
    ...[...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `| \`${k}\` | ${round(us / 1000, 0)} | ${round((us / total) * 100, 1)} |`),
  ];
  return [
    `total sampled ${round(total / 1000, 0)} ms`,
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
