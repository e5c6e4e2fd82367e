/**
 * Owns the Prometheus registry of this process (one per app instance, so several apps in one test
 * process never share counters) and every metric docs/operations.md names.
 */
import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BucketHistogram } from './bucket-histogram';
import { PendingCounts } from './pending-counts';

const REQUEST_LABELS = ['route', 'method', 'status'] as const;

@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  // The request path's counts, added to their counters when these are read (pending-counts.ts).
  private readonly requestCounts = new PendingCounts(REQUEST_LABELS);
  private readonly upstreamCounts = new PendingCounts(['target', 'status'] as const);
  private readonly cacheCounts = new PendingCounts(['kind', 'result'] as const);

  readonly httpRequests = pendingCounter(this.requestCounts, {
    name: 'idp_proxy_http_requests_total',
    help: 'Requests served, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  // Observed on every request: plain numbers per label combination (bucket-histogram.ts).
  private readonly httpDuration = new BucketHistogram(
    'idp_proxy_http_request_duration_seconds',
    'Time to serve a request, by route pattern, method and status.',
    REQUEST_LABELS,
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    this.registry,
  );

  readonly upstreamRequests = pendingCounter(this.upstreamCounts, {
    name: 'idp_proxy_upstream_requests_total',
    help: 'Upstream HTTP calls (each attempt), by target and status (HTTP status, timeout or error).',
    labelNames: ['target', 'status'] as const,
    registers: [this.registry],
  });

  readonly upstreamRetries = new Counter({
    name: 'idp_proxy_upstream_retries_total',
    help: 'Upstream calls sent again after a 429, a 5xx or a connection failure, by target.',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  readonly cache = pendingCounter(this.cacheCounts, {
    name: 'idp_proxy_cache_total',
    help: 'Cache lookups by kind (management_token, user, idp_token, ...) and result (hit, miss).',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });

  readonly redisUnavailable = new Counter({
    name: 'idp_proxy_redis_unavailable_total',
    help: 'Shared-cache operations that fell back to memory because Redis did not answer.',
    registers: [this.registry],
  });

  readonly cacheUndecryptable = new Counter({
    name: 'idp_proxy_cache_undecryptable_total',
    help: 'Shared-cache entries read as a miss because they did not decrypt, by reason (unknown_key: written under a key this replica does not hold; auth_failed: tampered; malformed).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  // ---- Management API budget (AUTH0_MGMT_RPS); registered only when the budget is on ----
  private managementBudgetView: () => { slots: number; waiters: number } = () => ({ slots: 0, waiters: 0 });

  readonly managementBudgetWait = new Histogram({
    name: 'idp_proxy_mgmt_budget_wait_seconds',
    help: 'Time a Management API request waited for a slot of the AUTH0_MGMT_RPS budget.',
    buckets: [0, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  });

  readonly managementBudgetRefusals = new Counter({
    name: 'idp_proxy_mgmt_budget_refusals_total',
    help: 'Management API requests refused (503 auth0_rate_limited) because no slot of the budget came within their timeout.',
    registers: [],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Turns the budget's metrics on; `view` says what the bucket holds when /metrics is read. */
  observeManagementBudget(view: () => { slots: number; waiters: number }): void {
    this.managementBudgetView = view;
    const read = (): { slots: number; waiters: number } => this.managementBudgetView();
    this.registry.registerMetric(
      new Gauge({
        name: 'idp_proxy_mgmt_budget_tokens',
        help: "Slots left in the Management API budget's bucket (this replica's view of the shared one with Redis).",
        registers: [],
        collect() {
          this.set(read().slots);
        },
      }),
    );
    this.registry.registerMetric(
      new Gauge({
        name: 'idp_proxy_mgmt_budget_waiters',
        help: 'Management API requests of this replica waiting for a slot of the budget.',
        registers: [],
        collect() {
          this.set(read().waiters);
        },
      }),
    );
    this.registry.registerMetric(this.managementBudgetWait);
    this.registry.registerMetric(this.managementBudgetRefusals);
  }

  /** One served request; `route` is the route pattern (never a raw path, so labels stay bounded). */
  observeRequest(route: string, method: string, status: number, seconds: number): void {
    const code = String(status);
    this.requestCounts.inc(route, method, code);
    this.httpDuration.observe(seconds, route, method, code);
  }

  /** One answered (or failed, `status` a failure name) upstream call. */
  countUpstream(target: string, status: string): void {
    this.upstreamCounts.inc(target, status);
  }

  countCache(kind: string, result: 'hit' | 'miss'): void {
    this.cacheCounts.inc(kind, result);
  }
}

/** A Counter whose `collect` first adds the counts `pending` holds. */
function pendingCounter<L extends string>(
  pending: PendingCounts<L>,
  configuration: { name: string; help: string; labelNames: readonly L[]; registers: Registry[] },
): Counter<L> {
  return new Counter<L>({
    ...configuration,
    collect() {
      pending.flushInto(this);
    },
  });
}
