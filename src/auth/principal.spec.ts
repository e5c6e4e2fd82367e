import fc from 'fast-check';
import { principalFromClaims } from './principal';

const id = fc.oneof(
  fc.constantFrom('sandbox-service', 'app', 'samlp|partner|eve', 'auth0|4004'),
  fc.string({ minLength: 1, maxLength: 20 }),
);
const claims = fc.record(
  {
    sub: fc.oneof(
      id,
      id.map((s) => `${s}@clients`),
    ),
    azp: fc.oneof(id, fc.constant(undefined)),
    client_id: fc.oneof(id, fc.constant(undefined)),
    gty: fc.oneof(
      fc.constantFrom('client-credentials', 'password', 'authorization_code'),
      fc.constant(undefined),
    ),
    scope: fc.constantFrom('openid proxy:users', 'proxy:users', ''),
  },
  { requiredKeys: ['sub'] },
);

describe(principalFromClaims.name, () => {
  it('should make a service caller only of gty client-credentials with sub <azp>@clients', () => {
    // runs: 3000
    fc.assert(
      fc.property(claims, (c) => {
        const principal = principalFromClaims({ ...c, exp: 1 }, 'token');
        const expected =
          c.gty === 'client-credentials' && c.azp !== undefined && c.sub === `${c.azp}@clients`;
        expect(principal.isService).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('should keep a user whose chosen id ends in @clients a user, whatever its permissions', () => {
    const principal = principalFromClaims(
      {
        sub: 'samlp|partner|eve@clients',
        azp: 'spa',
        scope: 'proxy:users',
        permissions: ['proxy:users'],
        exp: 1,
      },
      'token',
    );
    expect(principal.isService).toBe(false);
    expect(principal.permissions.has('proxy:users')).toBe(true);
  });

  it('should make a service caller of a client-credentials token as Auth0 issues it', () => {
    const principal = principalFromClaims(
      { sub: 'svc@clients', azp: 'svc', gty: 'client-credentials', permissions: ['proxy:users'], exp: 1 },
      'token',
    );
    expect(principal.isService).toBe(true);
  });
});
