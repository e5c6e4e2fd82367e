import { AbsentKeys } from './absent-keys';

describe(AbsentKeys.name, () => {
  afterEach(() => jest.useRealTimers());

  it('should believe a key absent until it is written, a warm path apart, for up to 15 minutes', () => {
    jest.useFakeTimers({ now: 0 });
    const absent = new AbsentKeys();
    absent.add('k');
    jest.setSystemTime(14 * 60_000);
    expect(absent.has('k')).toBe(true);
    jest.setSystemTime(15 * 60_000 + 1);
    expect(absent.has('k')).toBe(false);
  });

  it('should end the belief on a write (delete) and drop every belief when invalidations may be lost (clear)', () => {
    const absent = new AbsentKeys();
    absent.add('a');
    absent.add('b');
    absent.delete('a');
    expect([absent.has('a'), absent.has('b')]).toEqual([false, true]);
    absent.clear();
    expect(absent.has('b')).toBe(false);
  });

  it('should bound its entries', () => {
    const absent = new AbsentKeys(60_000, 3);
    for (const k of ['a', 'b', 'c', 'd']) absent.add(k);
    expect(['a', 'b', 'c', 'd'].filter((k) => absent.has(k)).length).toBeLessThanOrEqual(3);
  });
});
