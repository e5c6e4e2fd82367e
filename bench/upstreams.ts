/**
 * The processes beside the service: the upstreams (emulator-child.ts: the emulated Auth0 tenant
 * and the floor) and the bare reference proxies (reference-proxy.ts); plus free ports and core
 * pinning for every process the bench starts.
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Args } from './args';
import type { ChildCounts, ChildReady, ParentAsk } from './emulator-child';
import { PROXY_PATH } from './paths';
import type { ReferenceKind } from './reference-proxy';

export interface EmulatorHandle {
  child: ChildProcess;
  ready: ChildReady;
  counts(): Promise<Record<string, number>>;
}

export async function startEmulatorChild(args: Args): Promise<EmulatorHandle> {
  const child = fork(join(__dirname, 'emulator-child.js'), [], {
    env: { ...process.env, BENCH_FLOOR_CHUNKED: args.chunked ? '1' : '0' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<ChildReady>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('emulator did not start within 60 s')), 60_000);
    child.once('exit', (code) => fail(new Error(`emulator exited with ${String(code)}`)));
    child.on('message', (message: ChildReady | ChildCounts) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      ok(message);
    });
  });
  return { child, ready, counts: countsOf(child) };
}

/** Asks the upstreams' process for its request counters, one IPC question at a time. */
function countsOf(child: ChildProcess): () => Promise<Record<string, number>> {
  let next = 0;
  return () => {
    const id = ++next;
    return new Promise((ok) => {
      const onMessage = (message: ChildReady | ChildCounts): void => {
        if (message.type !== 'counts' || message.id !== id) return;
        child.off('message', onMessage);
        ok(message.counts);
      };
      child.on('message', onMessage);
      const ask: ParentAsk = { type: 'counts', id };
      child.send(ask);
    });
  };
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => ok(port));
    });
  });
}

export interface ReferenceHandle {
  proc: ChildProcess;
  url: string;
}

/** A bare pass-through proxy (reference-proxy.ts) in front of the emulator's GitHub API. */
export async function startReference(
  ready: ChildReady,
  kind: ReferenceKind = 'fastify',
  nodeArgs: readonly string[] = [],
): Promise<ReferenceHandle> {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [
      ...nodeArgs,
      join(__dirname, 'reference-proxy.js'),
      kind,
      String(port),
      ready.githubApiRoot,
      ready.floorToken,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('reference proxy did not start within 30 s')), 30_000);
    proc.once('exit', (code) => fail(new Error(`reference proxy exited with ${String(code)}`)));
    proc.stdout?.on('data', (chunk: Buffer) => {
      if (!chunk.toString('utf8').includes('ready')) return;
      clearTimeout(timer);
      ok();
    });
  });
  // The TCP pipe knows no routes: its client asks for the emulator's own path.
  const path = kind === 'tcp' ? new URL(ready.floorUrl).pathname : PROXY_PATH;
  return { proc, url: `http://127.0.0.1:${port}${path}` };
}

/** Every thread of a process onto one core (taskset; Linux). */
export function pinToCore(pid: number, cpu: number): void {
  const result = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`taskset failed: ${result.stderr || String(result.error)}`);
}
