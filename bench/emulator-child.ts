/**
 * The emulator for the bench, in its own process so the floor measures the emulator and not an
 * event loop shared with the load generator. Started by bench.ts with an IPC channel: it starts the
 * compiled emulator (dist/sandbox/emulator/emulator.js), adds the bench users, mints their tokens,
 * sends them with the product's environment, then answers counter requests until disconnected.
 */
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
  /** the emulator's GitHub API root, for the reference proxy */
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

/** Endpoints that are calls to Auth0 (the tenant), plus the IdP endpoint the bench drives. */
export const COUNTED = [
  'jwks',
  'token.client_credentials',
  'token.exchange',
  'users',
  'github.user',
] as const;

const TOKEN_LIFETIME_S = 86_400;

async function run(): Promise<void> {
  const many = Number(process.env.BENCH_MANY_USERS ?? '1000');
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
  const floorToken = emulator.idpToken(seed, 'github');
  if (floorToken === undefined) throw new Error('seed GitHub user has no token');
  const ready: ChildReady = {
    type: 'ready',
    env: emulator.env(),
    floorUrl: `${emulator.urls.github}/user`,
    floorToken,
    githubApiRoot: emulator.urls.github,
    warmToken: mint(seed),
    manyTokens: emulator.addUsers(many, { providers: ['github'] }).map(mint),
    coldTokens: emulator.addUsers(cold, { providers: ['github'] }).map(mint),
  };
  process.on('message', (message: ParentAsk) => {
    if (message.type !== 'counts') return;
    const counts: Record<string, number> = {};
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
