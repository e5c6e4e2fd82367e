/**
 * Jest's global set-up and teardown for the shared-cache suites: REDIS_URL when set; else a Redis
 * answering on 127.0.0.1:6379; else a `redis-server` of our own on a free port when one is
 * installed (stopped at the end). When none works REDIS_URL stays unset and those suites skip,
 * saying so in one line (`describeWithRedis`).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';

const LOCAL = { host: '127.0.0.1', port: 6379 };
const SERVERS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/opt/homebrew/bin/redis-server'];
let own: ChildProcess | undefined;

/** Whether a Redis answers PING there within a second. */
export function answersPing(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(String(data).startsWith('+PONG')));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function startOwnServer(binary: string): Promise<string | undefined> {
  const port = await freePort();
  own = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 50; i++) {
    if (await answersPing('127.0.0.1', port)) return `redis://127.0.0.1:${port}`;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  own.kill('SIGKILL');
  own = undefined;
  return undefined;
}

export async function setup(): Promise<void> {
  if ((process.env.REDIS_URL ?? '').trim() !== '') return;
  if (await answersPing(LOCAL.host, LOCAL.port)) {
    process.env.REDIS_URL = `redis://${LOCAL.host}:${LOCAL.port}`;
    return;
  }
  const binary = SERVERS.find((file) => existsSync(file));
  const url = binary === undefined ? undefined : await startOwnServer(binary);
  if (url !== undefined) process.env.REDIS_URL = url;
}

export function teardown(): void {
  own?.kill('SIGTERM');
  own = undefined;
}
