/** A key that encrypts the shared cache's values (CACHE_ENCRYPTION_KEY, or the previous one). */
export interface CacheKey {
  key: Buffer;
  /** first 8 hex chars of the SHA-256 of the key */
  id: string;
}
