/**
 * An emulator and the service configured to it, both on loopback free ports, for e2e specs.
 * Every answer the specs receive through `call` is kept, so a suite can scan all of them for the
 * emulator's secrets at the end (`expectNoSecretLeaked`).
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, listenAll } from '../../src/bootstrap';
import { CacheService } from '../../src/cache/cache.service';
import { parseConfig } from '../../src/config/app-config';
import type { ProviderDeclaration } from '../../src/identity-providers/provider-declaration';
import { startEmulator } from '../../src/sandbox/emulator/emulator';
import type { EmulatorOptions, EmulatorWithExtras } from '../../src/sandbox/emulator/emulator.types';

export interface CallOptions {
  method?: string;
  token?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** parsed JSON body, undefined when not JSON */
  json: any;
}

export interface Stack {
  emulator: EmulatorWithExtras;
  app: NestFastifyApplication;
  url: string;
  /** a user token for `sub` (default: the linked seed user) */
  token(sub?: string): string;
  call(path: string, options?: CallOptions): Promise<Answer>;
  /** every answer received so far, as text (headers and body) */
  answers: string[];
  /**
   * `fetch` for a client library (Octokit's `request.fetch`, gaxios' `fetchImplementation`): it keeps
   * each answer for the leak scan and each URL asked in `fetched`
   */
  fetch: typeof fetch;
  /** every URL asked through `fetch`, in order */
  fetched: string[];
  close(): Promise<void>;
}

export interface StackOptions {
  /** called once the emulator runs and before the service starts (e.g. to take the JWKS down) */
  beforeApp?: (emulator: EmulatorWithExtras) => void;
  /** where the service's log lines go (LOG_LEVEL in env sets how many) */
  logDestination?: { write(line: string): void };
  /** wait for /health/ready before returning (default true) */
  waitReady?: boolean;
  /** the providers the service serves (default: the served list) */
  providers?: readonly ProviderDeclaration[];
}

export async function startStack(
  env: Record<string, string> = {},
  emulatorOptions: EmulatorOptions = {},
  options: StackOptions = {},
): Promise<Stack> {
  const emulator = await startEmulator(emulatorOptions);
  options.beforeApp?.(emulator);
  const config = parseConfig(
    {
      ...emulator.env(),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      ...env,
    },
    options.providers,
  );
  const app = await createApp(config, {
    logger: false,
    logDestination: options.logDestination,
    providers: options.providers,
  });
  await listenAll(app, config);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const answers: string[] = [];
  const fetched: string[] = [];
  const keep = async (response: Response): Promise<void> => {
    const text = await response.clone().text();
    answers.push(`${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${text}`);
  };
  const stack: Stack = {
    emulator,
    app,
    url,
    answers,
    fetched,
    async fetch(input, init) {
      fetched.push(input instanceof Request ? input.url : String(input));
      const response = await fetch(input, init);
      await keep(response);
      return response;
    },
    token: (sub = emulator.seed.linked) => emulator.mintToken({ sub }),
    async call(path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      const response = await fetch(`${url}${path}`, {
        method: options.method ?? 'GET',
        headers,
        body: options.body,
      });
      await keep(response);
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    async close() {
      await app.close();
      await emulator.close();
    },
  };
  if (options.waitReady ?? true) {
    await waitUntilReady(config.adminPort === undefined ? url : `http://127.0.0.1:${config.adminPort}`);
  }
  return stack;
}

/** Runs `run` on a fresh stack, scans its answers for secrets, and always closes it. */
export async function withStack(
  env: Record<string, string>,
  run: (stack: Stack) => Promise<void>,
): Promise<void> {
  const stack = await startStack(env);
  try {
    await run(stack);
    expectNoSecretLeaked(stack);
  } finally {
    await stack.close();
  }
}

/** A problem+json answer of the service with this status and code, carrying a request id. */
export function expectProblem(answer: Answer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.json?.code }).toEqual({ status, code });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.json).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String) });
  expect(answer.headers.get('x-request-id')).toEqual(expect.any(String));
}

export async function waitUntilReady(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/health/ready`).catch(() => undefined);
    if (response?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`service at ${url} not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Fails when any answer received so far contains any secret the emulator ever issued. */
export function expectNoSecretLeaked(stack: Stack): void {
  const secrets = stack.emulator.secrets();
  expect(secrets.length).toBeGreaterThan(0);
  const leaks = secrets.filter((secret) => stack.answers.some((answer) => answer.includes(secret)));
  expect(leaks).toEqual([]);
}

/**
 * The service asks for a management token at start-up: drop it, and zero the emulator's counters,
 * so a test sees the token call its own request makes.
 */
export async function forgetManagementToken(stack: Stack): Promise<void> {
  await stack.app.get(CacheService).delete('management_token', 'management');
  stack.emulator.resetCounters();
}
