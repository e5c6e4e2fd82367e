import { SingleFlight } from './single-flight';

describe(SingleFlight.name, () => {
  it('should run the work once for concurrent callers of one key', async () => {
    const flight = new SingleFlight<number>();
    let calls = 0;
    const work = async (): Promise<number> => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return 42;
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => flight.run('k', work)));
    expect(results).toEqual(Array.from({ length: 20 }, () => 42));
    expect(calls).toBe(1);
  });

  it('should run again once the previous flight ended, also after a failure', async () => {
    const flight = new SingleFlight<number>();
    await expect(flight.run('k', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(flight.run('k', () => Promise.resolve(7))).resolves.toBe(7);
  });

  it('should keep keys apart', async () => {
    const flight = new SingleFlight<string>();
    const [a, b] = await Promise.all([
      flight.run('a', () => Promise.resolve('A')),
      flight.run('b', () => Promise.resolve('B')),
    ]);
    expect([a, b]).toEqual(['A', 'B']);
  });
});
