/**
 * The tenant's signing keys. Fetched at start-up and every 5 s until one fetch succeeds (readiness
 * waits for it); the last key set fetched is kept with no maximum age and replaced only by a
 * successful fetch; an unknown `kid` refetches only when JWKS_MIN_REFETCH_MS has passed since the
 * last fetch. jwks-rsa turns the JWKS into keys; the fetch itself goes through the upstream client.
 */
import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JwksClient } from 'jwks-rsa';
import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { UpstreamService } from '../upstream/upstream.service';

const STARTUP_RETRY_MS = 5_000;

@Injectable()
export class JwksService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(JwksService.name);
  private readonly client: JwksClient;
  private inFlight: Promise<void> | undefined;
  private keys = new Map<string, KeyObject>();
  private fetched = false;
  private lastFetchAt = Number.NEGATIVE_INFINITY;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: AppConfig,
    upstream: UpstreamService,
  ) {
    this.client = new JwksClient({
      jwksUri: config.auth0.jwksUrl,
      cache: false,
      rateLimit: false,
      fetcher: async (uri) => {
        const { status, json } = await upstream.requestJson<{ keys?: unknown }>({
          target: 'auth0_jwks',
          method: 'GET',
          url: uri,
          retry: 'none',
        });
        if (status !== 200 || !Array.isArray(json?.keys)) throw new Error(`JWKS answered ${status}`);
        return { keys: json.keys };
      },
    });
  }

  onApplicationBootstrap(): void {
    void this.fetchUntilReady();
  }

  onModuleDestroy(): void {
    clearTimeout(this.retryTimer);
  }

  /** a key set was fetched at least once */
  isReady(): boolean {
    return this.fetched;
  }

  /**
   * The PEM public key for `kid`, or undefined when the tenant does not publish it. A request that
   * arrives while a fetch is in flight waits for that fetch rather than being refused by the window.
   */
  async keyFor(kid: string): Promise<KeyObject | undefined> {
    const known = this.keys.get(kid);
    if (known !== undefined) return known;
    if (this.inFlight === undefined && Date.now() - this.lastFetchAt < this.config.jwksMinRefetchMs)
      return undefined;
    await this.refresh().catch(() => undefined);
    return this.keys.get(kid);
  }

  /** One fetch at a time; concurrent callers share it. Keys are replaced only by a successful one. */
  private refresh(): Promise<void> {
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetch(): Promise<void> {
    this.lastFetchAt = Date.now();
    try {
      const signingKeys = await this.client.getSigningKeys();
      this.keys = new Map(
        // Parsed once here: handing jsonwebtoken a PEM string made it parse the key on every request.
        signingKeys.filter((k) => k.kid !== undefined).map((k) => [k.kid, createPublicKey(k.getPublicKey())]),
      );
      this.fetched = true;
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'JWKS fetch failed');
      throw error;
    }
  }

  private async fetchUntilReady(): Promise<void> {
    try {
      await this.refresh();
    } catch {
      this.retryTimer = setTimeout(() => void this.fetchUntilReady(), STARTUP_RETRY_MS);
      this.retryTimer.unref();
    }
  }
}
