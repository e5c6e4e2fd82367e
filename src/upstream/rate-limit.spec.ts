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
