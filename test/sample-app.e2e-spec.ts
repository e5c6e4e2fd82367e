/**
 * `npm run sample`: the sample app (examples/spa) served for a real tenant from the command line,
 * with refresh tokens on; missing options are named, all at once.
 */
import { join } from 'node:path';
import {
  cleanEnv,
  freePort,
  REPO_ROOT,
  requireBuild,
  runNode,
  waitForOutput,
} from './support/sandbox-process';

const SAMPLE = join(REPO_ROOT, 'dist', 'sandbox', 'sample.js');

describe('npm run sample', () => {
  beforeAll(() => requireBuild());

  it('should serve the app configured for the given tenant, client, audience and proxy', async () => {
    const port = await freePort();
    const { spawn } = await import('node:child_process');
    const child = spawn(
      process.execPath,
      [
        SAMPLE,
        '--domain',
        'tenant.eu.auth0.com',
        '--client-id',
        'spa-client-id',
        '--audience',
        'https://idp-proxy.example.com/api',
        '--api-url',
        'https://proxy.example.com/',
        '--port',
        String(port),
      ],
      { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitForOutput(
        {
          child,
          output: () => output,
          exit: Promise.resolve({ code: null, signal: null }),
          stop: () => Promise.resolve({ code: null, signal: null }),
        },
        (out) => out.includes('Ctrl-C stops it.'),
        30_000,
      );
      const app = `http://localhost:${port}/demo`;
      expect(output).toContain(`Sample app: ${app}`);
      expect(output).toContain(`CORS_ORIGINS must list http://localhost:${port}`);
      const base = `http://127.0.0.1:${port}/demo`;
      const config = await (await fetch(`${base}/config.json`)).json();
      expect(config).toEqual({
        domain: 'tenant.eu.auth0.com',
        clientId: 'spa-client-id',
        audience: 'https://idp-proxy.example.com/api',
        apiBaseUrl: 'https://proxy.example.com',
        redirectUri: app,
      });
      const page = await fetch(base);
      expect(page.status).toBe(200);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain('connect-src');
      expect(csp).toContain('https://tenant.eu.auth0.com');
      expect(csp).toContain('https://proxy.example.com');
      const script = await (await fetch(`${base}/app.js`)).text();
      expect(script).toContain('useRefreshTokens: true');
      expect(script).toContain('offline_access');
      for (const asset of ['auth0-spa-js.production.js', 'auth0-spa-js.worker.production.js']) {
        expect({ asset, status: (await fetch(`${base}/${asset}`)).status }).toEqual({ asset, status: 200 });
      }
    } finally {
      child.kill('SIGTERM');
    }
  }, 40_000);

  it('should exit 1 naming every missing option', async () => {
    const run = runNode(SAMPLE, cleanEnv({ SAMPLE_CLIENT_ID: 'spa-client-id' }));
    expect(await run.exit).toEqual({ code: 1, signal: null });
    const lines = run.output().trim().split('\n');
    expect(lines).toEqual([
      expect.stringContaining('missing --domain'),
      expect.stringContaining('missing --audience'),
      expect.stringContaining('missing --api-url'),
    ]);
  });
});
