/**
 * docker-compose.yml and .env.example: the compose file validates with docker-compose v1 (the
 * strictest of the two CLIs; skipped with a line saying so when it is not installed) in both
 * profiles; plain `up` runs no emulator; the `sandbox` profile's emulator is set up as `npm start`
 * sets it up, Token Vault included; both files cover every variable the configuration reads.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { describeVariables } from '../src/config/app-config';
import { PRODUCT_NODE_FLAGS } from '../src/node-flags';
import {
  REPO_ROOT,
  cleanEnv,
  freePort,
  PRODUCT_MAIN,
  requireBuild,
  runNode,
  waitForOutput,
} from './support/sandbox-process';

const run = promisify(execFile);

/** Every variable the configuration reads; HOST and PORT are set per container by the file itself. */
const CONFIG_VARIABLES = describeVariables().map((v) => v.name);
const PER_CONTAINER = ['PORT', 'HOST'];

/** The service blocks of a resolved compose file, by name. */
function serviceBlocks(resolved: string): Map<string, string> {
  const lines = resolved.split('\n');
  const blocks = new Map<string, string>();
  let name: string | undefined;
  for (const line of lines.slice(lines.indexOf('services:') + 1)) {
    if (/^\S/.test(line)) break;
    const header = /^ {2}([\w-]+):$/.exec(line);
    if (header) name = header[1];
    else if (name !== undefined) blocks.set(name, `${blocks.get(name) ?? ''}${line}\n`);
  }
  return blocks;
}

const COMPOSE = join(REPO_ROOT, 'docker-compose.yml');
const composeCli = (process.env.PATH ?? '')
  .split(delimiter)
  .map((dir) => join(dir, 'docker-compose'))
  .find((file) => existsSync(file));
if (composeCli === undefined) {
  console.warn(
    'sandbox-compose: docker-compose v1 not installed (apt-get install -y docker-compose): validation skipped',
  );
}
const itWithCompose = composeCli === undefined ? it.skip : it;

describe('docker-compose.yml', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'idp-proxy-compose-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** `docker-compose config` with `envFile` as .env (never the developer's own .env or environment) */
  /** `args` after `config`; a `--profile <name>` among them goes before it, as compose wants it */
  async function config(envFile: string, ...args: string[]): Promise<string> {
    const at = args.indexOf('--profile');
    const profile = at < 0 ? [] : args.splice(at, 2);
    const file = join(dir, `${Math.random().toString(36).slice(2)}.env`);
    writeFileSync(file, envFile);
    const { stdout } = await run(
      composeCli!,
      ['--env-file', file, ...profile, '-f', COMPOSE, 'config', ...args],
      {
        cwd: REPO_ROOT,
        env: cleanEnv(), // compose lets the environment override .env (CI exports REDIS_URL)
      },
    );
    return stdout;
  }

  itWithCompose(
    'should validate both profiles with docker-compose v1 (`config -q`) without any .env',
    async () => {
      await expect(config('', '-q')).resolves.toBe('');
      await expect(config('', '--profile', 'sandbox', '-q')).resolves.toBe('');
    },
  );

  itWithCompose(
    'should run two replicas and the load balancer on PORT plus Redis, and no emulator',
    async () => {
      const resolved = await config(
        'AUTH0_DOMAIN=tenant.eu.auth0.com\nAUTH0_AUDIENCE=https://api.example.com\n',
      );
      const blocks = serviceBlocks(resolved);
      const plain = [...blocks].filter(([, block]) => !/^ {4}profiles:/m.test(block)).map(([name]) => name);
      expect(plain.sort()).toEqual(['lb', 'redis', 'replica-1', 'replica-2']);
      expect(blocks.get('emulator')).toMatch(/^ {4}profiles:\n {4}- sandbox$/m);
      for (const name of plain) {
        const block = blocks.get(name) ?? '';
        expect({ name, networkMode: /network_mode/.test(block) }).toEqual({ name, networkMode: false });
        expect({ name, dependsOnEmulator: /^ {4}- emulator$|^ {6}emulator:$/m.test(block) }).toEqual({
          name,
          dependsOnEmulator: false,
        });
      }
      expect(blocks.get('lb')).toMatch(/published: 3000\n {6}target: 3000/);
      expect(blocks.get('replica-1')).toMatch(/AUTH0_DOMAIN: tenant\.eu\.auth0\.com/);
      expect(blocks.get('replica-1')).toMatch(/REDIS_URL: redis:\/\/redis:6379/);
      // Only the load balancer publishes a port.
      expect(
        [...blocks].filter(([n, b]) => n !== 'emulator' && /published:/.test(b)).map(([n]) => n),
      ).toEqual(['lb']);
    },
  );

  itWithCompose('should publish the port PORT names', async () => {
    const blocks = serviceBlocks(await config('PORT=8088\n'));
    expect(blocks.get('lb')).toMatch(/published: 8088\n {6}target: 3000/);
    expect(blocks.get('emulator')).toContain('http://localhost:8088/docs/oauth2-redirect.html');
  });

  itWithCompose('should publish nothing of the emulator but its sign-in page, on loopback', async () => {
    const emulator = serviceBlocks(await config('', '--profile', 'sandbox')).get('emulator') ?? '';
    const ports = /^ {4}ports:\n((?: {4}- .*\n)+)/m.exec(emulator)?.[1] ?? '';
    expect(ports.trim().split('\n')).toEqual(['    - 127.0.0.1:4010:4010/tcp'.trim()]);
    expect(emulator).toMatch(/EMULATOR_SANDBOX: ["']true["']/);
  });

  it('should pass every configuration variable from .env to the replicas', () => {
    const compose = readFileSync(COMPOSE, 'utf8');
    const missing = CONFIG_VARIABLES.filter(
      (name) =>
        !PER_CONTAINER.includes(name) && !new RegExp(`^ {4}${name}: \\$\\{${name}:-`, 'm').test(compose),
    );
    expect(missing).toEqual([]);
  });
});

describe('.env.example', () => {
  it('should list every configuration variable, commented out, each with a comment', () => {
    const example = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8');
    const lines = example.split('\n');
    for (const name of CONFIG_VARIABLES) {
      const index = lines.findIndex((line) => line.startsWith(`# ${name}=`) || line.startsWith(`${name}=`));
      expect({ name, listed: index >= 0 }).toEqual({ name, listed: true });
      expect({ name, commented: lines[index - 1]?.startsWith('#') }).toEqual({ name, commented: true });
    }
  });
});

describe("The sandbox profile's emulator", () => {
  it('should print the settings npm start gives the product, so the Token Vault seed user answers 200', async () => {
    requireBuild();
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const emulator = runNode(
      join(REPO_ROOT, 'dist', 'sandbox', 'emulator', 'main.js'),
      cleanEnv({
        EMULATOR_SANDBOX: 'true',
        EMULATOR_TENANT_PORT: String(ports[0]),
        EMULATOR_GOOGLE_PORT: String(ports[1]),
        EMULATOR_GITHUB_PORT: String(ports[2]),
        EMULATOR_FACEBOOK_PORT: String(ports[3]),
      }),
    );
    let product: ReturnType<typeof runNode> | undefined;
    try {
      await waitForOutput(
        emulator,
        (out) => /^TOKEN_VAULT_CLIENT_SECRET=/m.test(out) && /google-oauth2\|7007: \S+/.test(out),
      );
      const env = Object.fromEntries(
        [...emulator.output().matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]]),
      );
      expect(env).toMatchObject({ TOKEN_VAULT_PROVIDERS: 'google', SWAGGER_CLIENT_ID: expect.any(String) });
      const token = /google-oauth2\|7007: (\S+)/.exec(emulator.output())?.[1] ?? '';
      const port = await freePort();
      product = runNode(
        PRODUCT_MAIN,
        cleanEnv({ ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error' }),
      );
      const url = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 150; i++) {
        const ready = await fetch(`${url}/health/ready`).catch(() => undefined);
        if (ready?.status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const profile = await fetch(`${url}/v1/idp/google/profile`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(profile.status).toBe(200);
      expect(((await profile.json()) as { provider: string }).provider).toBe('google');
    } finally {
      await product?.stop('SIGTERM');
      await emulator.stop('SIGTERM');
    }
  }, 60_000);
});

describe("The product's Node flags (src/node-flags.ts)", () => {
  const read = (file: string): string => readFileSync(join(REPO_ROOT, file), 'utf8');
  const command = (flags: readonly string[]): string => ['node', ...flags, 'dist/main.js'].join(' ');

  it('should start the product with them everywhere this project starts it', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start:prod']).toBe(command(PRODUCT_NODE_FLAGS));
    expect(read('Dockerfile')).toContain(
      `CMD ${JSON.stringify(command(PRODUCT_NODE_FLAGS).split(' '))}`.replace(/","/g, '", "'),
    );
    expect(read('docker-compose.yml')).toContain(`exec ${command(PRODUCT_NODE_FLAGS)}\n`);
    expect(read('src/sandbox/start.ts')).toContain('[...PRODUCT_NODE_FLAGS, PRODUCT_MAIN]');
  });
});
