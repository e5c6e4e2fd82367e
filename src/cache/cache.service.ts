/**
 * The service's cache: management token, users' identities, refreshed and exchanged IdP tokens.
 * Everything goes through cache-manager (memory, or Redis when REDIS_URL is set), so the code
 * above never knows which store serves it. Keys are hashed: they name no token and no e-mail.
 * `getOrLoad` gives single flight per key in this process.
 */
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { createHash } from 'node:crypto';
import { MetricsService } from '../metrics/metrics.service';
import { SingleFlight } from './single-flight';

export type CacheKind = 'management_token' | 'user' | 'idp_token';

export interface Loaded<T> {
  value: T;
  /** 0 or less: do not cache */
  ttlMs: number;
}

@Injectable()
export class CacheService {
  private readonly flights = new SingleFlight<unknown>();

  constructor(
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    private readonly metrics: MetricsService,
  ) {}

  async get<T>(kind: CacheKind, key: string): Promise<T | undefined> {
    const value = await this.cache.get<T>(storeKey(kind, key));
    this.metrics.cache.inc({ kind, result: value === undefined ? 'miss' : 'hit' });
    return value ?? undefined;
  }

  async set<T>(kind: CacheKind, key: string, value: T, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    await this.cache.set(storeKey(kind, key), value, Math.floor(ttlMs));
  }

  async delete(kind: CacheKind, key: string): Promise<void> {
    await this.cache.del(storeKey(kind, key));
  }

  /**
   * The cached value, or the loader's result (stored for its ttl). Concurrent callers of one key
   * share one load. `fresh` skips the cached value but still shares and stores the load.
   */
  async getOrLoad<T>(
    kind: CacheKind,
    key: string,
    loader: () => Promise<Loaded<T>>,
    options: { fresh?: boolean } = {},
  ): Promise<T> {
    if (options.fresh !== true) {
      const cached = await this.get<T>(kind, key);
      if (cached !== undefined) return cached;
    }
    const flightKey = `${options.fresh === true ? 'fresh' : 'load'}:${kind}:${key}`;
    return this.flights.run(flightKey, async () => {
      const loaded = await loader();
      await this.set(kind, key, loaded.value, loaded.ttlMs);
      return loaded.value;
    }) as Promise<T>;
  }
}

function storeKey(kind: CacheKind, key: string): string {
  return `${kind}:${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
}
