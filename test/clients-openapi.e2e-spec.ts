/**
 * A client generated from the committed openapi.json: Redocly's recommended rules find no error in
 * the document, openapi-typescript generates types from it, a small client written with
 * openapi-fetch type-checks against them (test/typed-client), and its calls work against the service.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './support/sandbox-process';
import { expectNoSecretLeaked, startStack } from './support/stack';
import type { Stack } from './support/stack';

const run = promisify(execFile);
const bin = (...path: string[]): string => join(REPO_ROOT, 'node_modules', ...path);
/** The tools as a user runs them, quiet about updates. */
const TOOL_ENV = {
  ...process.env,
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  REDOCLY_TELEMETRY: 'off',
  CI: 'true',
};

async function tool(
  script: string,
  args: string[],
): Promise<{ code: number; output: string; stdout: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], {
      cwd: REPO_ROOT,
      env: TOOL_ENV,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: `${stdout}${stderr}`, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    const stdout = failed.stdout ?? '';
    return { code: failed.code ?? 1, output: `${stdout}${failed.stderr ?? ''}`, stdout };
  }
}

describe('a client generated from openapi.json', () => {
  it('should pass redocly lint with the recommended rules, without an error', async () => {
    const { code, stdout } = await tool(bin('@redocly', 'cli', 'bin', 'cli.js'), [
      'lint',
      'openapi.json',
      '--format',
      'json',
    ]);
    const report = JSON.parse(stdout) as {
      totals: { errors: number; warnings: number };
      problems: Array<{ ruleId: string; severity: string; message: string }>;
    };
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
    expect(code).toBe(0);
    // The one warning left: the committed server is http://localhost:3000 (the served document
    // names the real origin or PUBLIC_URL).
    expect(report.problems.map((p) => p.ruleId)).toEqual(['no-server-example.com']);
  }, 60_000);

  describe('openapi-typescript + openapi-fetch', () => {
    let stack: Stack;
    let client: typeof import('./typed-client/openapi-client');

    beforeAll(async () => {
      mkdirSync(join(REPO_ROOT, 'test', 'generated'), { recursive: true });
      const generated = await tool(bin('openapi-typescript', 'bin', 'cli.js'), [
        'openapi.json',
        '-o',
        'test/generated/openapi.d.ts',
      ]);
      expect({ code: generated.code, output: generated.output }).toEqual({
        code: 0,
        output: expect.stringContaining('test/generated/openapi.d.ts'),
      });
      const checked = await tool(bin('typescript', 'bin', 'tsc'), ['-p', 'test/typed-client/tsconfig.json']);
      expect({ code: checked.code, output: checked.output }).toEqual({ code: 0, output: '' });
      client = await import('./typed-client/openapi-client');
      stack = await startStack();
    }, 120_000);

    afterAll(async () => {
      if (stack !== undefined) expectNoSecretLeaked(stack);
      await stack?.close();
    });

    const api = (token: string) => client.createApiClient(stack.url, token, stack.fetch);

    it('should list the identities', async () => {
      expect(await client.providersOf(api(stack.token(stack.emulator.seed.linked)))).toEqual([
        'auth0',
        'google',
        'github',
      ]);
    });

    it('should read a profile', async () => {
      expect(await client.githubProfile(api(stack.token(stack.emulator.seed.github)))).toEqual({
        id: '2002',
        username: expect.any(String),
      });
    });

    it('should make a proxied GitHub call', async () => {
      const repos = await client.githubRepos(api(stack.token(stack.emulator.seed.github)));
      expect(repos.status).toBe(200);
      expect(repos.names).toHaveLength(5);
      expect(stack.emulator.requests('github.repos').at(-1)?.path).toBe('/user/repos');
    });

    it("should read the service's problem code", async () => {
      expect(await client.unknownHost(api(stack.token(stack.emulator.seed.google)))).toBe('unknown_api_host');
    });
  });
});
