/**
 * The fleet's invalidation channel: a replica that writes or deletes a shared entry publishes its
 * store key, and every other replica drops its memory copy. Messages carry this process's id, so a
 * replica ignores its own.
 */
import type { createClient } from '@keyv/redis';
import { randomBytes } from 'node:crypto';

export type RedisClient = ReturnType<typeof createClient>;
export type InvalidationListener = (storeKey: string | undefined) => void;

export class Invalidations {
  /** tells this process's own invalidations from other replicas' */
  private readonly instanceId = randomBytes(8).toString('hex');
  private listener: InvalidationListener = () => undefined;

  /** `subscriber` only ever sends SUBSCRIBE: queued until connected, re-sent on every reconnect. */
  constructor(
    private readonly subscriber: RedisClient,
    readonly channel: string,
  ) {
    this.subscriber.on('error', () => undefined); // the main client reports the outage
    // Invalidations published while it was disconnected are lost: anything may have changed.
    this.subscriber.on('ready', () => this.listener(undefined));
  }

  /** Not awaited by anyone: a Redis that is down keeps reconnecting by itself. */
  start(): void {
    this.subscriber.connect().catch(() => undefined);
    this.subscriber.subscribe(this.channel, (message) => this.onMessage(message)).catch(() => undefined);
  }

  stop(): void {
    if (this.subscriber.isOpen) this.subscriber.destroy();
  }

  /**
   * Called with the store key (`<kind>:<hash>`) another replica wrote or deleted; with undefined
   * when invalidations may have been missed (on every (re)connection of the subscriber).
   */
  listen(listener: InvalidationListener): void {
    this.listener = listener;
  }

  /** What to publish on `channel` when this replica changed `storeKey`. */
  message(storeKey: string): string {
    return `${this.instanceId} ${storeKey}`;
  }

  private onMessage(message: string): void {
    const [origin, storeKey] = message.split(' ');
    if (origin !== this.instanceId && storeKey !== undefined) this.listener(storeKey);
  }
}
