import fc from 'fast-check';
import { bucketShape, lowered, rateLimitHeaders, reserve, slotsLeft } from './token-bucket';

/** Grants every arrival (ms offsets, ascending) with an unbounded wait; the times the calls go out. */
function schedule(rps: number, arrivals: number[]): number[] {
  const shape = bucketShape(rps);
  let tat = 0;
  return arrivals.map((now) => {
    const r = reserve(shape, tat, now, Number.POSITIVE_INFINITY);
    tat = r.tat;
    return now + r.waitMs;
  });
}

/** The most calls any window of `windowMs` (closed at both ends) holds. */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j] - sorted[i] > windowMs) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

describe('token bucket', () => {
  describe(reserve.name, () => {
    it('should let rps calls go at once, then one every 1/rps s, in arrival order', () => {
      expect(schedule(2, [0, 0, 0, 0, 0, 0])).toEqual([0, 0, 500, 1000, 1500, 2000]);
    });

    it('should refuse, without taking a slot, a call whose slot lies beyond its wait', () => {
      const shape = bucketShape(2);
      const first = reserve(shape, 0, 1_000_000, 0);
      const second = reserve(shape, first.tat, 1_000_000, 0);
      const third = reserve(shape, second.tat, 1_000_000, 499);
      expect([first.granted, second.granted, third]).toEqual([
        true,
        true,
        { granted: false, waitMs: 500, tat: second.tat },
      ]);
      expect(reserve(shape, second.tat, 1_000_000, 500)).toMatchObject({ granted: true, waitMs: 500 });
    });

    it('should keep every one-second window within 2 × rps and every long stretch near rps, for any arrivals', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 20 }),
          fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 300 }),
          (rps, offsets) => {
            const times = schedule(
              rps,
              [...offsets].sort((a, b) => a - b),
            );
            expect(busiestWindow(times, 1000)).toBeLessThanOrEqual(2 * rps);
            expect(busiestWindow(times, 10_000)).toBeLessThanOrEqual(rps + 10 * rps + 1);
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe(slotsLeft.name, () => {
    it('should count the slots a call could take now', () => {
      const shape = bucketShape(4);
      expect(slotsLeft(shape, 0, 10_000)).toBe(4);
      const one = reserve(shape, 0, 10_000, 0).tat;
      expect(slotsLeft(shape, one, 10_000)).toBe(3);
      expect(slotsLeft(shape, one + 10_000, 10_000)).toBe(0);
    });
  });

  describe(lowered.name, () => {
    const shape = bucketShape(10);
    const now = 50_000;

    it('should leave only what the tenant says is left', () => {
      const tat = lowered(shape, 0, now, 3, undefined);
      expect(slotsLeft(shape, tat, now)).toBe(3);
    });

    it('should leave nothing before the reset when nothing is left', () => {
      const tat = lowered(shape, 0, now, 0, 60);
      expect(reserve(shape, tat, now, Number.POSITIVE_INFINITY).waitMs).toBe(60_000 - now);
    });

    it('should never raise the budget', () => {
      const busy = now + 5_000;
      expect(lowered(shape, busy, now, 9, undefined)).toBe(busy);
      expect(lowered(shape, 0, now, 50, undefined)).toBe(0);
    });
  });

  describe(rateLimitHeaders.name, () => {
    it('should read remaining and reset, and nothing from unusable values', () => {
      expect(rateLimitHeaders({ 'x-ratelimit-remaining': '7', 'x-ratelimit-reset': '1700000000' })).toEqual({
        remaining: 7,
        resetEpochS: 1_700_000_000,
      });
      expect(rateLimitHeaders({ 'x-ratelimit-remaining': 'many' })).toBeUndefined();
      expect(rateLimitHeaders({})).toBeUndefined();
    });
  });
});
