/**
 * What the service exposes, and to whom: Swagger UI and the OpenAPI document only while
 * DOCS_ENABLED; /metrics and /health/* on ADMIN_PORT when set (and nowhere else); and service
 * callers narrowed to one provider by `proxy:users:<provider>`.
 */
import { freePort } from './support/sandbox-process';
import { expectNoSecretLeaked, expectProblem, startStack } from './support/stack';
import type { Stack } from './support/stack';

async function get(url: string, token?: string): Promise<{ status: number; json: any; type: string | null }> {
  const response = await fetch(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, type: response.headers.get('content-type') };
}

describe('DOCS_ENABLED', () => {
  it.each([
    ['true', 200],
    ['false', 404],
  ])('should answer /docs and /docs/openapi.json when DOCS_ENABLED=%s with %i', async (value, status) => {
    const stack = await startStack({ DOCS_ENABLED: value });
    try {
      for (const path of ['/docs', '/docs/openapi.json']) {
        const answer = await stack.call(path);
        expect({ path, status: answer.status }).toEqual({ path, status });
        if (status === 404) expectProblem(answer, 404, 'not_found');
      }
    } finally {
      await stack.close();
    }
  });
});

describe('ADMIN_PORT', () => {
  let stack: Stack;
  let admin: string;

  beforeAll(async () => {
    const adminPort = await freePort();
    admin = `http://127.0.0.1:${adminPort}`;
    stack = await startStack({ ADMIN_PORT: String(adminPort) });
  });

  afterAll(async () => {
    expectNoSecretLeaked(stack);
    await stack.close();
  });

  it('should serve /metrics and /health/* on the admin port', async () => {
    const metrics = await get(`${admin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain/);
    expect((await get(`${admin}/health/live`)).status).toBe(200);
    const ready = await get(`${admin}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.json.status).toBe('ok');
  });

  it('should answer 404 not_found for /metrics and /health/* on PORT', async () => {
    for (const path of ['/metrics', '/health/live', '/health/ready']) {
      expectProblem(await stack.call(path), 404, 'not_found');
    }
  });

  it('should keep the API on PORT only', async () => {
    expect((await stack.call('/v1/identities', { token: stack.token() })).status).toBe(200);
    const onAdmin = await get(`${admin}/v1/identities`, stack.token());
    expect({ status: onAdmin.status, code: onAdmin.json?.code }).toEqual({ status: 404, code: 'not_found' });
  });
});

describe('proxy:users:<provider>', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    expectNoSecretLeaked(stack);
    await stack.close();
  });

  const service = (permissions: string[]): string => stack.emulator.mintServiceToken({ permissions });
  const user = (): string => encodeURIComponent(stack.emulator.seed.linked);

  it('should let proxy:users:github act on GitHub for a named user', async () => {
    const token = service(['proxy:users:github']);
    const profile = await stack.call(`/v1/users/${user()}/idp/github/profile`, { token });
    expect(profile.status).toBe(200);
    expect(profile.json.provider).toBe('github');
    const api = await stack.call(`/v1/users/${user()}/idp/github/api/user`, { token });
    expect(api.status).toBe(200);
  });

  it('should refuse proxy:users:github on another provider with 403 insufficient_scope and no upstream call', async () => {
    const token = service(['proxy:users:github']);
    stack.emulator.resetCounters();
    for (const path of ['profile', 'api/oauth2/v3/userinfo']) {
      const answer = await stack.call(`/v1/users/${user()}/idp/google/${path}`, { token });
      expectProblem(answer, 403, 'insufficient_scope');
      expect(answer.headers.get('www-authenticate')).toBe(
        'Bearer error="insufficient_scope", scope="proxy:users proxy:users:google"',
      );
    }
    expect(stack.emulator.count('google.userinfo') + stack.emulator.count('users')).toBe(0);
  });

  it("should list only that provider's identities of a named user", async () => {
    const narrowed = await stack.call(`/v1/users/${user()}/identities`, {
      token: service(['proxy:users:github']),
    });
    expect(narrowed.status).toBe(200);
    expect(narrowed.json.identities.map((i: { provider: string }) => i.provider)).toEqual(['github']);
    const full = await stack.call(`/v1/users/${user()}/identities`, { token: service(['proxy:users']) });
    expect(full.json.identities.map((i: { provider: string }) => i.provider).sort()).toEqual(
      ['auth0', 'github', 'google'].sort(),
    );
  });

  it('should let proxy:users act on every provider, and refuse a service token with neither', async () => {
    const all = service(['proxy:users']);
    expect((await stack.call(`/v1/users/${user()}/idp/google/profile`, { token: all })).status).toBe(200);
    expect((await stack.call(`/v1/users/${user()}/idp/github/profile`, { token: all })).status).toBe(200);
    const none = service(['read:things']);
    expectProblem(
      await stack.call(`/v1/users/${user()}/identities`, { token: none }),
      403,
      'insufficient_scope',
    );
    expectProblem(
      await stack.call(`/v1/users/${user()}/idp/github/profile`, { token: none }),
      403,
      'insufficient_scope',
    );
  });
});
