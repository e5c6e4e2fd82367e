/**
 * `npm run sizing`: the Management API and Authentication API requests per second this service
 * makes a tenant spend for a workload, on average and in the busiest hour, beside Auth0's
 * published limits per plan; then the same for 10k, 100k and 1M daily users. `--validate` first
 * checks the model against a real run (see validate.ts). Flags (defaults in model.ts):
 *   --daily-users N --requests N (per user per day) --logins N (per user per day)
 *   --google F --github F --facebook F (shares) --ttl S --log-stream | --no-log-stream
 *   --google-refresh | --no-google-refresh --active-hours H --peak-factor F
 *   --validate [--users N --validation-requests N --gap S --validation-ttl S --login-share F]
 */
import { PLAN_LIMITS, SOURCES } from './limits';
import { DEFAULT_WORKLOAD, predict } from './model';
import type { Prediction, Workload } from './model';
import { validate } from './validate';
import type { ValidationSettings } from './validate';

interface Args {
  workload: Workload;
  validate: boolean;
  validation: ValidationSettings;
}

function parseArgs(argv: string[]): Args {
  const w: Workload = { ...DEFAULT_WORKLOAD, share: { ...DEFAULT_WORKLOAD.share } };
  const v: ValidationSettings = { users: 2000, requests: 6, gapS: 10, ttlS: 16, loginShare: 0.25 };
  let runValidation = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a number ≥ 0`);
      return n;
    };
    switch (flag) {
      case '--daily-users':
        w.dailyUsers = value();
        break;
      case '--requests':
        w.requestsPerUser = value();
        break;
      case '--logins':
        w.loginsPerUser = value();
        break;
      case '--google':
        w.share.google = value();
        break;
      case '--github':
        w.share.github = value();
        break;
      case '--facebook':
        w.share.facebook = value();
        break;
      case '--ttl':
        w.ttlS = value();
        break;
      case '--log-stream':
        w.logStream = true;
        break;
      case '--no-log-stream':
        w.logStream = false;
        break;
      case '--google-refresh':
        w.googleRefresh = true;
        break;
      case '--no-google-refresh':
        w.googleRefresh = false;
        break;
      case '--active-hours':
        w.activeHours = value();
        break;
      case '--peak-factor':
        w.peakFactor = value();
        break;
      case '--validate':
        runValidation = true;
        break;
      case '--users':
        v.users = value();
        break;
      case '--validation-requests':
        v.requests = value();
        break;
      case '--gap':
        v.gapS = value();
        break;
      case '--validation-ttl':
        v.ttlS = value();
        break;
      case '--login-share':
        v.loginShare = value();
        break;
      default:
        throw new Error(`unknown flag ${flag}`);
    }
  }
  return { workload: w, validate: runValidation, validation: v };
}

const fmt = (n: number, digits = 2): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });

function describe(w: Workload): string {
  const pct = (f: number): string => `${Math.round(f * 100)} %`;
  return [
    `requests/user/day ${w.requestsPerUser}, logins/user/day ${w.loginsPerUser}, active ${w.activeHours} h/day,`,
    `Google ${pct(w.share.google)} GitHub ${pct(w.share.github)} Facebook ${pct(w.share.facebook)},`,
    `IDENTITY_CACHE_TTL_S=${w.ttlS}, log stream ${w.logStream ? 'on' : 'off'}, Google refresh ${w.googleRefresh ? 'on' : 'off'},`,
    `peak = busiest hour at ${w.peakFactor}× the day's average`,
  ].join(' ');
}

function verdict(rps: number, limit: number): string {
  const pct = (rps / limit) * 100;
  return `${fmt(pct, 0)} %${pct > 100 ? ' OVER' : ''}`;
}

function table(rows: Array<{ label: string; p: Prediction }>): string {
  const header = [
    '| daily users | Mgmt calls/user/day | Mgmt req/s avg | Mgmt req/s peak | Auth req/s avg | Auth req/s peak |',
    ...PLAN_LIMITS.map((l) => ` ${l.plan} Mgmt (${l.managementRps}/s) avg / peak |`),
  ].join('');
  const rule = `|${'---|'.repeat(6 + PLAN_LIMITS.length)}`;
  const lines = rows.map(({ label, p }) =>
    [
      `| ${label} | ${fmt(p.managementPerUserPerDay)} | ${fmt(p.managementAvgRps)} | ${fmt(p.managementPeakRps)} | ${fmt(p.authenticationAvgRps)} | ${fmt(p.authenticationPeakRps)} |`,
      ...PLAN_LIMITS.map(
        (l) =>
          ` ${verdict(p.managementAvgRps, l.managementRps)} / ${verdict(p.managementPeakRps, l.managementRps)} |`,
      ),
    ].join(''),
  );
  return [header, rule, ...lines].join('\n');
}

function limitsTable(): string {
  return [
    '| plan | Management API sustained | Management API burst | Authentication API sustained |',
    '|---|---|---|---|',
    ...PLAN_LIMITS.map(
      (l) => `| ${l.plan} | ${l.managementRps}/s | ${l.managementBurst} | ${l.authenticationRps}/s |`,
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.validate) {
    const v = args.validation;
    console.log(
      `validation: ${v.users} emulated GitHub users × ${v.requests} requests ${v.gapS} s apart, ` +
        `IDENTITY_CACHE_TTL_S=${v.ttlS}, a login reported by the log stream for ${Math.round(v.loginShare * 100)} % of them mid-run`,
    );
    const r = await validate(v);
    const error = ((r.counted - r.predicted) / r.predicted) * 100;
    console.log(
      `validation: model predicts ${r.predicted} user lookups; the emulator counted ${r.counted} ` +
        `(${error >= 0 ? '+' : ''}${fmt(error, 1)} %) over ${r.requestsSent} requests in ${fmt(r.seconds, 1)} s, ${r.failed} not 200${r.failed > 0 ? ` ${JSON.stringify(r.failures)}` : ''}\n`,
    );
  }
  const w = args.workload;
  console.log(`workload: ${describe(w)}\n`);
  const mine = predict(w);
  console.log(table([{ label: fmt(w.dailyUsers, 0), p: mine }]));
  console.log('');
  console.log(
    table(
      [10_000, 100_000, 1_000_000].map((n) => ({ label: fmt(n, 0), p: predict({ ...w, dailyUsers: n }) })),
    ),
  );
  console.log(`\nAuth0's published limits (production tenants):\n${limitsTable()}`);
  console.log(`sources:\n${SOURCES.map((s) => `  ${s}`).join('\n')}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
