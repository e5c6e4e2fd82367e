import { Histogram, Registry } from 'prom-client';
import { BucketHistogram } from './bucket-histogram';

const BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LABELS = ['route', 'method', 'status'] as const;

/** The same observations into ours and into prom-client's Histogram: the same /metrics text. */
async function bothWrite(observations: [number, string, string, string][]): Promise<[string, string]> {
  const ours = new Registry();
  const theirs = new Registry();
  const histogram = new BucketHistogram('t_seconds', 'Help text.', LABELS, BOUNDS, ours);
  const reference = new Histogram({
    name: 't_seconds',
    help: 'Help text.',
    labelNames: LABELS,
    buckets: BOUNDS,
    registers: [theirs],
  });
  for (const [value, route, method, status] of observations) {
    histogram.observe(value, route, method, status);
    reference.observe({ route, method, status }, value);
  }
  return [await ours.metrics(), await theirs.metrics()];
}

describe('BucketHistogram', () => {
  it('writes the same lines as prom-client for values on, between and beyond the bounds', async () => {
    const values = [0, 0.001, 0.0011, 0.0025, 0.003, 0.7, 1, 9.99, 10, 10.01, 1234];
    const observations = values.flatMap((v, i): [number, string, string, string][] => [
      [v, '/v1/idp/:provider/api/*', 'GET', '200'],
      [v * 2, i % 2 === 0 ? '/health/live' : '/v1/idp/:provider/api/*', 'GET', i % 3 === 0 ? '404' : '200'],
    ]);
    const [ours, theirs] = await bothWrite(observations);
    expect(ours).toBe(theirs);
    expect(ours).toContain('t_seconds_count{route="/v1/idp/:provider/api/*",method="GET",status="200"}');
  });

  it('matches prom-client on random observations (property)', async () => {
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 20; run++) {
      const observations = Array.from({ length: 50 }, (): [number, string, string, string] => [
        random() < 0.1 ? BOUNDS[Math.floor(random() * BOUNDS.length)] : random() * 12,
        `/r${Math.floor(random() * 3)}`,
        random() < 0.5 ? 'GET' : 'POST',
        String(200 + Math.floor(random() * 3) * 100),
      ]);
      const [ours, theirs] = await bothWrite(observations);
      expect(ours).toBe(theirs);
    }
  });

  it('writes nothing but its help and type before the first observation, and resets to zero', async () => {
    const registry = new Registry();
    const histogram = new BucketHistogram('t_seconds', 'Help text.', LABELS, BOUNDS, registry);
    expect(await registry.metrics()).toBe('# HELP t_seconds Help text.\n# TYPE t_seconds histogram\n');
    histogram.observe(0.2, 'a', 'GET', '200');
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('t_seconds_count{route="a",method="GET",status="200"} 0');
  });
});
