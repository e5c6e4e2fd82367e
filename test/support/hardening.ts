/**
 * Checks shared by the hardening suites: nothing secret in anything an attacker or the operator
 * saw, and the shape of a problem+json answer read off a raw socket.
 */
import type { OpsStack } from './ops';
import type { RawResponse } from './raw-http';

/** Everything an attacker and the operator saw: no IdP token, secret or bearer in any of it. */
export function expectNothingLeaked(stack: OpsStack, raw: string[], bearers: string[]): void {
  const { emulator } = stack;
  const secrets = [
    ...emulator.secrets(),
    ...bearers,
    emulator.managementClient.clientSecret,
    emulator.tokenVaultClient.clientSecret,
    emulator.googleClient.clientSecret,
    emulator.facebookAppSecret,
  ];
  expect(emulator.secrets().length).toBeGreaterThan(0);
  const seen = [...stack.answers, ...raw, ...stack.logs.raw].join('\n');
  expect(stack.logs.raw.length).toBeGreaterThan(0);
  expect(secrets.filter((secret) => seen.includes(secret))).toEqual([]);
}

export function expectRawProblem(response: RawResponse, status: number, code: string): void {
  expect({ status: response.status, code: (JSON.parse(response.body) as { code?: string }).code }).toEqual({
    status,
    code,
  });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.headers['x-request-id']).toEqual(expect.any(String));
}
