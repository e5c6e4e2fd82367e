/**
 * For the shared-cache specs: the Redis named by REDIS_URL (`.ci/run` sets it; otherwise jest's global
 * set-up finds one on 127.0.0.1:6379 or starts a redis-server of its own; only when none works do
 * these suites skip, saying so in one line), service replicas as child processes (`node dist/main.js`,
 * exactly the environment given), a redis-server of a test's own to kill and restart, and a
 * client to look at what the replicas wrote.
 */
import { createClient } from '@keyv/redis';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { startEmulator } from '../../src/sandbox/emulator/emulator';
import type { EmulatorWithExtras } from '../../src/sandbox/emulator/emulator.types';
import { parseMetrics } from './ops';
import { PRODUCT_MAIN, cleanEnv, freePort, requireBuild, runNode } from './sandbox-process';
import type { LauncherProcess } from './sandbox-process';
import { waitUntilReady } from './stack';

export const REDIS_URL = (process.env.REDIS_URL ?? '').trim() || undefined;
export const REDIS_SERVER = '/usr/bin/redis-server';

function newClient(url: string) {
  return createClient({ url, socket: { reconnectStrategy: false } });
}
export type RedisClient = ReturnType<typeof newClient>;

/** `describe` when a Redis was found; else `describe.skip` and one line on stderr saying why. */
export function describeWithRedis(title: string, suite: () => void): void {
  if (REDIS_URL === undefined) {
    // Straight to stderr: jest shows nothing of a file whose tests are all skipped.
    process.stderr.write(
      `${title}: skipped, no Redis (REDIS_URL unset, nothing on 127.0.0.1:6379, no redis-server installed)\n`,
    );
    describe.skip(title, suite);
  } else {
    describe(title, suite);
  }
}

/** A key prefix no other test (or helper running tests at the same time) uses. */
export function uniquePrefix(name: string): string {
  return `idp-proxy-test:${name}:${randomUUID().slice(0, 8)}:`;
}

/** A CACHE_ENCRYPTION_KEY value. */
export function newEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}

export async function connectRedis(url: string): Promise<RedisClient> {
  const client = newClient(url);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Every key under `prefix` with its value (strings only: the service writes nothing else). */
export async function scanPrefix(client: RedisClient, prefix: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  for await (const keys of client.scanIterator({ MATCH: `${escapeGlob(prefix)}*`, COUNT: 500 })) {
    for (const key of keys) {
      const value = await client.get(key);
      if (value !== null) entries.set(key, value);
    }
  }
  return entries;
}

export async function deletePrefix(client: RedisClient, prefix: string): Promise<void> {
  const keys = [...(await scanPrefix(client, prefix)).keys()];
  if (keys.length > 0) await client.del(keys);
}

/**
 * The end of a fleet suite: stops the replicas, then the emulator, then removes every key the
 * suite wrote under `prefix` and closes the client. Each part may be missing (a failed start).
 */
export async function stopFleet(fleet: {
  replicas: readonly Replica[];
  emulator?: { close(): Promise<void> };
  redis?: RedisClient;
  prefix: string;
}): Promise<void> {
  await Promise.all(fleet.replicas.map((replica) => replica.stop()));
  await fleet.emulator?.close();
  if (fleet.redis !== undefined) {
    await deletePrefix(fleet.redis, fleet.prefix);
    fleet.redis.destroy();
  }
}

/**
 * Two replicas sharing the Redis of REDIS_URL under `prefix`, configured to a new emulator, with
 * `env` on top; a client to look at what they wrote. On failure, what was started is stopped.
 */
export async function startFleet(
  prefix: string,
  env: Record<string, string> = {},
): Promise<{ emulator: EmulatorWithExtras; replicas: Replica[]; redis: RedisClient }> {
  const redis = await connectRedis(REDIS_URL as string);
  const emulator = await startEmulator();
  const shared = {
    REDIS_URL: REDIS_URL as string,
    REDIS_KEY_PREFIX: prefix,
    CACHE_ENCRYPTION_KEY: newEncryptionKey(),
    ...env,
  };
  const started = await Promise.allSettled([startReplica(emulator, shared), startReplica(emulator, shared)]);
  const replicas = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed !== undefined) {
    await stopFleet({ replicas, emulator, redis, prefix });
    throw failed.reason;
  }
  return { emulator, replicas, redis };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export interface Replica {
  url: string;
  process: LauncherProcess;
  get(path: string, token?: string): Promise<{ status: number; text: string; json: any }>;
  /** /metrics as `name{labels}` → value */
  metrics(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

/** `node dist/main.js` configured to the emulator, with `env` on top, once /health/ready says 200. */
export async function startReplica(
  emulator: EmulatorWithExtras,
  env: Record<string, string>,
): Promise<Replica> {
  requireBuild();
  const port = await freePort();
  const launched = runNode(
    PRODUCT_MAIN,
    cleanEnv({ ...emulator.env(), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, 30_000);
  } catch (error) {
    await launched.stop('SIGKILL');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${launched.output()}`);
  }
  return {
    url,
    process: launched,
    async get(path, token) {
      const response = await fetch(`${url}${path}`, {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, text, json };
    },
    async metrics() {
      return parseMetrics(await (await fetch(`${url}/metrics`)).text());
    },
    async stop() {
      await launched.stop('SIGTERM');
    },
  };
}

export interface RedisServer {
  url: string;
  port: number;
  /** SIGKILL: the connection drops as in a crash */
  kill(): Promise<void>;
  /** a new, empty redis-server on the same port */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: connections stay open, nothing answers (a stalled server) */
  pause(): void;
  resume(): void;
}

/** A redis-server of the test's own on a free port: nothing saved, nothing shared. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const client = await connectRedis(`redis://127.0.0.1:${port}`);
        await client.ping();
        client.destroy();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const kill = async (): Promise<void> => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: start,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
  };
}

/** Polls `check` until it holds. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
