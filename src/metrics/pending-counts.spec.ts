import { Counter, Registry } from 'prom-client';
import { LabelTree, PendingCounts } from './pending-counts';

describe('PendingCounts', () => {
  it('adds the counts to the counter when it is read, per label combination', async () => {
    const registry = new Registry();
    const counts = new PendingCounts(['kind', 'result'] as const);
    const counter = new Counter({
      name: 'test_total',
      help: 'test',
      labelNames: ['kind', 'result'] as const,
      registers: [registry],
      collect() {
        counts.flushInto(this);
      },
    });
    counts.inc('user', 'hit');
    counts.inc('user', 'hit');
    counts.inc('user', 'miss');
    const values = async (): Promise<Array<[string, number]>> =>
      (await counter.get()).values.map((v) => [`${v.labels.kind}/${v.labels.result}`, v.value]);
    expect(await values()).toEqual([
      ['user/hit', 2],
      ['user/miss', 1],
    ]);
    counts.inc('user', 'hit');
    expect(await values()).toEqual([
      ['user/hit', 3],
      ['user/miss', 1],
    ]);
    expect(await registry.metrics()).toContain('test_total{kind="user",result="hit"} 3');
  });
});

describe('LabelTree', () => {
  it('makes one value per combination of label values', () => {
    const made: Array<Record<string, string>> = [];
    const tree = new LabelTree((labels) => {
      made.push(labels);
      return made.length;
    });
    const names = ['a', 'b', 'c'];
    expect(tree.get(names, 'x', 'y', 'z')).toBe(1);
    expect(tree.get(names, 'x', 'y', 'z')).toBe(1);
    expect(tree.get(names, 'x', 'y', 'w')).toBe(2);
    expect(tree.get(names, 'x', 'v', 'z')).toBe(3);
    expect(made).toEqual([
      { a: 'x', b: 'y', c: 'z' },
      { a: 'x', b: 'y', c: 'w' },
      { a: 'x', b: 'v', c: 'z' },
    ]);
  });
});
