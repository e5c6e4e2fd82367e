/**
 * The request path's metric bookkeeping without prom-client's per-call label handling.
 *
 * `LabelTree`: one value per label combination (two or three label values), found through nested
 * Maps: no key string or argument array built per call.
 *
 * `PendingCounts`: counts kept as plain numbers per label combination and added to their
 * prom-client Counter only when it is read (its `collect`, which `/metrics` and `get()` run first).
 * A label-bound child's `inc()` still hashes and validates its labels on every call (prom-client's
 * `incWithoutExemplar`), and a proxied request counts five or six times (request, upstream call,
 * cache lookups). What a reader sees is the same, added up at the moment it reads.
 */
import type { Counter } from 'prom-client';

type Level<T> = Map<string, Level<T> | T>;

export class LabelTree<T> {
  private readonly root: Level<T> = new Map();
  readonly values: T[] = [];

  /** `make` builds the value of a label combination the first time it is seen. */
  constructor(private readonly make: (labels: Record<string, string>) => T) {}

  /** The value for these label values, in the order of `names` (two or three; one tree, one count). */
  get(names: readonly string[], a: string, b: string, c?: string): T {
    let level = down(this.root, a);
    if (c !== undefined) level = down(level, b);
    const last = c ?? b;
    let value = level.get(last) as T | undefined;
    if (value === undefined) {
      const given = c === undefined ? [a, b] : [a, b, c];
      const labels: Record<string, string> = {};
      names.forEach((name, i) => (labels[name] = given[i]));
      value = this.make(labels);
      level.set(last, value);
      this.values.push(value);
    }
    return value;
  }
}

function down<T>(level: Level<T>, value: string): Level<T> {
  let next = level.get(value) as Level<T> | undefined;
  if (next === undefined) {
    next = new Map();
    level.set(value, next);
  }
  return next;
}

interface Cell {
  labels: Record<string, string>;
  pending: number;
}

export class PendingCounts<L extends string> {
  private readonly cells = new LabelTree<Cell>((labels) => ({ labels, pending: 0 }));

  constructor(private readonly labelNames: readonly L[]) {}

  /** One more count for these label values, in the order of `labelNames` (two or three). */
  inc(a: string, b: string, c?: string): void {
    this.cells.get(this.labelNames, a, b, c).pending++;
  }

  /** Adds what was counted since the last flush to `counter` (from its `collect`). */
  flushInto(counter: Counter<L>): void {
    for (const cell of this.cells.values) {
      if (cell.pending === 0) continue;
      counter.inc(cell.labels as Partial<Record<L, string>>, cell.pending);
      cell.pending = 0;
    }
  }
}
