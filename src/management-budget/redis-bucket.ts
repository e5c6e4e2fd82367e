/**
 * The fleet's bucket: the `tat` of token-bucket.ts in one Redis key, read and moved by a script so
 * that every replica reserves from the same slots in arrival order. Redis's own clock decides, so
 * replicas' clocks need not agree; each replica turns the answer into a local wait.
 */
import type { RedisStore } from '../cache/redis-store';
import { UNAVAILABLE } from '../cache/redis-command';
import type { BucketShape, Reservation } from './token-bucket';

const KEY = 'mgmt-budget:tat';

/** ARGV: interval, tolerance, max wait (ms). Returns {granted 0|1, wait ms, tat − now ms}. */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local base = math.max(tat, now)
local at = math.max(now, base - tolerance)
local wait = at - now
if wait > tonumber(ARGV[3]) then return {0, math.ceil(wait), math.ceil(tat - now)} end
local nextTat = base + interval
redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.ceil(nextTat - now) + 1000)
return {1, math.ceil(wait), math.ceil(nextTat - now)}
`;

/** ARGV: interval, tolerance, target tat − now is computed here from remaining / reset. */
const LOWER = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local remaining = tonumber(ARGV[3])
local reset = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local target
if remaining <= 0 then
  if reset >= 0 then target = reset * 1000 + tolerance else target = now + interval + tolerance end
else
  target = now + tolerance - (remaining - 1) * interval
end
if target > tat then
  redis.call('SET', KEYS[1], string.format('%.3f', target), 'PX', math.ceil(target - now) + 1000)
  tat = target
end
return math.ceil(tat - now)
`;

export class RedisBucket {
  constructor(
    private readonly store: RedisStore,
    private readonly shape: BucketShape,
  ) {}

  /** A reservation with `tat` in this process's clock; undefined when Redis did not answer. */
  async reserve(maxWaitMs: number): Promise<Reservation | undefined> {
    const reply = await this.store.script(
      RESERVE,
      [KEY],
      this.args(String(Math.max(0, Math.floor(maxWaitMs)))),
    );
    if (reply === UNAVAILABLE || !Array.isArray(reply) || reply.length !== 3) return undefined;
    const [granted, waitMs, tatAhead] = reply.map(Number);
    return { granted: granted === 1, waitMs, tat: Date.now() + tatAhead };
  }

  /** Lowers the shared budget to what the tenant said is left; the new `tat` (local clock) or undefined. */
  async lower(remaining: number, resetEpochS: number | undefined): Promise<number | undefined> {
    const reply = await this.store.script(
      LOWER,
      [KEY],
      this.args(String(remaining), String(resetEpochS ?? -1)),
    );
    return typeof reply === 'number' ? Date.now() + reply : undefined;
  }

  private args(...rest: string[]): string[] {
    return [String(this.shape.intervalMs), String(this.shape.toleranceMs), ...rest];
  }
}
