/**
 * docker-compose.yml and .env.example: the compose file validates with docker-compose v1 (the
 * strictest of the two CLIs; skipped with a line saying so when it is not installed), and both
 * files cover every variable of the contract's configuration table.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, cleanEnv } from './support/sandbox-process';
import { PRODUCT_NODE_FLAGS } from '../src/node-flags';

const run = promisify(execFile);

/** The contract's configuration table. */
const CONTRACT_VARIABLES = [
  'AUTH0_DOMAIN',
  'AUTH0_AUDIENCE',
  'AUTH0_ISSUER',
  'AUTH0_CLIENT_ID',
  'AUTH0_CLIENT_SECRET',
  'PORT',
  'REDIS_URL',
  'REDIS_KEY_PREFIX',
  'CACHE_ENCRYPTION_KEY',
  'GOOGLE_API_BASE_URL',
  'GITHUB_API_BASE_URL',
  'FACEBOOK_API_BASE_URL',
  'GOOGLE_TOKEN_URL',
  'GOOGLE_CLIENT_ID',
  'GOOGLE_CLIENT_SECRET',
  'FACEBOOK_APP_SECRET',
  'TOKEN_VAULT_PROVIDERS',
  'TOKEN_VAULT_CLIENT_ID',
  'TOKEN_VAULT_CLIENT_SECRET',
  'UPSTREAM_TIMEOUT_MS',
  'IDENTITY_CACHE_TTL_S',
  'AUTH0_LOG_STREAM_TOKEN',
  'AUTH0_MGMT_RPS',
  'JWKS_MIN_REFETCH_MS',
  'CORS_ORIGINS',
  'SWAGGER_CLIENT_ID',
  'CACHE_ENCRYPTION_KEY_PREVIOUS',
  'LOG_LEVEL',
  'LOG_PRETTY',
];

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
  async function config(envFile: string, ...args: string[]): Promise<string> {
    const file = join(dir, `${Math.random().toString(36).slice(2)}.env`);
    writeFileSync(file, envFile);
    const { stdout } = await run(composeCli!, ['--env-file', file, '-f', COMPOSE, 'config', ...args], {
      cwd: REPO_ROOT,
      env: cleanEnv(), // compose lets the environment override .env (CI exports REDIS_URL)
    });
    return stdout;
  }

  itWithCompose('should validate with docker-compose v1 (`config -q`) without any .env', async () => {
    await expect(config('', '-q')).resolves.toBe('');
  });

  itWithCompose(
    'should run two replicas and the load balancer in the emulator namespace, plus Redis',
    async () => {
      const resolved = await config('');
      expect(resolved).toMatch(/^ {2}replica-1:$/m);
      expect(resolved).toMatch(/^ {2}replica-2:$/m);
      expect(resolved).toMatch(/^ {2}redis:$/m);
      expect(resolved.match(/network_mode: service:emulator/g)).toHaveLength(3);
      expect(resolved).toMatch(/PORT: '3001'/);
      expect(resolved).toMatch(/PORT: '3002'/);
      expect(resolved).toMatch(/REDIS_URL: redis:\/\/redis:6379/);
    },
  );

  itWithCompose('should hand the replicas the tenant configured in .env', async () => {
    const resolved = await config(
      'AUTH0_DOMAIN=tenant.eu.auth0.com\nAUTH0_AUDIENCE=https://api.example.com\n',
    );
    expect(resolved).toMatch(/AUTH0_DOMAIN: tenant\.eu\.auth0\.com/);
    expect(resolved).toMatch(/AUTH0_AUDIENCE: https:\/\/api\.example\.com/);
  });

  it('should pass every contract variable from .env to the replicas', () => {
    const compose = readFileSync(COMPOSE, 'utf8');
    const missing = CONTRACT_VARIABLES.filter(
      (name) => name !== 'PORT' && !new RegExp(`^ {4}${name}: \\$\\{${name}:-`, 'm').test(compose),
    );
    expect(missing).toEqual([]);
  });
});

describe('.env.example', () => {
  it('should list every contract variable, commented out, each with a comment', () => {
    const example = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8');
    const lines = example.split('\n');
    for (const name of CONTRACT_VARIABLES) {
      const index = lines.findIndex((line) => line.startsWith(`# ${name}=`) || line.startsWith(`${name}=`));
      expect({ name, listed: index >= 0 }).toEqual({ name, listed: true });
      expect({ name, commented: lines[index - 1]?.startsWith('#') }).toEqual({ name, commented: true });
    }
  });
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
