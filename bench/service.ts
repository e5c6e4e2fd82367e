/**
 * The service under test (`node dist/main.js`) as a child process: started with only the
 * emulator's environment, waited for until /health/ready answers, stopped by signal.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST } from './paths';
import { sleep } from './stats';
import { freePort } from './upstreams';

export interface ServiceHandle {
  proc: ChildProcess;
  url: string;
  exited: Promise<void>;
  /** lines the service wrote to stdout/stderr (kept, not shown: 503s before ready log a stack) */
  logLines(): number;
  logTail(): string;
}

/** The service's LOG_LEVEL for this run (--log-level). */
let logLevel = 'warn';
let serviceNodeFlags: readonly string[] = [];

/** This run's LOG_LEVEL and Node flags (--log-level, --node-flags), the defaults of startService. */
export function setServiceDefaults(level: string, nodeFlags: readonly string[]): void {
  logLevel = level;
  serviceNodeFlags = nodeFlags;
}

/** The last lines a process wrote to stdout and stderr, and how many it wrote. */
class OutputLog {
  text = '';
  lines = 0;
  constructor(proc: ChildProcess) {
    const keep = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      this.lines += text.split('\n').length - 1;
      this.text = (this.text + text).slice(-20_000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
  }
}

export async function startService(
  emulatorEnv: Record<string, string>,
  extra: Record<string, string>,
  nodeArgs: string[] = [],
  dist = DIST,
  nodeFlags = serviceNodeFlags,
  cpu?: number,
): Promise<ServiceHandle> {
  const port = await freePort();
  // Only what the process needs plus the emulator's environment: no REDIS_URL or other
  // settings leak in from the shell, and a cwd without `.env`.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    ...emulatorEnv,
    PORT: String(port),
    LOG_LEVEL: logLevel,
    ...extra,
  };
  const cwd = mkdtempSync(join(tmpdir(), 'idp-proxy-bench-'));
  const command = [process.execPath, ...nodeFlags, ...nodeArgs, join(dist, 'main.js')];
  // `cpu`: pinned to that core with taskset (which execs node: the pid stays the service's).
  const [file, ...argv] = cpu === undefined ? command : ['taskset', '-c', String(cpu), ...command];
  const proc = spawn(file, argv, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = new OutputLog(proc);
  const exited = new Promise<void>((ok) => proc.once('exit', () => ok()));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(proc, url, log);
  rmSync(cwd, { recursive: true, force: true });
  const linesAtReady = log.lines;
  return {
    proc,
    url,
    exited,
    logLines: () => log.lines - linesAtReady,
    logTail: () => log.text.slice(-2000),
  };
}

/** Polls /health/ready until 200, for at most 30 s; fails at once if the process exits. */
async function waitReady(proc: ChildProcess, url: string, log: OutputLog): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(`service exited with ${proc.exitCode} before ready:\n${log.text.slice(-4000)}`);
    try {
      const response = await fetch(`${url}/health/ready`);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`service not ready within 30 s:\n${log.text.slice(-4000)}`);
    await sleep(100);
  }
}

export async function stopService(service: ServiceHandle, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (service.proc.exitCode !== null || service.proc.signalCode !== null) return;
  service.proc.kill(signal);
  const timer = setTimeout(() => service.proc.kill('SIGKILL'), 15_000);
  await service.exited;
  clearTimeout(timer);
}
