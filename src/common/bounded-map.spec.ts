import { makeRoom } from './bounded-map';

describe('makeRoom', () => {
  const filled = (n: number): Map<number, number> => new Map(Array.from({ length: n }, (_, i) => [i, i]));

  it('leaves a map below its bound alone', () => {
    const map = filled(9);
    makeRoom(map, 10);
    expect(map.size).toBe(9);
  });

  it('drops the oldest tenth of a full map, or the count given', () => {
    const map = filled(20);
    makeRoom(map, 20);
    expect([...map.keys()]).toEqual(Array.from({ length: 18 }, (_, i) => i + 2));
    const one = filled(5);
    makeRoom(one, 5, 1);
    expect([...one.keys()]).toEqual([1, 2, 3, 4]);
  });
});
