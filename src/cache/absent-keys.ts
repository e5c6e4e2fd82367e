/**
 * A replica that read "absent" from Redis believes it until a write ends the belief: its own, or
 * another replica's through the invalidation channel. Every (re)connection of the subscriber drops
 * all beliefs, since invalidations may have been missed while it was down. So a key that is usually
 * absent (an IdP token nobody refreshed, the recovery budget's entries, looked for on every proxied
 * request) costs no Redis command on a warm request. The 15 minutes are only a backstop for a
 * subscriber connection that died without anyone noticing; a belief held too long costs at most one
 * more recovery step (a stale absent IdP token is replaced after the IdP's 401).
 */
const ABSENT_MS = 15 * 60_000;
const MAX_ENTRIES = 10_000;

/** Store keys Redis lacked when last read: spares the hot path a Redis round trip per request. */
export class AbsentKeys {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly absentMs = ABSENT_MS,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  has(k: string): boolean {
    const until = this.until.get(k);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(k);
    return false;
  }

  add(k: string): void {
    if (this.until.size >= this.maxEntries) this.until.clear();
    this.until.set(k, Date.now() + this.absentMs);
  }

  delete(k: string): void {
    this.until.delete(k);
  }

  /** Invalidations may have been missed: anything may be in Redis now. */
  clear(): void {
    this.until.clear();
  }
}
