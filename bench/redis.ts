/**
 * The Redis the bench's two-tier service uses: a private `redis-server` on a free port (so the
 * command counts are the service's alone, not those of anything else sharing a Redis), and its
 * `INFO commandstats` read over a bare RESP connection.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { sleep } from './stats';
import { freePort } from './upstreams';

export interface RedisHandle {
  proc: ChildProcess;
  url: string;
  /** the service's extra environment: the Redis URL and a fresh encryption key */
  env: Record<string, string>;
}

/** A private redis-server (no persistence), or undefined when none is installed. */
export async function startRedis(): Promise<RedisHandle | undefined> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const failed = await new Promise<boolean>((ok) => {
    proc.once('error', () => ok(true));
    proc.once('spawn', () => ok(false));
  });
  if (failed) return undefined;
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if ((await commandCount(url).catch(() => undefined)) !== undefined) break;
    await sleep(100);
  }
  return { proc, url, env: { REDIS_URL: url, CACHE_ENCRYPTION_KEY: randomBytes(32).toString('base64') } };
}

/** Commands the server has run so far (the sum of `INFO commandstats`' calls), the INFO itself excluded. */
export function commandCount(url: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((ok, fail) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('error', fail);
    socket.on('data', (chunk: string) => {
      text += chunk;
      const header = /^\$(\d+)\r\n/.exec(text);
      if (header === null || Buffer.byteLength(text) < header[0].length + Number(header[1])) return;
      socket.end();
      ok(sumCalls(text, 'info'));
    });
    socket.write('INFO commandstats\r\n');
  });
}

/** Sum of `cmdstat_<name>:calls=<n>` over every command but `except`. */
function sumCalls(info: string, except: string): number {
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    if (match[1] !== except) total += Number(match[2]);
  return total;
}
