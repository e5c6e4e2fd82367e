/**
 * The shared tier of the cache when REDIS_URL is set: one Redis for every replica, holding only
 * encrypted values (see cache-codec.ts) under `<REDIS_KEY_PREFIX><kind>:<hash>`, short locks for
 * fleet-wide single flight, and an invalidation channel so a write by one replica drops the others'
 * in-memory copies.
 *
 * Redis is an optimization, never a dependency: every operation answers `UNAVAILABLE` instead of
 * throwing when Redis is down, slow or refuses (CacheService then works from memory). Commands fail
 * at once while disconnected (no offline queue), a command that stalls is abandoned after
 * COMMAND_TIMEOUT_MS and Redis is then skipped for PAUSE_MS (so requests do not each wait for
 * their own timeout), and the client reconnects by itself.
 */
import { Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createClient } from '@keyv/redis';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import type { MetricsService } from '../metrics/metrics.service';
import { CacheCodec } from './cache-codec';
import { Invalidations } from './invalidations';
import type { InvalidationListener, RedisClient as Client } from './invalidations';
import { CommandTimeout, errorName, UNAVAILABLE, withTimeout } from './redis-command';
import type { Unavailable } from './redis-command';

/** A stalled Redis must not hold a request longer than this per command. */
const COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 1_000;
/** After a timeout, requests skip Redis this long instead of each waiting for its own timeout. */
const PAUSE_MS = 1_000;
/** Reconnect backoff: 50 ms doubling up to 1 s, so a Redis that is back is used within a second. */
const MAX_RECONNECT_DELAY_MS = 1_000;

const RELEASE_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export type SharedRead =
  /** `raw` is the stored envelope, to tell a rewritten entry from the one seen before */
  | { status: 'hit'; value: unknown; expiresAt: number; raw: string }
  | { status: 'miss'; raw: string | undefined }
  | { status: 'unavailable' };

/** What is encrypted: the value and its absolute expiry (so a reader's memory copy ends with it). */
interface Payload {
  v: unknown;
  exp: number;
}

export class RedisStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SharedCache');
  private readonly prefix: string;
  private readonly codec: CacheCodec;
  private readonly client: Client;
  private readonly invalidations: Invalidations;
  private pausedUntil = 0;
  /** logged once per outage, not once per reconnect attempt */
  private down = false;

  constructor(
    config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    const { url, keyPrefix, encryptionKey, previousEncryptionKey } = config.redis;
    if (url === undefined || encryptionKey === undefined) {
      throw new Error('RedisStore needs REDIS_URL and CACHE_ENCRYPTION_KEY (parseConfig checks both)');
    }
    this.prefix = keyPrefix;
    this.codec = new CacheCodec(encryptionKey, previousEncryptionKey);
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: CONNECT_TIMEOUT_MS,
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
      },
    });
    this.invalidations = new Invalidations(
      this.client.duplicate({ disableOfflineQueue: false }),
      `${keyPrefix}invalidate`,
    );
    this.client.on('error', (error: Error) => this.onError(error));
    this.client.on('ready', () => this.onReady());
  }

  /** Resolves once the first connection is up, or its attempt timed out (never rejects). */
  connected(): Promise<void> {
    if (this.client.isReady) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, CONNECT_TIMEOUT_MS);
      timer.unref();
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  onModuleInit(): void {
    // Not awaited: a Redis that is down at start-up must not keep the service from starting.
    this.client.connect().catch(() => undefined);
    this.invalidations.start();
  }

  /** After the HTTP server closed (not at module destroy: requests still in flight use Redis). */
  onApplicationShutdown(): void {
    this.invalidations.stop();
    if (this.client.isOpen) this.client.destroy();
  }

  /** See Invalidations.listen. */
  onInvalidate(listener: InvalidationListener): void {
    this.invalidations.listen(listener);
  }

  async read(storeKey: string): Promise<SharedRead> {
    const key = this.prefix + storeKey;
    const raw = await this.run((c) => c.get(key));
    if (raw === UNAVAILABLE) return { status: 'unavailable' };
    if (raw === null) return { status: 'miss', raw: undefined };
    const decoded = this.codec.decode(key, raw);
    if (!decoded.ok) {
      // Another key (a replica not rotated yet, or a wrong key), tampering, or not ours: a miss.
      this.metrics.cacheUndecryptable.inc({ reason: decoded.reason });
      this.logger.debug(
        { kind: kindOf(storeKey), reason: decoded.reason },
        'shared cache entry unreadable: a miss',
      );
      return { status: 'miss', raw };
    }
    let payload: Payload;
    try {
      payload = JSON.parse(decoded.plaintext) as Payload;
    } catch {
      this.metrics.cacheUndecryptable.inc({ reason: 'malformed' });
      return { status: 'miss', raw };
    }
    const ttlMs = typeof payload?.exp === 'number' ? payload.exp - Date.now() : 0;
    if (ttlMs <= 0) return { status: 'miss', raw };
    if (decoded.stale) {
      // Written under CACHE_ENCRYPTION_KEY_PREVIOUS: store it again under the current key.
      void this.run((c) =>
        c.set(key, this.codec.encode(key, decoded.plaintext), {
          expiration: { type: 'PX', value: Math.ceil(ttlMs) },
          condition: 'XX',
        }),
      );
    }
    return { status: 'hit', value: payload.v, expiresAt: payload.exp, raw };
  }

  async write(storeKey: string, value: unknown, ttlMs: number): Promise<boolean> {
    const key = this.prefix + storeKey;
    const ttl = Math.floor(ttlMs);
    if (ttl <= 0) return true;
    const payload: Payload = { v: value, exp: Date.now() + ttl };
    const envelope = this.codec.encode(key, JSON.stringify(payload));
    const done = await this.run((c) => c.set(key, envelope, { expiration: { type: 'PX', value: ttl } }));
    if (done !== UNAVAILABLE) void this.publishInvalidation(storeKey);
    return done !== UNAVAILABLE;
  }

  /** Resolves once the other replicas were told (the log stream answers only after that). */
  async remove(storeKey: string): Promise<void> {
    const done = await this.run((c) => c.del(this.prefix + storeKey));
    if (done !== UNAVAILABLE) await this.publishInvalidation(storeKey);
  }

  /** `SET NX PX`: a lock token when this caller holds the lock now, false when another one does. */
  async acquire(lockName: string, ttlMs: number): Promise<string | false | Unavailable> {
    const token = randomBytes(16).toString('base64url');
    const reply = await this.run((c) =>
      c.set(this.prefix + lockName, token, {
        condition: 'NX',
        expiration: { type: 'PX', value: Math.max(1, Math.floor(ttlMs)) },
      }),
    );
    if (reply === UNAVAILABLE) return UNAVAILABLE;
    return reply === 'OK' ? token : false;
  }

  /** Deletes the lock only while it is still this holder's (it may have expired and moved on). */
  async release(lockName: string, token: string): Promise<void> {
    await this.run((c) => c.eval(RELEASE_SCRIPT, { keys: [this.prefix + lockName], arguments: [token] }));
  }

  /** A Lua script on keys under this deployment's prefix; UNAVAILABLE as for every other command. */
  async script(source: string, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    return this.run((c) => c.eval(source, { keys: keys.map((k) => this.prefix + k), arguments: [...args] }));
  }

  /** For /health/ready: down while disconnected or paused after a timeout, else a PING. */
  async check(): Promise<HealthIndicatorResult> {
    if (!this.available()) return { redis: { status: 'down', message: 'unreachable: serving from memory' } };
    const pong = await this.run((c) => c.ping());
    return pong === UNAVAILABLE
      ? { redis: { status: 'down', message: 'not answering: serving from memory' } }
      : { redis: { status: 'up' } };
  }

  private available(): boolean {
    return this.client.isReady && Date.now() >= this.pausedUntil;
  }

  /** One command, or UNAVAILABLE (counted) when Redis is down, paused, slow or refuses. */
  private async run<T>(command: (client: Client) => Promise<T>): Promise<T | Unavailable> {
    if (!this.available()) {
      this.metrics.redisUnavailable.inc();
      return UNAVAILABLE;
    }
    try {
      const result = await withTimeout(command(this.client), COMMAND_TIMEOUT_MS);
      this.onReady();
      return result;
    } catch (error) {
      this.metrics.redisUnavailable.inc();
      if (error instanceof CommandTimeout) {
        this.pausedUntil = Date.now() + PAUSE_MS;
        this.onError(error);
      } else {
        this.logger.debug({ error: errorName(error) }, 'Redis command failed: serving from memory');
      }
      return UNAVAILABLE;
    }
  }

  private async publishInvalidation(storeKey: string): Promise<void> {
    await this.run((c) => c.publish(this.invalidations.channel, this.invalidations.message(storeKey)));
  }

  private onError(error: Error): void {
    if (this.down) return;
    this.down = true;
    // The error's code only: a message could carry the URL, and the URL a password.
    this.logger.warn({ error: errorName(error) }, 'Redis unreachable: caching in memory until it is back');
  }

  private onReady(): void {
    if (this.down) this.logger.log('Redis reachable again: shared cache in use');
    this.down = false;
  }
}

function kindOf(storeKey: string): string {
  return storeKey.slice(0, storeKey.indexOf(':'));
}
