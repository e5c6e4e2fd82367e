/**
 * The built product's start-up check of its Auth0 credentials, as an operator meets it: a refusal
 * or a token without the needed scopes stops `node dist/main.js` with exit code 1 and a line naming
 * the Auth0 Dashboard setting to fix (never a secret); an unreachable tenant keeps it running, not
 * ready, until the tenant answers.
 */
import { startEmulator } from '../src/sandbox/emulator/emulator';
import type { EmulatorWithExtras } from '../src/sandbox/emulator/emulator.types';
import { cleanEnv, freePort, PRODUCT_MAIN, requireBuild, runNode } from './support/sandbox-process';
import type { LauncherProcess } from './support/sandbox-process';

const SECRET = 'management-secret-for-the-startup-suite';

async function readiness(url: string): Promise<{ status: number; json: any } | undefined> {
  const response = await fetch(`${url}/health/ready`).catch(() => undefined);
  if (response === undefined) return undefined;
  return { status: response.status, json: await response.json() };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function startProduct(env: Record<string, string>, port: number): LauncherProcess {
  return runNode(
    PRODUCT_MAIN,
    cleanEnv({ ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error' }),
  );
}

describe('dist/main.js start-up check of the Auth0 credentials', () => {
  let emulator: EmulatorWithExtras | undefined;

  beforeAll(() => requireBuild());

  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  it.each([
    [
      'a wrong client secret (401)',
      (e: EmulatorWithExtras) => e.fault('token.client_credentials', { kind: '401', times: 10 }),
      "AUTH0_CLIENT_SECRET against the application's Settings tab",
    ],
    [
      'the Management API not authorized for the application (403)',
      (e: EmulatorWithExtras) => e.fault('token.client_credentials', { kind: '403', times: 10 }),
      'Auth0 Management API > Machine To Machine Applications',
    ],
    [
      'a token without read:user_idp_tokens',
      (e: EmulatorWithExtras) => e.setManagementScope('read:users'),
      'lacks read:user_idp_tokens',
    ],
  ])(
    'should exit 1 on %s, naming the setting to fix',
    async (_case, arrange, setting) => {
      emulator = await startEmulator({ secrets: { managementClientSecret: SECRET } });
      arrange(emulator);
      const product = startProduct(emulator.env(), await freePort());
      const exit = await Promise.race([
        product.exit,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 30_000)),
      ]);
      if (exit === undefined) await product.stop('SIGKILL');
      expect(exit).toEqual({ code: 1, signal: null });
      const lines = product
        .output()
        .split('\n')
        .filter((l) => l.startsWith('idp-proxy:'));
      expect(lines).toEqual([expect.stringContaining(setting)]);
      expect(product.output()).not.toContain(SECRET);
      expect(emulator.count('token.client_credentials')).toBe(1);
    },
    40_000,
  );

  it('should keep running while the tenant is unreachable, not ready and saying why, then become ready', async () => {
    // The tenant's address is known but nothing answers there yet.
    const tenantPort = await freePort();
    const probe = await startEmulator({
      ports: { tenant: tenantPort },
      secrets: { managementClientSecret: SECRET },
    });
    const env = probe.env();
    await probe.close();
    const port = await freePort();
    const product = startProduct(env, port);
    const url = `http://127.0.0.1:${port}`;
    try {
      const notReady = await until(() => readiness(url), 30_000);
      expect(notReady.status).toBe(503);
      expect(notReady.json.error.managementToken).toEqual({
        status: 'down',
        message: expect.stringContaining('no Management API token yet'),
      });
      expect(product.child.exitCode).toBeNull();

      emulator = await startEmulator({
        ports: { tenant: tenantPort },
        secrets: { managementClientSecret: SECRET },
      });
      const ready = await until(async () => {
        const answer = await readiness(url);
        return answer?.status === 200 ? answer : undefined;
      }, 20_000);
      expect(ready.json.info).toEqual({ jwks: { status: 'up' }, managementToken: { status: 'up' } });
      expect(emulator.count('token.client_credentials')).toBe(1);
      expect(product.child.exitCode).toBeNull();
    } finally {
      await product.stop('SIGTERM');
    }
  }, 60_000);
});
