/**
 * Owns the Prometheus registry of this process (one per app instance, so several apps in one test
 * process never share counters) and every metric docs/operations.md names.
 */
import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * A metric's label-bound children, made once per label combination: prom-client hashes the label
 * object on every `inc({...})`, and these counts run several times per proxied request.
 */
class Series<T> {
  private readonly children = new Map<string, T>();

  constructor(private readonly make: (...labels: string[]) => T) {}

  get(...labels: string[]): T {
    const id = labels.join('\u0000');
    let child = this.children.get(id);
    if (child === undefined) {
      child = this.make(...labels);
      this.children.set(id, child);
    }
    return child;
  }
}

@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'idp_proxy_http_requests_total',
    help: 'Requests served, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'idp_proxy_http_request_duration_seconds',
    help: 'Time to serve a request, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly upstreamRequests = new Counter({
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

  readonly cache = new Counter({
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

  private readonly requestSeries = new Series((route, method, status) => {
    const labels = { route, method, status };
    return { count: this.httpRequests.labels(labels), duration: this.httpDuration.labels(labels) };
  });
  private readonly upstreamSeries = new Series((target, status) =>
    this.upstreamRequests.labels({ target, status }),
  );
  private readonly cacheSeries = new Series((kind, result) => this.cache.labels({ kind, result }));

  /** One served request; `route` is the route pattern (never a raw path, so labels stay bounded). */
  observeRequest(route: string, method: string, status: number, seconds: number): void {
    const series = this.requestSeries.get(route, method, String(status));
    series.count.inc();
    series.duration.observe(seconds);
  }

  /** One answered (or failed, `status` a failure name) upstream call. */
  countUpstream(target: string, status: string): void {
    this.upstreamSeries.get(target, status).inc();
  }

  countCache(kind: string, result: 'hit' | 'miss'): void {
    this.cacheSeries.get(kind, result).inc();
  }
}
