/**
 * The bench's upstreams, in their own process so the floor is not an event loop shared with the
 * load generator. Started by bench.ts with an IPC channel: it starts the compiled emulator
 * (dist/sandbox/emulator/emulator.js) as the Auth0 tenant, adds the bench users, mints their
 * tokens, then serves GitHub's `GET /user` from a plain `node:http` handler (the floor): each
 * user's answer as the emulator gives it, read once at start-up, looked up by the bearer token.
 * The service is pointed at that handler (`GITHUB_API_BASE_URL`), so the floor and the proxied
 * rows share one cheap upstream and the ratio measures the proxy, not the emulator. It sends the
 * tokens with the product's environment, then answers counter requests until disconnected.
 */
import { createServer } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** The part of the emulator's interface (src/sandbox/emulator/emulator.types.ts) used here. */
interface BenchEmulator {
  readonly urls: { github: string };
  readonly seed: { github: string };
  env(): Record<string, string>;
  addUsers(count: number, spec: { providers: Array<'github'> }): string[];
  mintToken(options: { sub: string; expiresInS: number }): string;
  idpToken(userId: string, provider: 'github'): string | undefined;
  count(endpoint: string): number;
  close(): Promise<void>;
}
interface EmulatorModule {
  startEmulator(options: { idpTokenTtlS?: number; managementTokenTtlS?: number }): Promise<BenchEmulator>;
}

export interface ChildReady {
  type: 'ready';
  env: Record<string, string>;
  floorUrl: string;
  floorToken: string;
  /** the floor's GitHub API root (the service's and the reference proxies' too) */
  githubApiRoot: string;
  warmToken: string;
  manyTokens: string[];
  coldTokens: string[];
}
export interface ChildCounts {
  type: 'counts';
  id: number;
  counts: Record<string, number>;
}
export interface ParentAsk {
  type: 'counts';
  id: number;
}

/** Endpoints of the emulated tenant that are calls to Auth0. */
export const COUNTED = ['jwks', 'token.client_credentials', 'token.exchange', 'users'] as const;
/** The counter of the floor's `GET /user` answers. */
export const FLOOR_COUNT = 'floor.user';

/** Response headers that belong to a connection, not to the answer. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'date', 'transfer-encoding']);

interface FloorAnswer {
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

/**
 * Each IdP token's `GET /user` answer as the emulator gives it (status 200 only); `chunked`: without
 * its content-length, so it goes out in chunked transfer encoding, as many APIs answer.
 */
async function answersOf(
  apiRoot: string,
  tokens: readonly string[],
  chunked: boolean,
): Promise<Map<string, FloorAnswer>> {
  const answers = new Map<string, FloorAnswer>();
  for (const token of tokens) {
    const authorization = `Bearer ${token}`;
    const response = await fetch(`${apiRoot}/user`, { headers: { authorization } });
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status !== 200) throw new Error(`emulator GitHub /user answered ${response.status}`);
    const headers: OutgoingHttpHeaders = {};
    response.headers.forEach((value, name) => {
      if (!HOP_HEADERS.has(name) && !(chunked && name === 'content-length')) headers[name] = value;
    });
    answers.set(authorization, { headers, body });
  }
  return answers;
}

/** The floor: GitHub's `GET /user` from a plain node:http handler; 401 for an unknown token. */
async function startFloor(
  answers: ReadonlyMap<string, FloorAnswer>,
): Promise<{ url: string; calls: () => number }> {
  let calls = 0;
  const unauthorized = Buffer.from('{"message":"Bad credentials"}');
  const server = createServer({ keepAliveTimeout: 10_000 }, (req, res) => {
    const answer =
      req.method === 'GET' && req.url === '/user' ? answers.get(req.headers.authorization ?? '') : undefined;
    if (answer === undefined) {
      res
        .writeHead(req.url === '/user' ? 401 : 404, { 'content-type': 'application/json' })
        .end(unauthorized);
      return;
    }
    calls++;
    res.writeHead(200, answer.headers).end(answer.body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls: () => calls };
}

const TOKEN_LIFETIME_S = 86_400;

async function run(): Promise<void> {
  const many = Number(process.env.BENCH_MANY_USERS ?? '1000');
  const chunked = process.env.BENCH_FLOOR_CHUNKED === '1';
  const cold = Number(process.env.BENCH_COLD_USERS ?? '100');
  const modulePath = join(__dirname, '..', 'sandbox', 'emulator', 'emulator.js');
  const { startEmulator } = (await import(modulePath)) as EmulatorModule;
  // IdP tokens that outlive any run, so the identity cache TTL is the only bound on reuse.
  const emulator = await startEmulator({
    idpTokenTtlS: TOKEN_LIFETIME_S,
    managementTokenTtlS: TOKEN_LIFETIME_S,
  });
  const mint = (sub: string): string => emulator.mintToken({ sub, expiresInS: TOKEN_LIFETIME_S });
  const seed = emulator.seed.github;
  const manyUsers = emulator.addUsers(many, { providers: ['github'] });
  const coldUsers = emulator.addUsers(cold, { providers: ['github'] });
  const idpTokens = [seed, ...manyUsers, ...coldUsers].map((user) => {
    const token = emulator.idpToken(user, 'github');
    if (token === undefined) throw new Error(`bench user ${user} has no GitHub token`);
    return token;
  });
  const floor = await startFloor(await answersOf(emulator.urls.github, idpTokens, chunked));
  const ready: ChildReady = {
    type: 'ready',
    env: { ...emulator.env(), GITHUB_API_BASE_URL: floor.url },
    floorUrl: `${floor.url}/user`,
    floorToken: idpTokens[0],
    githubApiRoot: floor.url,
    warmToken: mint(seed),
    manyTokens: manyUsers.map(mint),
    coldTokens: coldUsers.map(mint),
  };
  process.on('message', (message: ParentAsk) => {
    if (message.type !== 'counts') return;
    const counts: Record<string, number> = { [FLOOR_COUNT]: floor.calls() };
    for (const endpoint of COUNTED) counts[endpoint] = emulator.count(endpoint);
    const answer: ChildCounts = { type: 'counts', id: message.id, counts };
    process.send?.(answer);
  });
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('disconnect', stop);
  process.once('SIGTERM', stop);
  process.send?.(ready);
}

if (require.main === module) {
  if (process.send === undefined) {
    console.error('emulator-child: run by bench.ts (needs an IPC channel)');
    process.exit(2);
  }
  run().catch((err: unknown) => {
    console.error(`emulator-child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  });
}
