/**
 * The e2e stack of support/stack.ts with what operations specs need on top: the service's log
 * lines captured (at a chosen LOG_LEVEL), the option not to wait for readiness, raw HTTP requests
 * (header values fetch refuses to send) and /metrics parsed into numbers.
 */
import { connect } from 'node:net';
import type { EmulatorOptions } from '../../src/sandbox/emulator/emulator.types';
import { startStack } from './stack';
import type { Stack } from './stack';

export interface LogCapture {
  /** every line written, as text */
  readonly raw: string[];
  /** every line written, parsed */
  lines(): Array<Record<string, any>>;
}

export interface OpsStack extends Stack {
  logs: LogCapture;
}

export interface OpsStackOptions {
  env?: Record<string, string>;
  emulator?: EmulatorOptions;
  /** LOG_LEVEL of the service (default debug: every line that could leak is written) */
  logLevel?: string;
  /** called once the emulator runs and before the service starts (e.g. to take the JWKS down) */
  beforeApp?: (stack: Pick<Stack, 'emulator'>) => void;
  /** wait for /health/ready before returning (default true) */
  waitReady?: boolean;
}

export async function startOpsStack(options: OpsStackOptions = {}): Promise<OpsStack> {
  const raw: string[] = [];
  const logs: LogCapture = {
    raw,
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, any>),
  };
  const stack = await startStack(
    { LOG_LEVEL: options.logLevel ?? 'debug', ...options.env },
    options.emulator,
    {
      beforeApp:
        options.beforeApp === undefined ? undefined : (emulator) => options.beforeApp?.({ emulator }),
      logDestination: { write: (line: string) => void raw.push(line) },
      waitReady: options.waitReady,
    },
  );
  return { ...stack, logs };
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  /** as received (chunked encoding left in place) */
  body: string;
}

/**
 * One GET written byte for byte on a socket: `rawHeaders` (each line ending in CRLF) goes as is, so
 * a test can send header values fetch and node:http refuse (a bare LF, an obs-fold continuation).
 */
export function rawGet(baseUrl: string, path: string, rawHeaders: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${rawHeaders}Connection: close\r\n\r\n`,
      );
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body });
    });
  });
}

/** Sample values of /metrics text, keyed `name{label="value",...}` exactly as exposed. */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}
