import type { Principal } from './principal';
import { VerifiedTokens } from './verified-tokens';

const principal = (sub: string, expiresAt: number): Principal => ({
  sub,
  clientId: undefined,
  isService: false,
  permissions: new Set(),
  accessToken: `token-of-${sub}`,
  expiresAt,
});

describe(VerifiedTokens.name, () => {
  it('should return a verified token until its exp, then forget it', () => {
    const cache = new VerifiedTokens();
    cache.set('t1', principal('a', 1000));
    expect(cache.get('t1', 999)?.sub).toBe('a');
    expect(cache.get('t1', 1000)).toBeUndefined();
    expect(cache.get('t1', 500)).toBeUndefined();
  });

  it('should not answer for another token', () => {
    const cache = new VerifiedTokens();
    cache.set('t1', principal('a', 1000));
    expect(cache.get('t2', 1)).toBeUndefined();
  });

  it('should stay bounded, dropping the oldest entries first', () => {
    const cache = new VerifiedTokens(10);
    for (let i = 0; i < 25; i++) cache.set(`t${i}`, principal(String(i), 1000));
    expect(cache.get('t0', 1)).toBeUndefined();
    expect(cache.get('t24', 1)?.sub).toBe('24');
    const kept = Array.from({ length: 25 }, (_, i) => cache.get(`t${i}`, 1)).filter((p) => p !== undefined);
    expect(kept.length).toBeLessThanOrEqual(10);
  });
});
