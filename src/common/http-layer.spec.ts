import fc from 'fast-check';
import type { FastifyRequest } from 'fastify';
import { isV1 } from './http-layer';

const request = (url: string, route?: string): FastifyRequest =>
  ({ url, routeOptions: { url: route } }) as unknown as FastifyRequest;

const segment = fc.string({ unit: fc.constantFrom('a', 'v', '1', '%', '2', 'F', '.', '-'), maxLength: 6 });
const path = fc
  .tuple(
    fc.constantFrom('/v1', '/v1/', '/v2/', '/health/', '/', '/v10/', '//v1/'),
    fc.array(segment, { maxLength: 4 }),
  )
  .map(([head, rest]) => head + rest.join('/'));
const query = fc.constantFrom('', '?a=1', '?next=/v1/x');
const authority = fc.constantFrom('127.0.0.1:3000', 'api.example.com', 'h', 'user@h:1');

describe(isV1.name, () => {
  it('should give the same answer for the absolute form of a target as for its origin form', () => {
    // runs: 2000
    fc.assert(
      fc.property(path, query, fc.constantFrom('http', 'https', 'HTTP'), authority, (p, q, scheme, host) => {
        expect(isV1(request(`${scheme}://${host}${p}${q}`))).toBe(isV1(request(`${p}${q}`)));
      }),
      { numRuns: 2000 },
    );
  });

  it('should hold exactly for /v1 and what is under it', () => {
    expect(isV1(request('/v1/identities'))).toBe(true);
    expect(isV1(request('/v1'))).toBe(true);
    expect(isV1(request('/v1?x=1'))).toBe(true);
    expect(isV1(request('/v10/identities'))).toBe(false);
    expect(isV1(request('/health/live?next=/v1/'))).toBe(false);
    expect(isV1(request('http://h/v1/identities'))).toBe(true);
    expect(isV1(request('http://h'))).toBe(false);
    expect(isV1(request('/anything', '/v1/identities'))).toBe(true);
  });
});
