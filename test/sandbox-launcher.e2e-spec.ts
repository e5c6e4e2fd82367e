/**
 * `npm start` as a new user meets it: the built launcher with no AUTH0_DOMAIN says it is a sandbox,
 * and the curl lines it prints work when pasted into a shell; with AUTH0_DOMAIN it runs the product
 * alone; `node dist/main.js` never loads the sandbox and refuses to start without AUTH0_DOMAIN.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator } from '../src/sandbox/emulator/emulator';
import type { EmulatorWithExtras } from '../src/sandbox/emulator/emulator.types';
import {
  LAUNCHER,
  PRODUCT_MAIN,
  REPO_ROOT,
  cleanEnv,
  freePort,
  requireBuild,
  runNode,
  startSandbox,
} from './support/sandbox-process';
import type { Sandbox } from './support/sandbox-process';

const run = promisify(execFile);

interface CurlAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Runs a printed line exactly as pasted into a shell; the lines use `curl -i`. */
async function paste(line: string): Promise<CurlAnswer> {
  const { stdout } = await run('/bin/sh', ['-c', line], { timeout: 15_000 });
  const [head, ...rest] = stdout.split(/\r\n\r\n/);
  const [statusLine, ...headerLines] = head.split(/\r\n/);
  const headers: Record<string, string> = {};
  for (const header of headerLines) {
    const colon = header.indexOf(':');
    headers[header.slice(0, colon).toLowerCase()] = header.slice(colon + 1).trim();
  }
  return {
    status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(statusLine)?.[1]),
    headers,
    body: rest.join('\r\n\r\n'),
  };
}

/** Every module `node dist/main.js` can load: relative requires, followed through the compiled files. */
function requireGraph(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/require\((["'])(\.{1,2}\/[^"']+)\1\)/g)) {
      const target = resolve(dirname(file), match[2]);
      visit(target.endsWith('.js') || target.endsWith('.json') ? target : `${target}.js`);
    }
  };
  visit(entry);
  return [...seen].map((file) => file.slice(REPO_ROOT.length + 1));
}

describe('npm start (dist/sandbox/start.js)', () => {
  beforeAll(() => requireBuild());

  describe('without AUTH0_DOMAIN: the sandbox', () => {
    let sandbox: Sandbox;

    beforeAll(async () => {
      sandbox = await startSandbox();
    }, 90_000);

    afterAll(async () => {
      await sandbox?.stop();
    });

    it('should say in its first line that it is a sandbox with an emulated tenant', () => {
      const first = sandbox.output().split('\n')[0];
      expect(first).toMatch(/^SANDBOX MODE/);
      expect(first).toMatch(/EMULATED Auth0 tenant/);
    });

    it('should print the Swagger UI address, a 12 h token per seed user and a service token', async () => {
      const output = sandbox.output();
      expect(output).toContain(`Swagger UI:  ${sandbox.url}/docs`);
      expect((await fetch(`${sandbox.url}/docs`)).status).toBe(200);
      const tokens = [...output.matchAll(/^ {2}(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/gm)].map((m) => m[1]);
      expect(tokens).toHaveLength(7); // six seed users and the service
      const claims = tokens.map((t) =>
        JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString('utf8')),
      );
      const subs = claims.map((c: { sub: string }) => c.sub);
      expect(subs).toEqual(
        expect.arrayContaining(['auth0|4004', 'google-oauth2|1001', 'github|2002', 'facebook|3003']),
      );
      for (const c of claims.slice(0, 6)) expect(c.exp - c.iat).toBe(12 * 3600);
      expect(claims[6]).toEqual(
        expect.objectContaining({ gty: 'client-credentials', permissions: ['proxy:users'] }),
      );
    });

    it('should print an Octokit line that pages through the proxy when run as printed (in the repository)', async () => {
      const lines = sandbox
        .output()
        .split('\n')
        .filter((line) => line.startsWith('node --input-type=module -e '));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`baseUrl: '${sandbox.url}/v1/idp/github/api'`);
      const { stdout } = await run('/bin/sh', ['-c', lines[0]], { timeout: 30_000, cwd: REPO_ROOT });
      expect(stdout).toContain('linus-linked/linus-linked-project-1');
      expect(stdout).toContain('linus-linked/linus-linked-project-5');
    });

    it('should print curl lines that answer 200 when pasted as printed', async () => {
      const lines = sandbox
        .output()
        .split('\n')
        .filter((line) => line.startsWith('curl '));
      expect(lines).toHaveLength(5);
      const [identities, profile, repos, service, vault] = await Promise.all(lines.map(paste));

      expect(identities.status).toBe(200);
      expect(JSON.parse(identities.body).identities.map((i: { provider: string }) => i.provider)).toEqual([
        'auth0',
        'google',
        'github',
      ]);

      expect(profile.status).toBe(200);
      expect(JSON.parse(profile.body)).toEqual(expect.objectContaining({ provider: 'github', id: '400402' }));

      expect(lines[2]).toContain('/v1/idp/github/api/user/repos?per_page=2');
      expect(repos.status).toBe(200);
      expect(JSON.parse(repos.body)).toHaveLength(2);
      expect(repos.headers.link).toMatch(
        new RegExp(`^<${sandbox.url}/v1/idp/github/api/user/repos\\?[^>]*page=2[^>]*>; rel="next"`),
      );

      expect(lines[3]).toContain('/v1/users/auth0%7C4004/identities');
      expect(service.status).toBe(200);
      expect(JSON.parse(service.body)).toEqual(JSON.parse(identities.body));

      // The Token Vault seed user: no token in identities[], served by the exchange.
      expect(lines[4]).toContain('/v1/idp/google/profile');
      expect(vault.status).toBe(200);
      expect(JSON.parse(vault.body)).toEqual(
        expect.objectContaining({ provider: 'google', id: '7007', name: 'Vera Vault' }),
      );
      const bearer = (line: string): string => /Bearer ([\w.-]+)/.exec(line)?.[1] ?? '';
      const vaultSub = JSON.parse(
        Buffer.from(bearer(lines[4]).split('.')[1], 'base64url').toString('utf8'),
      ).sub;
      expect(vaultSub).toBe('google-oauth2|7007');
    }, 30_000);

    it('should serve every Google seed user through the Token Vault, the vault user included', async () => {
      const output = sandbox.output();
      expect(output).toContain('TOKEN_VAULT_PROVIDERS=google');
      const tokens = [...output.matchAll(/^ {2}(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/gm)].map((m) => m[1]);
      const sub = (token: string): string =>
        JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).sub;
      const tokenOf = (userId: string): string => tokens.find((t) => sub(t) === userId) ?? '';
      for (const [userId, id] of [
        ['google-oauth2|1001', '1001'],
        ['auth0|4004', '400401'],
        ['google-oauth2|7007', '7007'],
      ]) {
        const profile = await fetch(`${sandbox.url}/v1/idp/google/profile`, {
          headers: { authorization: `Bearer ${tokenOf(userId)}` },
        });
        expect({ userId, status: profile.status }).toEqual({ userId, status: 200 });
        expect(await profile.json()).toEqual(expect.objectContaining({ provider: 'google', id }));
      }
      const identities = await fetch(`${sandbox.url}/v1/identities`, {
        headers: { authorization: `Bearer ${tokenOf('google-oauth2|7007')}` },
      });
      expect(((await identities.json()) as { identities: unknown[] }).identities).toEqual([
        expect.objectContaining({ provider: 'google', tokenSource: 'token-vault' }),
      ]);
    }, 30_000);

    it("should point the emulated tenant's log stream at the service and show a delivery answered 204", async () => {
      const line = /^Log stream:\s+POST (\S+) \(Authorization: (Bearer \S+)\);.*: (\S+)$/m;
      const deadline = Date.now() + 10_000;
      while (!line.test(sandbox.output()) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const [, endpoint, authorization, status] = line.exec(sandbox.output()) ?? [];
      expect(status).toBe('204');
      const refused = await fetch(endpoint, {
        method: 'POST',
        headers: { authorization: `${authorization}x` },
        body: '[]',
      });
      expect(refused.status).toBe(401);
    });

    it('should print the sample app address, which serves the app and is allowed by the service and the tenant', async () => {
      const demoUrl = /^Sample app:\s+(\S+)/m.exec(sandbox.output())?.[1] ?? '';
      expect(demoUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/demo$/);
      const origin = new URL(demoUrl).origin;
      expect(origin).not.toBe(sandbox.url); // its own port

      const page = await fetch(demoUrl);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await page.text();
      expect(html).toContain('<title>IdP Proxy — sample app</title>');
      expect(html).toContain('<script src="/demo/auth0-spa-js.production.js"></script>');
      const sdk = await fetch(`${demoUrl}/auth0-spa-js.production.js`);
      expect(sdk.status).toBe(200);
      expect(await sdk.text()).toContain('createAuth0Client');
      expect(await (await fetch(`${demoUrl}/config.json`)).json()).toEqual({
        domain: sandbox.tenantUrl,
        clientId: 'sandbox-spa',
        audience: 'https://idp-proxy.local/api',
        apiBaseUrl: sandbox.url,
        redirectUri: demoUrl,
      });

      // the service allows the app's origin (CORS) and the tenant its callback URL
      const preflight = await fetch(`${sandbox.url}/v1/identities`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
      const authorize = await fetch(
        `${sandbox.tenantUrl}/authorize?${new URLSearchParams({
          response_type: 'code',
          client_id: 'sandbox-spa',
          redirect_uri: demoUrl,
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        }).toString()}`,
      );
      expect(authorize.status).toBe(200);
      expect(await authorize.text()).toContain('data-user-id="auth0|4004"');
    });

    it('should stop the service and the emulator on Ctrl-C (SIGINT) and exit 0', async () => {
      const exit = await sandbox.stop('SIGINT');
      expect(exit).toEqual({ code: 0, signal: null });
      await expect(fetch(`${sandbox.url}/health/live`)).rejects.toThrow();
      await expect(fetch(`${sandbox.tenantUrl}/.well-known/jwks.json`)).rejects.toThrow();
      const demoUrl = /^Sample app:\s+(\S+)/m.exec(sandbox.output())?.[1] ?? '';
      await expect(fetch(demoUrl)).rejects.toThrow();
    }, 30_000);
  });

  describe('with AUTH0_DOMAIN: the product alone', () => {
    let emulator: EmulatorWithExtras;

    beforeAll(async () => {
      emulator = await startEmulator();
    });

    afterAll(async () => {
      await emulator?.close();
    });

    it('should run the product with the given configuration, no sandbox, and relay SIGTERM', async () => {
      const port = await freePort();
      const launched = runNode(
        LAUNCHER,
        cleanEnv({ ...emulator.env(), PORT: String(port), LOG_LEVEL: 'warn' }),
      );
      try {
        const deadline = Date.now() + 30_000;
        let ready = 0;
        while (ready !== 200 && Date.now() < deadline && launched.child.exitCode === null) {
          ready = (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status ?? 0;
          if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
        }
        expect(ready).toBe(200);
        const answer = await fetch(`http://127.0.0.1:${port}/v1/identities`, {
          headers: { authorization: `Bearer ${emulator.mintToken({ sub: emulator.seed.github })}` },
        });
        expect(answer.status).toBe(200);
        expect(launched.output()).not.toMatch(/SANDBOX/);
      } finally {
        const exit = await launched.stop('SIGTERM');
        expect(exit.signal).toBeNull();
        expect([0, 143]).toContain(exit.code);
      }
      await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
    }, 45_000);
  });

  describe('node dist/main.js', () => {
    it('should exit 1 naming AUTH0_DOMAIN when it is not set (never a sandbox)', async () => {
      const launched = runNode(PRODUCT_MAIN, cleanEnv({ PORT: String(await freePort()) }));
      expect(await launched.exit).toEqual({ code: 1, signal: null });
      expect(launched.output()).toMatch(/AUTH0_DOMAIN/);
      expect(launched.output()).not.toMatch(/SANDBOX|emulat/i);
    }, 20_000);

    it('should never load sandbox code', () => {
      const graph = requireGraph(PRODUCT_MAIN);
      expect(graph).toEqual(
        expect.arrayContaining(['dist/main.js', 'dist/bootstrap.js', 'dist/app.module.js']),
      );
      expect(graph.filter((file) => file.includes('sandbox'))).toEqual([]);
    });
  });
});
