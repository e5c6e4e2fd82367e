/**
 * Health: live while serving; ready only once a JWKS key set was fetched and a Management API token
 * obtained (the service retries each every 5 s), in terminus' JSON shape rather than problem+json.
 */
import { startOpsStack } from './support/ops';
import type { OpsStack } from './support/ops';

describe('Operations: health', () => {
  let stack: OpsStack;

  beforeAll(async () => {
    stack = await startOpsStack({
      logLevel: 'silent',
      beforeApp: ({ emulator }) => emulator.setJwksDown(true),
      waitReady: false,
    });
  });

  afterAll(async () => {
    await stack.close();
  });

  it('should answer /health/live 200 and /health/ready 503 while no key set was fetched', async () => {
    const live = await stack.call('/health/live');
    expect(live.status).toBe(200);
    expect(live.json).toEqual({ status: 'ok', info: {}, error: {}, details: {} });

    const ready = await stack.call('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toMatch(/^application\/json/);
    expect(ready.json).toEqual({
      status: 'error',
      info: { managementToken: { status: 'up' } },
      error: { jwks: { status: 'down', message: expect.any(String) } },
      details: { jwks: { status: 'down', message: expect.any(String) }, managementToken: { status: 'up' } },
    });
    expect(stack.emulator.count('jwks')).toBeGreaterThanOrEqual(1);
  });

  it('should answer /health/ready 200 once the JWKS is reachable again (retried every 5 s)', async () => {
    stack.emulator.setJwksDown(false);
    const started = Date.now();
    let ready = await stack.call('/health/ready');
    while (ready.status !== 200 && Date.now() - started < 12_000) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      ready = await stack.call('/health/ready');
    }
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({
      status: 'ok',
      info: { jwks: { status: 'up' }, managementToken: { status: 'up' } },
      error: {},
      details: { jwks: { status: 'up' }, managementToken: { status: 'up' } },
    });
    // Still live, and /v1 now verifies tokens.
    expect((await stack.call('/health/live')).status).toBe(200);
    const identities = await stack.call('/v1/identities', { token: stack.token() });
    expect(identities.status).toBe(200);
  }, 20_000);
});
