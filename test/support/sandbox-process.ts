/**
 * The built `npm start` launcher (`node dist/sandbox/start.js`) as a user runs it: a child process
 * in an empty working directory (no `.env` is ever read), with a minimal environment (nothing of the
 * developer's AUTH0_* or REDIS_URL) and a free PORT. `npm test` builds dist/ first.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');
export const LAUNCHER = join(REPO_ROOT, 'dist', 'sandbox', 'start.js');
export const PRODUCT_MAIN = join(REPO_ROOT, 'dist', 'main.js');
const READY_MARK = 'Ctrl-C stops the sandbox.';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LauncherProcess {
  child: ChildProcess;
  /** stdout and stderr so far */
  output(): string;
  /** resolves once the process exited */
  exit: Promise<Exit>;
  /** sends `signal` (default SIGINT, as Ctrl-C) and waits for the exit */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

export interface Sandbox extends LauncherProcess {
  /** http://127.0.0.1:PORT */
  url: string;
  /** the emulated tenant, as printed */
  tenantUrl: string;
}

export function requireBuild(): void {
  if (!existsSync(LAUNCHER) || !existsSync(PRODUCT_MAIN)) {
    throw new Error(`${LAUNCHER} or ${PRODUCT_MAIN} is missing: run \`npx nest build\` (npm test does)`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** A minimal environment: what node needs, plus `env`. */
export function cleanEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'SYSTEMROOT'];
  const base: NodeJS.ProcessEnv = {};
  for (const name of keep) if (process.env[name] !== undefined) base[name] = process.env[name];
  return { ...base, ...env };
}

/** Runs `node <script>` in a fresh empty directory with exactly `env`. */
export function runNode(script: string, env: NodeJS.ProcessEnv): LauncherProcess {
  const cwd = mkdtempSync(join(tmpdir(), 'idp-proxy-'));
  const child = spawn(process.execPath, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exit = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, signal });
    }),
  );
  return {
    child,
    output: () => output,
    exit,
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Resolves when `predicate(output)` holds; rejects when the process exits first or time runs out. */
export async function waitForOutput(
  launched: LauncherProcess,
  predicate: (output: string) => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(launched.output())) {
    if (launched.child.exitCode !== null || launched.child.signalCode !== null) {
      throw new Error(`the process exited before it was ready:\n${launched.output()}`);
    }
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms:\n${launched.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `npm start` with no AUTH0_DOMAIN: the sandbox, once it printed its welcome. */
export async function startSandbox(env: Record<string, string> = {}): Promise<Sandbox> {
  requireBuild();
  const port = await freePort();
  const launched = runNode(LAUNCHER, cleanEnv({ PORT: String(port), ...env }));
  try {
    await waitForOutput(launched, (output) => output.includes(READY_MARK));
  } catch (error) {
    await launched.stop('SIGKILL');
    throw error;
  }
  const tenantUrl = /^Tenant:\s+(\S+)/m.exec(launched.output())?.[1];
  if (tenantUrl === undefined) throw new Error(`no Tenant line in:\n${launched.output()}`);
  return { ...launched, url: `http://127.0.0.1:${port}`, tenantUrl };
}
