/**
 * `npm run bench`: what the proxy adds to a direct call, and how many Auth0 calls it makes.
 *
 * Four processes on loopback: the upstreams (emulator-child.ts: the emulated Auth0 tenant and the
 * floor, GitHub's `GET /user` from a plain `node:http` handler, in their own process so the floor
 * does not share an event loop with the load generator), the service (`node dist/main.js`,
 * configured to both), the reference proxy (reference-proxy.ts), and this one, which drives
 * autocannon. Targets alternate A B C D A B C D so machine drift cancels:
 *   floor        GitHub `GET /user` from the plain handler, directly, with a valid GitHub token
 *   reference    the same through a bare Fastify + undici pass-through (no auth, no policy): the
 *                least any proxy on this stack costs, so the targets can be judged against it
 *   proxy warm   `GET /v1/idp/github/api/user` for one user, caches warm
 *   proxy many   the same, round-robin over 1,000 users (identities all cached after a first pass)
 *   proxy Redis  proxy warm on a second service with REDIS_URL (a private redis-server) and a
 *                cache key: the two-tier cache; counts the Redis commands per round
 * then the latency of one connection, one request at a time (floor, reference, proxy warm,
 * interleaved), and a cold burst on a fresh service process: 500 concurrent first requests from
 * 100 users, counting the Auth0 calls (token and user lookups) from the emulator's counters. Last,
 * the Redis check: proxy warm without and with REDIS_URL over 3 fresh process pairs (pinned, as
 * --compare runs them), whose medians judge the Redis goal (one process of each, as in the rounds,
 * can land ~10 % apart).
 * Writes bench/results/<YYYY-MM-DD>.json and prints a markdown table.
 *
 * Options: --rounds 3 --duration 5 --connections 50
 *          --log-level <level>  the service's LOG_LEVEL (default info, the product's default:
 *                         three lines per proxied request; `warn` leaves them out)
 *          --node-flags "<flags>"  the service's Node flags (default: the product's own,
 *                         src/node-flags.ts; `--node-flags ""` runs it with none)
 *          --soak <s>     hold proxy-warm load for <s> seconds; RSS at start and end
 *          --profile <s>  run the service, then the reference, under --cpu-prof for <s> seconds of
 *                         warm load each and print their top self-time functions per request
 *                         (profiles kept in bench/results/profiles/);
 *                         with --redis, the service has REDIS_URL (a private redis-server)
 *          --ceiling      the floor against three bare proxies (Fastify, node:http, a TCP pipe):
 *                         how close to the floor any proxy on this machine gets
 *          --compare <dir>  A/B: proxy warm of this build against the build in <dir> (a copy of
 *                         an earlier dist/), alternating rounds, one upstream process for both;
 *                         `--compare dist --compare-node-flags "<flags>"`: the same build with other
 *                         Node flags on the other side; with --redis the other side has REDIS_URL
 *                         (`--compare dist --redis`: what the two-tier cache costs the warm path);
 *                         `--restarts <n>`: n fresh process pairs of --rounds rounds each (one
 *                         process can run ~10 % apart from another of the same build)
 *          --chunked      the floor answers in chunked transfer encoding, without content-length
 * Speed is reported, never asserted.
 *
 * The files: args.ts (the options above), upstreams.ts and service.ts (the processes),
 * targets.ts (what is loaded), runner.ts (rounds and latency), probes.ts (RSS, CPU, heap),
 * paths.ts (dist/, bench/results/), stats.ts (medians, percentiles),
 * cold-burst.ts, report.ts (the default run's goals, JSON and table), and one file per mode:
 * benchmark.ts, ceiling.ts, compare.ts, soak.ts, profile.ts.
 */
import { parseArgs } from './args';
import { benchmark } from './benchmark';
import { ceiling } from './ceiling';
import { compare } from './compare';
import { profile } from './profile';
import { setServiceDefaults } from './service';
import { soak } from './soak';
import { startEmulatorChild } from './upstreams';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  setServiceDefaults(args.logLevel, args.nodeFlags);
  const started = Date.now();
  const emulator = await startEmulatorChild(args);
  try {
    if (args.soak !== undefined) await soak(args, emulator, args.soak);
    else if (args.profile !== undefined) await profile(args, emulator, args.profile);
    else if (args.ceiling) await ceiling(args, emulator);
    else if (args.compare !== undefined) await compare(args, emulator, args.compare);
    else await benchmark(args, emulator);
  } finally {
    emulator.child.disconnect();
  }
  console.log(`bench: finished in ${Math.round((Date.now() - started) / 1000)} s`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  });
}
