import { describeScopes, missingScopes, parseScope } from './scopes';
import type { ScopeRequirement } from './scopes';

describe('scopes', () => {
  const google: ScopeRequirement[] = [
    ['https://www.googleapis.com/auth/userinfo.profile', 'profile'],
    ['https://www.googleapis.com/auth/userinfo.email', 'email'],
  ];

  describe('missingScopes', () => {
    it('should accept any of the names of a requirement', () => {
      expect(
        missingScopes(google, ['openid', 'profile', 'https://www.googleapis.com/auth/userinfo.email']),
      ).toEqual([]);
    });

    it('should list each requirement no name of which is granted', () => {
      expect(missingScopes(google, ['openid', 'email'])).toEqual([google[0]]);
      expect(missingScopes([['read:user', 'user']], ['repo'])).toEqual([['read:user', 'user']]);
    });

    it('should not match a scope by prefix', () => {
      expect(missingScopes([['read:user', 'user']], ['user:email'])).toEqual([['read:user', 'user']]);
    });
  });

  describe('parseScope', () => {
    it('should split a space-separated value and tell an absent one apart', () => {
      expect(parseScope('openid  email ')).toEqual(['openid', 'email']);
      expect(parseScope('')).toEqual([]);
      expect(parseScope(undefined)).toBeUndefined();
      expect(parseScope(['repo'])).toBeUndefined();
    });
  });

  describe('describeScopes', () => {
    it('should name each requirement with its alternatives', () => {
      expect(describeScopes([['read:user', 'user'], ['email']])).toBe('`read:user` (or `user`), `email`');
    });
  });
});
