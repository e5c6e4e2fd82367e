/**
 * The request duration histogram of the request path, kept as plain numbers per label combination
 * and given to the registry in prom-client's own form (the same `/metrics` lines as its
 * Histogram). prom-client's `observe` copies, validates and hashes the labels and looks the bucket
 * up by key on every call; here an observation is a walk down a {@link LabelTree}, a bucket index
 * and three additions.
 */
import type { Histogram, Registry } from 'prom-client';
import { LabelTree } from './pending-counts';

/** What the registry reads of a metric: prom-client's own Histogram gives the same. */
interface Value {
  metricName: string;
  /** `le` here, the series' labels as shared ones: the registry writes `le` first, as prom-client does */
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
}
interface Collected {
  name: string;
  help: string;
  type: 'histogram';
  values: Value[];
  aggregator: 'sum';
}

interface Series {
  labels: Record<string, string>;
  /** observations per bucket, not cumulative; the last one is +Inf */
  counts: number[];
  sum: number;
  count: number;
}

export class BucketHistogram {
  private readonly series: LabelTree<Series>;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    this.series = new LabelTree((labels) => ({
      labels,
      counts: bounds.map(() => 0).concat(0),
      sum: 0,
      count: 0,
    }));
    // The registry needs only a name and `get()` of a metric (and `reset()` for resetMetrics).
    registry.registerMetric(this as unknown as Histogram);
  }

  /** One observation for these label values, in the order of the label names (two or three). */
  observe(value: number, a: string, b: string, c?: string): void {
    const series = this.series.get(this.labelNames, a, b, c);
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]) bucket++;
    series.counts[bucket]++;
    series.sum += value;
    series.count++;
  }

  /** What the registry writes: cumulative buckets, `+Inf`, sum and count per label combination. */
  get(): Promise<Collected> {
    const values: Value[] = [];
    for (const series of this.series.values) {
      let cumulative = 0;
      series.counts.forEach((count, i) => {
        cumulative += count;
        const le = i < this.bounds.length ? this.bounds[i] : '+Inf';
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { le },
          sharedLabels: series.labels,
          value: cumulative,
        });
      });
      const shared = { labels: {}, sharedLabels: series.labels };
      values.push({ metricName: `${this.name}_sum`, ...shared, value: series.sum });
      values.push({ metricName: `${this.name}_count`, ...shared, value: series.count });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: 'histogram',
      values,
      aggregator: 'sum',
    });
  }

  reset(): void {
    for (const series of this.series.values) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
