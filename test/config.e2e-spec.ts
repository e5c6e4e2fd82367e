/**
 * The production entry point validates its configuration once: missing or malformed values stop it
 * with exit code 1 and one line per variable naming it, all of them in one run, never a value;
 * without AUTH0_DOMAIN it never starts a sandbox.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', 'dist', 'main.js');

function runMain(env: Record<string, string>): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd: join(__dirname, 'support'), // no .env there
    encoding: 'utf8',
    timeout: 15_000,
  });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

describe('dist/main.js configuration', () => {
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: npm test builds it first (nest build)`);
  });

  const valid = {
    AUTH0_DOMAIN: 'tenant.eu.auth0.com',
    AUTH0_AUDIENCE: 'https://api.example.com',
    AUTH0_CLIENT_ID: 'client',
    AUTH0_CLIENT_SECRET: 'client-secret-value-xyz',
  };

  it('should exit 1 naming AUTH0_DOMAIN when it is missing, and start no sandbox', () => {
    const { AUTH0_DOMAIN: _omitted, ...env } = valid;
    const result = runMain(env);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('AUTH0_DOMAIN');
    expect(result.stdout + result.stderr).not.toMatch(/sandbox/i);
  });

  it('should report every missing variable in one run, one line each', () => {
    const result = runMain({ AUTH0_DOMAIN: 'tenant.eu.auth0.com', PORT: 'eighty' });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^idp-proxy: configuration error: PORT: /),
      expect.stringMatching(/^idp-proxy: configuration error: AUTH0_AUDIENCE: is required/),
      expect.stringMatching(/^idp-proxy: configuration error: AUTH0_CLIENT_ID: is required/),
      expect.stringMatching(/^idp-proxy: configuration error: AUTH0_CLIENT_SECRET: is required/),
    ]);
  });

  it.each([
    ['AUTH0_DOMAIN', { AUTH0_DOMAIN: 'http://tenant.eu.auth0.com' }],
    ['PORT', { PORT: 'eighty' }],
    ['CACHE_ENCRYPTION_KEY', { REDIS_URL: 'redis://127.0.0.1:6379' }],
    ['IDENTITY_CACHE_TTL_S', { IDENTITY_CACHE_TTL_S: '-1' }],
    ['API_HOST_OVERRIDES', { API_HOST_OVERRIDES: 'people.googleapis.com=https://people.example.com' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'http://proxy.example.com' }],
  ])('should exit 1 naming %s and never print a secret', (variable, override) => {
    const result = runMain({ ...valid, ...override });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(variable);
    expect(result.stderr).not.toContain(valid.AUTH0_CLIENT_SECRET);
  });
});
