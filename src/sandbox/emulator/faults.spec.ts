import { request } from 'node:http';
import { startEmulator } from './emulator';
import type { EmulatorWithExtras } from './emulator.types';

let emu: EmulatorWithExtras;

beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.resetCounters();
  emu.clearFaults();
});

const githubUser = () =>
  fetch(`${emu.urls.github}/user`, {
    headers: { authorization: `Bearer ${emu.idpToken(emu.seed.github, 'github')}` },
  });

describe('faults', () => {
  it('answers 429 with retry-after and x-ratelimit-reset, `times` times, counting each call', async () => {
    emu.fault('jwks', { kind: '429', times: 2, retryAfterS: 3 });
    const before = Math.floor(Date.now() / 1000);
    const first = await fetch(`${emu.tenantUrl}/.well-known/jwks.json`);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    const reset = Number(first.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(before + 3);
    expect(reset).toBeLessThanOrEqual(before + 5);
    expect((await fetch(`${emu.tenantUrl}/.well-known/jwks.json`)).status).toBe(429);
    expect((await fetch(`${emu.tenantUrl}/.well-known/jwks.json`)).status).toBe(200);
    expect(emu.count('jwks')).toBe(3);
    expect(emu.requests('jwks')).toHaveLength(3);
  });

  it('answers error statuses with JSON bodies in the IdP shape', async () => {
    emu.fault('github.user', { kind: '503' });
    const res = await githubUser();
    expect(res.status).toBe(503);
    expect(((await res.json()) as { message: string }).message).toBe('Service Unavailable');
    emu.fault('github.user', { kind: '401' });
    expect((await githubUser()).status).toBe(401);
    expect((await githubUser()).status).toBe(200);
  });

  it('queues faults in order', async () => {
    emu.fault('github.user', { kind: '500' });
    emu.fault('github.user', { kind: '502' });
    expect((await githubUser()).status).toBe(500);
    expect((await githubUser()).status).toBe(502);
    expect((await githubUser()).status).toBe(200);
  });

  it('drops the connection', async () => {
    emu.fault('github.user', { kind: 'drop' });
    await expect(githubUser()).rejects.toThrow();
    expect(emu.count('github.user')).toBe(1);
    expect((await githubUser()).status).toBe(200);
  });

  it('hangs for ms, then answers normally', async () => {
    emu.fault('github.user', { kind: 'hang', ms: 150 });
    const started = Date.now();
    expect((await githubUser()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('hangs forever until the client gives up', async () => {
    emu.fault('github.user', { kind: 'hang' });
    await expect(
      fetch(`${emu.urls.github}/user`, {
        headers: { authorization: `Bearer ${emu.idpToken(emu.seed.github, 'github')}` },
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow();
    expect((await githubUser()).status).toBe(200);
  });

  it('clearFaults removes pending faults', async () => {
    emu.fault('github.user', { kind: '500', times: 5 });
    emu.clearFaults();
    expect((await githubUser()).status).toBe(200);
  });

  it('records the raw path and query exactly as on the request line', async () => {
    // a raw path option: URL parsing (fetch, request(url)) would normalise %2e segments
    await new Promise<void>((resolve, reject) => {
      const { hostname, port } = new URL(emu.urls.github);
      const req = request(
        {
          hostname,
          port,
          path: '/echo/%2e%2E/a?b=%2F&c',
          headers: { authorization: `Bearer ${emu.idpToken(emu.seed.github, 'github')}` },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end();
    });
    const [recorded] = emu.requests('github.echo');
    expect(recorded).toMatchObject({
      method: 'GET',
      path: '/echo/%2e%2E/a',
      query: 'b=%2F&c',
      endpoint: 'github.echo',
    });
    expect(recorded.headers.authorization).toMatch(/^Bearer gho_emu/);
  });
});

describe('close', () => {
  it('closes servers with hanging requests at once', async () => {
    const local = await startEmulator();
    local.fault('google.userinfo', { kind: 'hang' });
    const pending = fetch(`${local.urls.google}/oauth2/v3/userinfo`, {
      headers: { authorization: `Bearer ${local.idpToken(local.seed.google, 'google')}` },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await local.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(pending).rejects.toThrow();
    await expect(fetch(`${local.tenantUrl}/.well-known/jwks.json`)).rejects.toThrow();
  });
});
