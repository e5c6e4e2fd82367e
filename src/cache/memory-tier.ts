/**
 * The cache's in-process tier: a Map of entries with their expiry, read synchronously.
 *
 * Not cache-manager: its `get` is a promise through cache-manager and Keyv (hooks, events, two
 * async layers) for what is a Map lookup, and a warm proxied request makes four of them. Measured
 * on the warm path: see the README's design choices. Bounded: past MAX_ENTRIES the oldest tenth
 * of the entries goes (Map order is insertion order; a rewritten key counts as new). An expired
 * entry goes when it is read, or with the oldest.
 *
 * Every reader gets the same object (Keyv handed out a JSON copy per read): values are frozen,
 * deeply, when stored, so a reader that changed one would fail at once instead of changing what
 * the next request reads.
 */
import { makeRoom } from '../common/bounded-map';

export const MAX_ENTRIES = 50_000;

interface Entry {
  value: unknown;
  expiresAt: number;
}

export class MemoryTier {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  /** The value under `key`, or undefined when there is none or it has expired. */
  get<T>(key: string, now = Date.now()): T | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value as T;
  }

  /** Keeps `value` under `key` for `ttlMs` (more than 0). */
  set(key: string, value: unknown, ttlMs: number): void {
    this.entries.delete(key);
    makeRoom(this.entries, this.maxEntries);
    this.entries.set(key, { value: deepFreeze(value), expiresAt: Date.now() + ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

function deepFreeze<T>(value: T): T {
  // Byte arrays cannot be frozen (and hold no nested values).
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value))
    return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
