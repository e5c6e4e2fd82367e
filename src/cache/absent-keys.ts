/**
 * A replica that read "absent" from Redis believes it this long, so a key that is usually absent
 * (an IdP token nobody refreshed, looked for on every proxied request) costs one Redis read a
 * minute, not one per request. Other replicas' writes end the belief at once (invalidations).
 */
const ABSENT_MS = 60_000;
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
