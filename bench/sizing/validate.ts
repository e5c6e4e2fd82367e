/**
 * The model against a real run: the compiled service (`node dist/main.js`) and the emulated tenant
 * on loopback, a few thousand GitHub users each making `requests` evenly spaced `gapS` apart, a
 * shortened IDENTITY_CACHE_TTL_S, and a log stream that reports a login for a share of them in the
 * middle of their run (entries their middle request loaded; each such login costs one lookup). The emulator counts the user lookups; the model predicts them for that
 * configuration (see model.ts). Users start spread over one gap, so the load stays even.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lookupsPerUser } from './model';

const DIST = join(__dirname, '..', '..');
const STREAM_TOKEN = 'Bearer sizing-validation';
/** a login is reported this long after the answer to the user's middle request */
const LOGIN_DELAY_MS = 250;

interface ValidationEmulator {
  env(): Record<string, string>;
  addUsers(count: number, spec: { providers: Array<'github'> }): string[];
  mintToken(options: { sub: string; expiresInS: number }): string;
  count(endpoint: string): number;
  resetCounters(): void;
  close(): Promise<void>;
}

export interface ValidationSettings {
  users: number;
  requests: number;
  gapS: number;
  ttlS: number;
  loginShare: number;
}

export interface ValidationResult {
  settings: ValidationSettings;
  predicted: number;
  counted: number;
  requestsSent: number;
  failed: number;
  /** what the requests that did not get 200 got instead */
  failures: Record<string, number>;
  seconds: number;
}

export function predictValidation(s: ValidationSettings): number {
  const spanS = s.gapS * (s.requests - 1);
  const logins = Math.round(s.users * s.loginShare);
  return s.users * lookupsPerUser(s.requests, spanS, s.ttlS) + logins;
}

export async function validate(s: ValidationSettings): Promise<ValidationResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled emulator, outside this project's rootDir
  const { startEmulator } = require(join(DIST, 'sandbox', 'emulator', 'emulator.js')) as {
    startEmulator(options: { idpTokenTtlS: number }): Promise<ValidationEmulator>;
  };
  const emulator = await startEmulator({ idpTokenTtlS: 86_400 });
  const service = await startService({
    ...emulator.env(),
    IDENTITY_CACHE_TTL_S: String(s.ttlS),
    AUTH0_LOG_STREAM_TOKEN: STREAM_TOKEN,
    LOG_LEVEL: 'warn',
  });
  try {
    const users = emulator.addUsers(s.users, { providers: ['github'] });
    const tokens = users.map((sub) => emulator.mintToken({ sub, expiresInS: 3600 }));
    const gapMs = s.gapS * 1000;
    const offsets = users.map((_, i) => (i / users.length) * gapMs);
    const loginUsers = Math.round(users.length * s.loginShare);
    emulator.resetCounters();
    const started = Date.now();
    const failures = new Map<string, number>();
    const count = (what: string): void => {
      failures.set(what, (failures.get(what) ?? 0) + 1);
    };
    const calls: Array<Promise<void>> = [];
    const at = (ms: number, work: () => Promise<void>): void => {
      calls.push(sleep(Math.max(0, started + ms - Date.now())).then(work));
    };
    const middle = Math.floor((s.requests - 1) / 2);
    users.forEach((_, u) => {
      for (let r = 0; r < s.requests; r++) {
        at(offsets[u] + r * gapMs, async () => {
          const response = await fetch(`${service.url}/v1/identities`, {
            headers: { authorization: `Bearer ${tokens[u]}` },
          }).catch((error: unknown) => {
            count(String((error as Error).cause ?? error));
            return undefined;
          });
          if (response !== undefined && response.status !== 200) count(String(response.status));
          await response?.arrayBuffer();
          // A login for the first `loginUsers` users, reported while the entry their middle request
          // loaded still lives (after that request's answer, so the drop cannot precede the load).
          if (r === middle && u < loginUsers) {
            await sleep(LOGIN_DELAY_MS);
            await reportLogin(service.url, users[u]);
          }
        });
      }
    });
    await Promise.all(calls);
    return {
      settings: s,
      predicted: predictValidation(s),
      counted: emulator.count('users'),
      requestsSent: users.length * s.requests,
      failed: [...failures.values()].reduce((a, b) => a + b, 0),
      failures: Object.fromEntries(failures),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    service.stop();
    await emulator.close();
  }
}

/** One log-stream delivery (JSON object format) reporting a login of `userId`. */
async function reportLogin(serviceUrl: string, userId: string): Promise<void> {
  const response = await fetch(`${serviceUrl}/auth0/log-stream`, {
    method: 'POST',
    headers: { authorization: STREAM_TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify({ log_id: `validation-${userId}`, data: { type: 's', user_id: userId } }),
  });
  if (response.status !== 204) throw new Error(`log stream answered ${response.status}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startService(env: Record<string, string>): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const cwd = mkdtempSync(join(tmpdir(), 'idp-proxy-sizing-'));
  const proc = spawn(process.execPath, [join(DIST, 'main.js')], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`service exited with ${proc.exitCode}`);
    const ready = await fetch(`${url}/health/ready`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error('service not ready within 30 s');
    await sleep(100);
  }
  rmSync(cwd, { recursive: true, force: true });
  return { url, stop: () => proc.kill('SIGTERM') };
}
