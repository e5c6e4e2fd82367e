/**
 * AUTH0_MGMT_RPS: the fleet's budget for Management API requests (user lookups and the
 * client-credentials token call). Every attempt of those calls takes a slot first (see
 * token-bucket.ts for the arithmetic): at once while the bucket has one, else after a wait in
 * arrival order; a call whose slot would not leave it a second (CALL_HEADROOM_MS) before its
 * UPSTREAM_TIMEOUT_MS deadline is refused at once
 * with `rate_limited` (503 auth0_rate_limited, Retry-After: the whole seconds until a slot). With
 * Redis the slots are shared by every replica; without it, or while Redis does not answer, each
 * replica keeps its own bucket. An answer whose `x-ratelimit-remaining` says the tenant has fewer
 * left than the bucket lowers the bucket. Concurrent lookups of one user share one request before
 * they get here (CacheService's single flight), so a user never queues twice.
 */
import { Inject, Injectable, Optional } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisStore } from '../cache/redis-store';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import type { AttemptGate } from '../upstream/attempt-gate';
import { UpstreamError } from '../upstream/upstream.errors';
import type { UpstreamTarget } from '../upstream/upstream.errors';
import type { UpstreamHeaders } from '../upstream/upstream.service';
import { RedisBucket } from './redis-bucket';
import { bucketShape, lowered, rateLimitHeaders, reserve, slotsLeft } from './token-bucket';
import type { BucketShape, Reservation } from './token-bucket';

/** A slot must leave the call itself this much of its budget (or half the budget, when shorter). */
const CALL_HEADROOM_MS = 1000;

@Injectable()
export class ManagementBudget implements AttemptGate {
  private readonly shape: BucketShape | undefined;
  private readonly headroomMs: number;
  private readonly shared: RedisBucket | undefined;
  /** this replica's bucket (or its last view of the shared one, for the metrics) */
  private tat = 0;
  private waiters = 0;

  constructor(
    config: AppConfig,
    private readonly metrics: MetricsService,
    @Optional() @Inject(RedisStore) store: RedisStore | null,
  ) {
    this.headroomMs = Math.min(CALL_HEADROOM_MS, config.upstreamTimeoutMs / 2);
    if (config.managementRps === undefined) return;
    const shape = bucketShape(config.managementRps);
    this.shape = shape;
    this.shared = store ? new RedisBucket(store, shape) : undefined;
    metrics.observeManagementBudget(() => ({
      slots: slotsLeft(shape, this.tat, Date.now()),
      waiters: this.waiters,
    }));
  }

  get enabled(): boolean {
    return this.shape !== undefined;
  }

  async admit(target: UpstreamTarget, deadline: number): Promise<void> {
    const shape = this.shape;
    if (shape === undefined) return;
    // Never below 0: a slot free now is worth trying even with less than the headroom left.
    const maxWaitMs = Math.max(0, deadline - Date.now() - this.headroomMs);
    const reservation = (await this.shared?.reserve(maxWaitMs)) ?? this.reserveHere(shape, maxWaitMs);
    this.tat = reservation.tat;
    if (!reservation.granted) {
      this.metrics.managementBudgetRefusals.inc();
      throw new UpstreamError('rate_limited', target, {
        retryAfterS: Math.max(1, Math.ceil(reservation.waitMs / 1000)),
      });
    }
    this.metrics.managementBudgetWait.observe(reservation.waitMs / 1000);
    if (reservation.waitMs <= 0) return;
    this.waiters++;
    try {
      await sleep(reservation.waitMs);
    } finally {
      this.waiters--;
    }
  }

  observe(headers: UpstreamHeaders): void {
    const shape = this.shape;
    if (shape === undefined) return;
    const said = rateLimitHeaders(headers);
    if (said === undefined || said.remaining >= shape.capacity) return;
    this.tat = lowered(shape, this.tat, Date.now(), said.remaining, said.resetEpochS);
    void this.shared?.lower(said.remaining, said.resetEpochS).then((tat) => {
      if (tat !== undefined) this.tat = Math.max(this.tat, tat);
    });
  }

  private reserveHere(shape: BucketShape, maxWaitMs: number): Reservation {
    return reserve(shape, this.tat, Date.now(), maxWaitMs);
  }
}
