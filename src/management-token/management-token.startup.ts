/**
 * The start-up check of this service's Auth0 credentials: a Management API token is asked for once
 * the application is built, and every 5 s while the tenant cannot be reached (readiness waits for
 * it). A refusal, or a token without the needed scopes, is final: `main.ts` stops the process with
 * the setting to fix. The token obtained is the one the first requests use.
 */
import { Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CacheService } from '../cache/cache.service';
import { Auth0MisconfiguredError } from '../upstream/upstream.errors';
import { ManagementTokenService } from './management-token.service';

const RETRY_MS = 5_000;

export type StartupState =
  { kind: 'pending'; reason: string } | { kind: 'ready' } | { kind: 'refused'; setting: string };

@Injectable()
export class ManagementTokenStartup implements OnApplicationBootstrap, OnModuleDestroy {
  private current: StartupState = { kind: 'pending', reason: 'not asked yet' };
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private resolveFirst!: (state: StartupState) => void;
  private resolveRefused!: (setting: string) => void;
  /** the outcome of the first attempt */
  readonly firstAttempt = new Promise<StartupState>((resolve) => (this.resolveFirst = resolve));
  /** resolves with the setting to fix if any attempt is refused */
  readonly refused = new Promise<string>((resolve) => (this.resolveRefused = resolve));

  constructor(
    private readonly tokens: ManagementTokenService,
    private readonly cache: CacheService,
  ) {}

  onApplicationBootstrap(): void {
    // With Redis, a token another replica already holds is read from there, not fetched again.
    void this.cache.connected().then(() => this.attempt());
  }

  onModuleDestroy(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  state(): StartupState {
    return this.current;
  }

  private async attempt(): Promise<void> {
    try {
      await this.tokens.getToken();
      this.current = { kind: 'ready' };
    } catch (error) {
      if (error instanceof Auth0MisconfiguredError) {
        this.current = { kind: 'refused', setting: error.setting };
        this.resolveRefused(error.setting);
      } else {
        const reason = error instanceof Error ? error.message : String(error);
        this.current = {
          kind: 'pending',
          reason: `Auth0 could not be reached (${reason}); retrying every 5 s`,
        };
        if (!this.closed) {
          this.timer = setTimeout(() => void this.attempt(), RETRY_MS);
          this.timer.unref();
        }
      }
    }
    this.resolveFirst(this.current);
  }
}
