/**
 * The bound of the service's in-process maps (verified tokens, cache entries, cache key names,
 * redaction forms): before a new key goes in, a full map drops its oldest entries. A Map iterates
 * in insertion order, so the first keys are the oldest.
 */
export function makeRoom<K, V>(map: Map<K, V>, maxEntries: number, drop = Math.ceil(maxEntries / 10)): void {
  if (map.size < maxEntries) return;
  for (const key of map.keys()) {
    map.delete(key);
    if (--drop <= 0) return;
  }
}
