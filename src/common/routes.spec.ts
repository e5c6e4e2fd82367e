import {
  methodNotAllowed,
  parseRawTarget,
  PROXIED_OPENAPI_PATHS,
  PROXIED_URL_SOURCE,
  v1RoutePath,
} from './routes';

describe('route shapes', () => {
  it('should give each shape its Nest path for the caller and for a named user', () => {
    expect(v1RoutePath('api', 'user')).toBe('idp/:provider/api/*');
    expect(v1RoutePath('hosts', 'service')).toBe('users/:userId/idp/:provider/hosts/:host/*');
    expect(v1RoutePath('identities', 'service')).toBe('users/:userId/identities');
  });

  it('should read the raw path and query of a proxied call, still percent-encoded', () => {
    expect(
      parseRawTarget(
        '/v1/users/:userId/idp/:provider/hosts/:host/*',
        '/v1/users/github%7C1/idp/github/hosts/api.github.com/a%2Fb//c?x=%2F&y=1?z',
      ),
    ).toEqual({ path: 'a%2Fb//c', query: 'x=%2F&y=1?z' });
    expect(parseRawTarget('/v1/idp/:provider/api/*', '/v1/idp/github/api/user')).toEqual({
      path: 'user',
      query: '',
    });
    expect(parseRawTarget('/v1/idp/:provider/api/*', '/v1/idp/github/api/?a\nb')).toEqual({
      path: '',
      query: 'a\nb',
    });
  });

  it('should read no target on a route that is not a proxied one', () => {
    expect(parseRawTarget('/v1/idp/:provider/profile', '/v1/idp/github/profile?x=1')).toEqual({
      path: '',
      query: '',
    });
    expect(parseRawTarget(undefined, '/v1/idp/github/api/user')).toEqual({ path: '', query: '' });
  });

  it('should tell a route with another method (405) from no route (404)', () => {
    expect(methodNotAllowed('POST', '/v1/idp/github/profile?x')).toBe(true);
    expect(methodNotAllowed('OPTIONS', '/v1/users/a/idp/github/api/user')).toBe(true);
    expect(methodNotAllowed('HEAD', '/v1/users/a/identities')).toBe(true);
    expect(methodNotAllowed('post', '/metrics')).toBe(true);
    expect(methodNotAllowed('DELETE', '/health/ready')).toBe(true);
    expect(methodNotAllowed('GET', '/v1/idp/github/api/user')).toBe(false);
    expect(methodNotAllowed('POST', '/v1/idp/github/api/')).toBe(false);
    expect(methodNotAllowed('GET', '/v1/nothing')).toBe(false);
  });

  it('should list the OpenAPI paths of the proxied routes', () => {
    expect([...PROXIED_OPENAPI_PATHS].sort()).toEqual([
      '/v1/idp/{provider}/api/{path}',
      '/v1/idp/{provider}/hosts/{host}/{path}',
      '/v1/users/{userId}/idp/{provider}/api/{path}',
      '/v1/users/{userId}/idp/{provider}/hosts/{host}/{path}',
    ]);
  });

  it('should split a proxied absolute URL for the browser at the provider API path', () => {
    const pattern = new RegExp(PROXIED_URL_SOURCE);
    expect(
      pattern.exec('http://h/v1/users/u/idp/google/hosts/people.googleapis.com/v1%2Fme?q')?.slice(1),
    ).toEqual(['http://h/v1/users/u/idp/google/hosts/people.googleapis.com/', 'v1%2Fme', '?q']);
    expect(pattern.exec('http://h/v1/idp/github/api/a%2Fb')?.slice(1, 3)).toEqual([
      'http://h/v1/idp/github/api/',
      'a%2Fb',
    ]);
    expect(pattern.test('http://h/v1/identities')).toBe(false);
  });
});
