import { rateLimitWaitMs } from './rate-limit';

describe(rateLimitWaitMs.name, () => {
  const now = Date.parse('2026-11-23T10:00:00Z');

  it('should read retry-after as delta seconds', () => {
    expect(rateLimitWaitMs({ 'retry-after': '3' }, now)).toBe(3000);
  });

  it('should read retry-after as an HTTP date', () => {
    expect(rateLimitWaitMs({ 'retry-after': 'Mon, 23 Nov 2026 10:00:05 GMT' }, now)).toBe(5000);
  });

  it('should fall back to x-ratelimit-reset as epoch seconds', () => {
    expect(rateLimitWaitMs({ 'x-ratelimit-reset': String(now / 1000 + 7) }, now)).toBe(7000);
  });

  it('should never answer a negative wait', () => {
    expect(rateLimitWaitMs({ 'x-ratelimit-reset': String(now / 1000 - 7) }, now)).toBe(0);
  });

  it('should answer undefined when nothing says how long', () => {
    expect(rateLimitWaitMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(rateLimitWaitMs({}, now)).toBeUndefined();
  });
});

describe(`${rateLimitWaitMs.name} edge cases`, () => {
  const now = Date.parse('2026-11-23T10:00:00Z');

  it('should prefer retry-after over x-ratelimit-reset', () => {
    expect(rateLimitWaitMs({ 'retry-after': '2', 'x-ratelimit-reset': String(now / 1000 + 9) }, now)).toBe(
      2000,
    );
  });

  it('should fall back to x-ratelimit-reset when retry-after is not a delta or a date', () => {
    expect(rateLimitWaitMs({ 'retry-after': '1.5', 'x-ratelimit-reset': String(now / 1000 + 4) }, now)).toBe(
      4000,
    );
    expect(rateLimitWaitMs({ 'retry-after': '3 ', 'x-ratelimit-reset': String(now / 1000 + 4) }, now)).toBe(
      3000,
    );
  });

  it('should answer 0 for an HTTP date already past', () => {
    expect(rateLimitWaitMs({ 'retry-after': 'Mon, 23 Nov 2026 09:59:00 GMT' }, now)).toBe(0);
  });

  it('should read the first value of a repeated header', () => {
    expect(rateLimitWaitMs({ 'retry-after': ['5', '9'] }, now)).toBe(5000);
  });
});
