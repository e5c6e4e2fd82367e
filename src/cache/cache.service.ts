/**
 * The service's cache: management token, users' identities, refreshed and exchanged IdP tokens.
 * The code above never knows which store serves it. Keys are hashed: they name no token, no e-mail
 * and no user id.
 *
 * Without REDIS_URL: in-process memory (memory-tier.ts). With it, two tiers: the same memory in
 * front (a warm request never waits on Redis) and Redis behind it, shared by every replica and
 * encrypted (RedisStore). A memory miss reads Redis; a write goes to both with the same expiry.
 * `getOrLoad` gives single flight per key in this process and, through a short Redis lock, across
 * the fleet: one replica loads, the others wait for its value in Redis. Whenever Redis does not
 * answer, everything works as without it.
 */
import { Inject, Injectable, Optional } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { AbsentKeys } from './absent-keys';
import { MemoryTier } from './memory-tier';
import { UNAVAILABLE } from './redis-command';
import { RedisStore } from './redis-store';
import { SingleFlight } from './single-flight';
import { StoreKeys } from './store-keys';

export type CacheKind = 'management_token' | 'user' | 'idp_token' | 'recovery';

export interface Loaded<T> {
  value: T;
  /** 0 or less: do not cache */
  ttlMs: number;
}

/** How often a replica waiting for another one's load looks at Redis. */
const POLL_MS = 25;
/** Longest a fleet lock is held (a crashed holder's lock lapses by itself). */
const MAX_LOCK_MS = 10_000;

interface Outcome {
  value: unknown;
  /** true: this process ran the loader */
  loaded: boolean;
}

@Injectable()
export class CacheService {
  private readonly flights = new SingleFlight<unknown>();
  private readonly absent = new AbsentKeys();
  private readonly keys = new StoreKeys<CacheKind>();
  private readonly lockMs: number;

  constructor(
    private readonly memory: MemoryTier,
    private readonly metrics: MetricsService,
    config: AppConfig,
    @Optional() @Inject(RedisStore) private readonly shared: RedisStore | null,
  ) {
    this.lockMs = Math.min(config.upstreamTimeoutMs, MAX_LOCK_MS);
    this.shared?.onInvalidate((storeKey) => {
      if (storeKey === undefined) this.absent.clear();
      else this.dropLocal(storeKey);
    });
  }

  /**
   * Resolves once the shared cache's first connection is up or has failed: start-up work that
   * fills the cache (the management token) waits for it, so replicas share what they fetch.
   */
  connected(): Promise<void> {
    return this.shared?.connected() ?? Promise.resolve();
  }

  async get<T>(kind: CacheKind, key: string): Promise<T | undefined> {
    const k = this.keys.of(kind, key);
    let value = this.memory.get<T>(k);
    if (value === undefined && this.shared && !this.absent.has(k)) {
      value = (await this.flights.run(`get:${k}`, () => this.readShared(k))) as T | undefined;
    }
    this.metrics.countCache(kind, value === undefined ? 'miss' : 'hit');
    return value;
  }

  async set<T>(kind: CacheKind, key: string, value: T, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    const k = this.keys.of(kind, key);
    this.absent.delete(k);
    this.memory.set(k, value, ttlMs);
    await this.shared?.write(k, value, ttlMs);
  }

  async delete(kind: CacheKind, key: string): Promise<void> {
    const k = this.keys.of(kind, key);
    this.dropLocal(k);
    await this.shared?.remove(k);
  }

  /**
   * The cached value, or the loader's result (stored for its ttl). Concurrent callers of one key
   * share one load, in this process and across the replicas sharing Redis. `fresh` skips the
   * cached value but still shares and stores the load: it takes only a value written after it
   * started waiting.
   */
  async getOrLoad<T>(
    kind: CacheKind,
    key: string,
    loader: () => Promise<Loaded<T>>,
    options: { fresh?: boolean } = {},
  ): Promise<T> {
    const fresh = options.fresh === true;
    const k = this.keys.of(kind, key);
    if (!fresh) {
      const cached = this.memory.get<T>(k);
      if (cached !== undefined) {
        this.metrics.countCache(kind, 'hit');
        return cached;
      }
    }
    let loaded = true; // a failed load counts as a miss
    try {
      const outcome = (await this.flights.run(`${fresh ? 'fresh' : 'load'}:${k}`, () =>
        this.shared ? this.fleetLoad(this.shared, k, loader, fresh) : this.loadAndStore(k, loader),
      )) as Outcome;
      loaded = outcome.loaded;
      return outcome.value as T;
    } finally {
      if (!fresh) this.metrics.countCache(kind, loaded ? 'miss' : 'hit');
    }
  }

  /**
   * Runs `work` on one replica at a time for this key, through the same kind of Redis lock; a
   * replica that finds the lock taken waits until it is released (or lapses), then runs `work`
   * itself with its memory copy of the key dropped, so `work` should first look for what the holder
   * stored (the refresh of an IdP token does: one refresh for the fleet, not one per replica).
   * Without Redis, or when it fails: runs `work` at once.
   */
  async exclusive<T>(kind: CacheKind, key: string, work: () => Promise<T>): Promise<T> {
    const shared = this.shared;
    if (!shared) return work();
    const k = this.keys.of(kind, key);
    const lockName = `lock:exclusive:${k}`;
    const deadline = Date.now() + this.lockMs + POLL_MS;
    for (let waited = false; ; waited = true) {
      const lock = await shared.acquire(lockName, this.lockMs);
      if (lock === UNAVAILABLE) break;
      if (lock !== false) {
        try {
          // What `work` looks for first must come from Redis, not from an old belief of this one.
          if (waited) this.dropLocal(k);
          else this.absent.delete(k);
          return await work();
        } finally {
          await shared.release(lockName, lock);
        }
      }
      if (Date.now() >= deadline) break;
      await sleep(POLL_MS);
    }
    this.dropLocal(k);
    return work();
  }

  /**
   * Redis's value if there is one; else one replica (the holder of `lock:<kind>:<hash>`) loads while
   * the others poll Redis for its value, or take the lock when it goes away without one. A fresh
   * load has its own lock and accepts only a value rewritten after it started. Redis failing at any
   * step: load here.
   */
  private async fleetLoad(
    shared: RedisStore,
    k: string,
    loader: () => Promise<Loaded<unknown>>,
    fresh: boolean,
  ): Promise<Outcome> {
    const lockName = `lock:${fresh ? 'fresh:' : ''}${k}`;
    const deadline = Date.now() + this.lockMs + POLL_MS;
    let seen: string | undefined | typeof NOT_READ = NOT_READ;
    for (;;) {
      const read = await shared.read(k);
      if (read.status === 'unavailable') break;
      if (read.status === 'hit' && (!fresh || (seen !== NOT_READ && read.raw !== seen))) {
        return { value: this.keepLocal(k, read.value, read.expiresAt), loaded: false };
      }
      if (seen === NOT_READ) seen = read.raw;
      const lock = await shared.acquire(lockName, this.lockMs);
      if (lock === UNAVAILABLE) break;
      if (lock !== false) {
        try {
          if (!fresh) {
            // Another replica may have stored it and let go between our read and our lock.
            const again = await shared.read(k);
            if (again.status === 'hit') {
              return { value: this.keepLocal(k, again.value, again.expiresAt), loaded: false };
            }
          }
          return await this.loadAndStore(k, loader);
        } finally {
          await shared.release(lockName, lock);
        }
      }
      if (Date.now() >= deadline) break;
      await sleep(POLL_MS);
    }
    return this.loadAndStore(k, loader);
  }

  private async loadAndStore(k: string, loader: () => Promise<Loaded<unknown>>): Promise<Outcome> {
    const loaded = await loader();
    if (loaded.ttlMs > 0) {
      this.absent.delete(k);
      this.memory.set(k, loaded.value, loaded.ttlMs);
      await this.shared?.write(k, loaded.value, loaded.ttlMs);
    }
    return { value: loaded.value, loaded: true };
  }

  private async readShared(k: string): Promise<unknown> {
    const read = await (this.shared as RedisStore).read(k);
    if (read.status === 'hit') return this.keepLocal(k, read.value, read.expiresAt);
    if (read.status === 'miss') this.absent.add(k);
    return undefined;
  }

  /** A value read from Redis, kept in memory until the same expiry. */
  private keepLocal(k: string, value: unknown, expiresAt: number): unknown {
    const ttlMs = expiresAt - Date.now();
    if (ttlMs > 0) {
      this.absent.delete(k);
      this.memory.set(k, value, ttlMs);
    }
    return value;
  }

  private dropLocal(k: string): void {
    this.absent.delete(k);
    this.memory.delete(k);
  }
}

const NOT_READ = Symbol('not read yet');
