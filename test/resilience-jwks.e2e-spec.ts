/**
 * Signing keys under failure, through the public API against the emulator: the last key set stays
 * in use while the JWKS endpoint is down, and unknown `kid`s refetch at most once per
 * JWKS_MIN_REFETCH_MS. Each test starts its own stack, one at a time, and ends by scanning every
 * answer it received for the emulator's secrets.
 */
import { withStack } from './support/stack';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('JWKS resilience', () => {
  it('should keep accepting valid tokens while the JWKS endpoint is down', () =>
    withStack({ JWKS_MIN_REFETCH_MS: '0' }, async (stack) => {
      const { emulator } = stack;
      expect((await stack.call('/v1/identities', { token: stack.token() })).status).toBe(200);
      emulator.setJwksDown(true);
      emulator.resetCounters();
      for (let i = 0; i < 3; i++) {
        const answer = await stack.call('/v1/identities', { token: stack.token() });
        expect(answer.status).toBe(200);
      }
      // a known kid never needs the JWKS
      expect(emulator.count('jwks')).toBe(0);
      // an unknown kid tries, fails, and changes nothing for the known keys
      emulator.rotateSigningKey();
      const unknown = await stack.call('/v1/identities', { token: stack.token() });
      expect(unknown.status).toBe(401);
      expect(unknown.json?.code).toBe('invalid_token');
      expect(emulator.count('jwks')).toBe(1);
      emulator.setJwksDown(false);
      const afterRecovery = await stack.call('/v1/identities', { token: stack.token() });
      expect(afterRecovery.status).toBe(200);
    }));

  it('should refetch the JWKS for unknown kids at most once per JWKS_MIN_REFETCH_MS', () =>
    withStack({ JWKS_MIN_REFETCH_MS: '1500' }, async (stack) => {
      const { emulator } = stack;
      const known = stack.token();
      // let the window of the start-up fetch pass
      await sleep(1600);
      emulator.resetCounters();

      emulator.rotateSigningKey();
      const first = stack.token();
      const answers = await Promise.all([1, 2, 3].map(() => stack.call('/v1/identities', { token: first })));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(emulator.count('jwks')).toBe(1);

      // two more new keys inside the window: no fetch, so not yet accepted
      emulator.rotateSigningKey();
      const second = stack.token();
      emulator.rotateSigningKey();
      const third = stack.token();
      for (const token of [second, third, second]) {
        const answer = await stack.call('/v1/identities', { token });
        expect(answer.status).toBe(401);
        expect(answer.json?.code).toBe('invalid_token');
      }
      expect(emulator.count('jwks')).toBe(1);
      // known keys keep working meanwhile
      expect((await stack.call('/v1/identities', { token: known })).status).toBe(200);
      expect((await stack.call('/v1/identities', { token: first })).status).toBe(200);

      // after the window, one fetch brings both new keys
      await sleep(1600);
      expect((await stack.call('/v1/identities', { token: third })).status).toBe(200);
      expect((await stack.call('/v1/identities', { token: second })).status).toBe(200);
      expect(emulator.count('jwks')).toBe(2);
    }));
});
