/**
 * The budget's arithmetic, as a virtual-scheduling token bucket (GCRA): the whole state is one
 * number, `tat`, the theoretical time (epoch ms) at which the bucket would be full again minus one
 * interval. A request reserves the next free slot at once and then waits for it, so waiters are
 * served in arrival order with no polling, and a request whose slot lies beyond its deadline is
 * refused without taking one. The Redis script in redis-bucket.ts is this same arithmetic.
 *
 * The bucket holds `rps` slots and gains `rps` a second: any one-second window sees at most
 * 2 × rps requests (a full bucket, then one second's refill), and any long stretch averages rps.
 */
export interface BucketShape {
  /** ms between two slots: 1000 / rps */
  intervalMs: number;
  /** how far ahead of `tat` a slot may be taken: (capacity − 1) × interval */
  toleranceMs: number;
  capacity: number;
}

export type Reservation =
  | { granted: true; waitMs: number; tat: number }
  /** `waitMs`: how long a slot is away (for Retry-After); `tat` unchanged */
  | { granted: false; waitMs: number; tat: number };

export function bucketShape(rps: number): BucketShape {
  const intervalMs = 1000 / rps;
  return { intervalMs, toleranceMs: (rps - 1) * intervalMs, capacity: rps };
}

/** The next slot for a request arriving at `now`, granted only when it is at most `maxWaitMs` away. */
export function reserve(shape: BucketShape, tat: number, now: number, maxWaitMs: number): Reservation {
  const base = Math.max(tat, now);
  const at = Math.max(now, base - shape.toleranceMs);
  const waitMs = at - now;
  if (waitMs > maxWaitMs) return { granted: false, waitMs, tat };
  return { granted: true, waitMs, tat: base + shape.intervalMs };
}

/** Slots a request arriving at `now` could take without waiting. */
export function slotsLeft(shape: BucketShape, tat: number, now: number): number {
  const left = Math.floor((now - tat + shape.toleranceMs) / shape.intervalMs) + 1;
  return Math.max(0, Math.min(shape.capacity, left));
}

/**
 * What the tenant said is left (`x-ratelimit-remaining`, and `x-ratelimit-reset` in epoch seconds):
 * the `tat` that leaves at most `remaining` slots now, or none before the reset when nothing is
 * left. Never raises the budget: the result is at least `tat`.
 */
export function lowered(
  shape: BucketShape,
  tat: number,
  now: number,
  remaining: number,
  resetEpochS: number | undefined,
): number {
  if (remaining >= shape.capacity) return tat;
  const target =
    remaining <= 0
      ? (resetEpochS === undefined ? now + shape.intervalMs : resetEpochS * 1000) + shape.toleranceMs
      : now + shape.toleranceMs - (remaining - 1) * shape.intervalMs;
  return Math.max(tat, target);
}

/** `x-ratelimit-remaining` and `x-ratelimit-reset` of an answer, when it carries usable ones. */
export function rateLimitHeaders(
  headers: Record<string, string | string[] | undefined>,
): { remaining: number; resetEpochS: number | undefined } | undefined {
  const value = (name: string): string | undefined => {
    const raw = headers[name];
    return (Array.isArray(raw) ? raw[0] : raw)?.trim();
  };
  const remaining = value('x-ratelimit-remaining');
  if (remaining === undefined || !/^\d+$/.test(remaining)) return undefined;
  const reset = value('x-ratelimit-reset');
  return {
    remaining: Number(remaining),
    resetEpochS: reset !== undefined && /^\d+$/.test(reset) ? Number(reset) : undefined,
  };
}
