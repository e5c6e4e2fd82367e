/**
 * `npm start`, outside the product. With AUTH0_DOMAIN configured (environment or `.env`) it runs the
 * product alone (`node dist/main.js`). Without it: the sandbox — the emulated Auth0 tenant and
 * Google, GitHub and Facebook APIs, then the product configured to them as a child process, all on
 * loopback; once ready it prints the Swagger UI address, demo tokens and curl lines that work as
 * pasted. A misspelt variable never reaches this file's sandbox branch in production: `node
 * dist/main.js` never imports it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants } from 'node:os';
import { join } from 'node:path';
import { startDemoServer } from './demo.server';
import type { DemoServer } from './demo.server';
import { startEmulator } from './emulator/emulator';
import type { EmulatorWithExtras } from './emulator/emulator.types';
import { PRODUCT_NODE_FLAGS } from '../node-flags';
import { prepareSandboxTenant, SANDBOX_VAULT_PROVIDER } from './sandbox-tenant';

const PRODUCT_MAIN = join(__dirname, '..', 'main.js');
const HOST = '127.0.0.1';
const DEFAULT_PORT = 3000;
const DEMO_TOKEN_TTL_S = 12 * 3600;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function fail(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
}

/**
 * The product in its own process group, so a terminal's Ctrl-C reaches it once, from here, and
 * Nest's shutdown hooks can finish instead of being cut short by a second signal.
 */
function spawnProduct(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [...PRODUCT_NODE_FLAGS, PRODUCT_MAIN], {
    env,
    stdio: 'inherit',
    detached: true,
  });
  // Whatever ends this process, the product does not outlive it.
  process.once('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function exitCodeOf({ code, signal }: { code: number | null; signal: NodeJS.Signals | null }): number {
  if (code !== null) return code;
  return signal === null ? 1 : 128 + (constants.signals[signal] ?? 0);
}

/** `AUTH0_DOMAIN` is configured: the product alone, this process only relays signals and its exit code. */
async function runProductAlone(): Promise<void> {
  const child = spawnProduct(process.env);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, () => child.kill(signal));
  process.exit(exitCodeOf(await exited(child)));
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, HOST, () => probe.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function choosePort(raw: string | undefined): Promise<number> {
  const text = raw?.trim() ?? '';
  if (text === '') return DEFAULT_PORT;
  if (!/^\d+$/.test(text) || Number(text) > 65535) fail('PORT must be a whole number from 0 to 65535');
  return Number(text) === 0 ? freePort() : Number(text);
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (child.exitCode === null && child.signalCode === null) {
    const response = await fetch(`${url}/health/ready`).catch(() => undefined);
    if (response?.status === 200) return;
    if (Date.now() > deadline)
      throw new Error(`the service at ${url} was not ready after ${READY_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the service stopped before it was ready (see its output above)');
}

function describeUser(emulator: EmulatorWithExtras, userId: string): string {
  const user = emulator.user(userId);
  if (user === undefined) return userId;
  return `${userId} — ${user.name} (${user.identities.map((i) => i.connection).join(', ')})`;
}

function curl(url: string, token: string): string {
  return `curl -sSi '${url}' -H 'Authorization: Bearer ${token}'`;
}

/**
 * Octokit, as a user writes it: `baseUrl` the service's GitHub route, the Auth0 token as `auth`.
 * Runs as printed in this repository (where `@octokit/rest` is installed), or anywhere after
 * `npm i @octokit/rest`.
 */
function octokit(url: string, token: string): string {
  const script = [
    "import { Octokit } from '@octokit/rest';",
    `const octokit = new Octokit({ baseUrl: '${url}/v1/idp/github/api', auth: '${token}' });`,
    'const repos = await octokit.paginate(octokit.repos.listForAuthenticatedUser, { per_page: 2 });',
    'console.log(repos.map((repo) => repo.full_name));',
  ].join(' ');
  return `node --input-type=module -e "${script}"`;
}

function printWelcome(emulator: EmulatorWithExtras, url: string, demo: DemoServer): void {
  const tokens = new Map<string, string>();
  for (const userId of Object.values(emulator.seed)) {
    tokens.set(userId, emulator.mintToken({ sub: userId, expiresInS: DEMO_TOKEN_TTL_S }));
  }
  const service = emulator.mintServiceToken({ permissions: ['proxy:users'] });
  const linked = emulator.seed.linked;
  const linkedToken = tokens.get(linked) ?? '';

  say();
  say('================================ SANDBOX READY ================================');
  say(`Swagger UI:  ${url}/docs`);
  say(`             Authorize → oauth2 (client_id ${emulator.spaClientId}) → sign in as a seed user, or`);
  say('             paste a token below under "bearer"; then Try it out.');
  say(`OpenAPI:     ${url}/docs/openapi.json`);
  say(`Sample app:  ${demo.url}  (auth0-spa-js, PKCE: sign in as auth0|4004 for linked identities)`);
  say(`Tenant:      ${emulator.tenantUrl} (emulated Auth0, audience ${emulator.audience})`);
  say();
  say(`Demo access tokens, one per seed user (valid ${DEMO_TOKEN_TTL_S / 3600} h):`);
  for (const [userId, token] of tokens) {
    say(`  ${describeUser(emulator, userId)}`);
    say(`  ${token}`);
  }
  say();
  say('Service token (client credentials, permission proxy:users, valid 1 h):');
  say(`  ${service}`);
  say();
  say(`Try it (as ${linked}, linked to Google and GitHub):`);
  say('# the linked identities (never a token)');
  say(curl(`${url}/v1/identities`, linkedToken));
  say('# the GitHub profile, normalized');
  say(curl(`${url}/v1/idp/github/profile`, linkedToken));
  say("# GitHub's API through the proxy: see the Link header rewritten to this service");
  say(curl(`${url}/v1/idp/github/api/user/repos?per_page=2`, linkedToken));
  say('# the same with Octokit: paginate follows those links, every page through the proxy');
  say(octokit(url, linkedToken));
  say(`# a service acting for ${linked}`);
  say(curl(`${url}/v1/users/${encodeURIComponent(linked)}/identities`, service));
  say(
    `# Token Vault (TOKEN_VAULT_PROVIDERS=${SANDBOX_VAULT_PROVIDER}): ${emulator.seed.vault} has no token in`,
  );
  say('# identities[]; the service exchanges the caller token for the Google token Token Vault holds');
  say(curl(`${url}/v1/idp/google/profile`, tokens.get(emulator.seed.vault) ?? ''));
  say('===============================================================================');
  say('Ctrl-C stops the sandbox.');
}

async function runSandbox(): Promise<void> {
  say(
    'SANDBOX MODE: AUTH0_DOMAIN is not set, so this runs an EMULATED Auth0 tenant and emulated Google, GitHub and Facebook APIs on 127.0.0.1 — no real account is involved. Set AUTH0_DOMAIN (see .env.example) to run against your tenant.',
  );
  const port = await choosePort(process.env.PORT);
  if (!(await portIsFree(port))) fail(`port ${port} on ${HOST} is in use; set PORT to a free port`);
  const origins = [`http://${HOST}:${port}`, `http://localhost:${port}`];
  // the sample app (examples/spa) on its own port: its origin is a browser origin the service allows
  const demo = await startDemoServer({ host: HOST });
  const emulator = await startEmulator({
    allowedRedirectUris: [...origins.map((origin) => `${origin}/docs/oauth2-redirect.html`), demo.url],
  });
  // Every Google user goes through the exchange: the vault holds the other seed users' Google too.
  const sandboxSettings = prepareSandboxTenant(emulator);
  const url = origins[0];
  // The emulated tenant's Custom Webhook log stream, pointed at the service once it is up.
  const logStreamToken = `Bearer sandbox-log-stream-${randomBytes(12).toString('hex')}`;
  demo.configure({
    domain: emulator.tenantUrl,
    clientId: emulator.spaClientId,
    audience: emulator.audience,
    apiBaseUrl: url,
  });
  const child = spawnProduct({
    ...process.env,
    ...emulator.env(),
    ...sandboxSettings,
    PORT: String(port),
    HOST,
    CORS_ORIGINS: [...origins, demo.origin].join(','),
    AUTH0_LOG_STREAM_TOKEN: logStreamToken,
    LOG_PRETTY: 'true',
  });

  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited(child);
      clearTimeout(timer);
    }
    await Promise.all([emulator.close(), demo.close()]);
    process.exit(code);
  };
  for (const signal of FORWARDED_SIGNALS) {
    process.once(signal, () => {
      say(`\n${signal}: stopping the sandbox…`);
      void stop(0);
    });
  }
  child.once('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(
      `npm start: the service exited (${signal ?? `code ${code}`}); stopping the sandbox\n`,
    );
    void stop(exitCodeOf({ code, signal }) || 1);
  });

  try {
    await waitUntilReady(url, child);
  } catch (error) {
    process.stderr.write(`npm start: ${error instanceof Error ? error.message : String(error)}\n`);
    return stop(1);
  }
  printWelcome(emulator, url, demo);
  await demoLogStream(emulator, url, logStreamToken);
}

/**
 * Points the emulated tenant's log stream at the service (every sign-in is then reported as a
 * login event, which drops that user's cached identities) and shows one delivery working.
 */
async function demoLogStream(
  emulator: EmulatorWithExtras,
  url: string,
  authorization: string,
): Promise<void> {
  emulator.setLogStream({ url: `${url}/auth0/log-stream`, authorization, format: 'JSONARRAY' });
  const linked = emulator.seed.linked;
  const statuses = await emulator.postLogStream([{ type: 's', user_id: linked }]).catch(() => []);
  say(
    `Log stream:  POST ${url}/auth0/log-stream (Authorization: ${authorization}); the emulated tenant ` +
      `reports each sign-in there. Demo delivery, a login of ${linked}: ${statuses.join(', ') || 'failed'}`,
  );
}

function main(): Promise<void> {
  // Like the product: `.env` when present; values already in the environment win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  if (!existsSync(PRODUCT_MAIN)) fail(`${PRODUCT_MAIN} is missing; build first (npx nest build)`);
  return (process.env.AUTH0_DOMAIN ?? '').trim() === '' ? runSandbox() : runProductAlone();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `npm start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
