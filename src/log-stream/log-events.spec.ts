import { MalformedDelivery, parseDelivery, userInPath, usersToDrop } from './log-events';

const wrap = (data: Record<string, unknown>): Record<string, unknown> => ({ log_id: '1', data });
const body = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('log stream deliveries', () => {
  describe(parseDelivery.name, () => {
    const a = wrap({ type: 's', user_id: 'github|1' });
    const b = wrap({ type: 'ss', user_id: 'auth0|2' });

    it('should read the three content formats alike', () => {
      expect(parseDelivery(body(JSON.stringify([a, b])))).toEqual([a, b]);
      expect(parseDelivery(body(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`))).toEqual([a, b]);
      expect(parseDelivery(body(`${JSON.stringify(a)}\r\n\r\n${JSON.stringify(b)}`))).toEqual([a, b]);
      expect(parseDelivery(body(JSON.stringify(a)))).toEqual([a]);
      expect(parseDelivery(body('[]'))).toEqual([]);
    });

    it.each(['', '   ', 'null', '42', '"s"', '[1]', '[[]]', '{"a":1}\nnope', 'not json'])(
      'should refuse %j',
      (text) => {
        expect(() => parseDelivery(body(text))).toThrow(MalformedDelivery);
      },
    );
  });

  describe(usersToDrop.name, () => {
    it('should name the users of logins, signups, deletions and Management API writes to a user, once each', () => {
      const entries = [
        wrap({ type: 's', user_id: 'google-oauth2|1' }),
        wrap({ type: 'ss', user_id: 'auth0|2' }),
        wrap({ type: 'sdu', user_id: 'auth0|3' }),
        wrap({ type: 'sapi', details: { request: { method: 'patch', path: '/api/v2/users/github%7C4' } } }),
        { type: 's', user_id: 'google-oauth2|1' },
      ];
      expect(usersToDrop(entries)).toEqual(['google-oauth2|1', 'auth0|2', 'auth0|3', 'github|4']);
    });

    it('should ignore other events and events without a usable user', () => {
      const entries = [
        wrap({ type: 'f', user_id: 'auth0|1' }),
        wrap({ type: 'ssa', user_id: 'auth0|1' }),
        wrap({ type: 's', user_id: '' }),
        wrap({ type: 's', user_id: 42 }),
        wrap({ type: 's', user_id: 'x'.repeat(600) }),
        wrap({ type: 'sapi', details: { request: { path: '/api/v2/clients/abc' } } }),
        wrap({ type: 'sapi', details: {} }),
        wrap({ type: 'sapi' }),
        wrap({ user_id: 'auth0|1' }),
      ];
      expect(usersToDrop(entries)).toEqual([]);
    });
  });

  describe(userInPath.name, () => {
    it.each([
      ['/api/v2/users/auth0%7C123', 'auth0|123'],
      ['/api/v2/users/auth0|123', 'auth0|123'],
      ['/api/v2/users/github%7C4/identities/github/4', 'github|4'],
      ['/api/v2/users/auth0%7C1?fields=a', 'auth0|1'],
      ['/api/v2/users', undefined],
      ['/api/v2/users/', undefined],
      ['/api/v2/users/%E0%A4%A', undefined],
      ['/api/v2/clients/x', undefined],
    ])('should read %s as %s', (path, user) => {
      expect(userInPath(path)).toBe(user);
    });
  });
});
