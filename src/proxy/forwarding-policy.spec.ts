import {
  FORWARDED_REQUEST_HEADERS,
  FORWARDED_RESPONSE_HEADERS,
  filterQuery,
  pickRequestHeaders,
  pickResponseHeaders,
  rewriteLinkHeader,
} from './forwarding-policy';

describe('FORWARDED_REQUEST_HEADERS', () => {
  it('should list exactly the documented allowlist', () => {
    expect([...FORWARDED_REQUEST_HEADERS]).toEqual([
      'accept',
      'accept-language',
      'content-type',
      'if-match',
      'if-none-match',
      'if-modified-since',
      'if-unmodified-since',
    ]);
  });
});

describe('FORWARDED_RESPONSE_HEADERS', () => {
  it('should list exactly the documented allowlist', () => {
    expect([...FORWARDED_RESPONSE_HEADERS]).toEqual([
      'content-type',
      'etag',
      'last-modified',
      'cache-control',
      'link',
      'retry-after',
    ]);
  });
});

describe('pickRequestHeaders', () => {
  it('should keep only allowlisted headers and adapter extras, with lower-case names', () => {
    const picked = pickRequestHeaders(
      {
        Accept: 'application/json',
        'accept-language': 'fr',
        'Content-Type': 'application/json',
        'if-match': '"a"',
        'if-none-match': '"b"',
        'if-modified-since': 'Wed, 21 Oct 2015 07:28:00 GMT',
        'if-unmodified-since': 'Thu, 22 Oct 2015 07:28:00 GMT',
        'X-GitHub-Api-Version': '2022-11-28',
        authorization: 'Bearer auth0-token',
        cookie: 'sid=1',
        host: 'proxy.example',
        'content-length': '12',
        'transfer-encoding': 'chunked',
        connection: 'keep-alive',
        'accept-encoding': 'gzip',
        'user-agent': 'curl/8',
        'x-request-id': 'abc',
        'x-forwarded-for': '10.0.0.1',
        'x-other': 'y',
      },
      ['x-github-api-version'],
    );
    expect(picked).toEqual({
      accept: 'application/json',
      'accept-language': 'fr',
      'content-type': 'application/json',
      'if-match': '"a"',
      'if-none-match': '"b"',
      'if-modified-since': 'Wed, 21 Oct 2015 07:28:00 GMT',
      'if-unmodified-since': 'Thu, 22 Oct 2015 07:28:00 GMT',
      'x-github-api-version': '2022-11-28',
    });
  });

  it('should not forward an adapter extra unless it is listed', () => {
    expect(pickRequestHeaders({ 'x-github-api-version': '2022-11-28', accept: '*/*' }, [])).toEqual({
      accept: '*/*',
    });
  });

  it('should never forward credentials or framing headers even when an adapter lists them', () => {
    expect(
      pickRequestHeaders({ authorization: 'Bearer x', Cookie: 'a=b', host: 'h', 'content-length': '1' }, [
        'Authorization',
        'cookie',
        'host',
        'content-length',
      ]),
    ).toEqual({});
  });

  it('should join repeated values with a comma and skip undefined and empty arrays', () => {
    expect(
      pickRequestHeaders(
        { accept: ['application/json', 'text/plain'], 'if-none-match': undefined, 'if-match': [] },
        [],
      ),
    ).toEqual({ accept: 'application/json, text/plain' });
  });

  it('should merge two spellings of one header name', () => {
    expect(pickRequestHeaders({ Accept: 'a/b', accept: 'c/d' }, [])).toEqual({ accept: 'a/b, c/d' });
  });

  it('should drop a value carrying CR, LF or NUL', () => {
    expect(pickRequestHeaders({ accept: 'a\r\nx-evil: 1', 'content-type': 'text/plain' }, [])).toEqual({
      'content-type': 'text/plain',
    });
  });
});

describe('pickResponseHeaders', () => {
  const upstream = {
    'Content-Type': 'application/json; charset=utf-8',
    etag: 'W/"1"',
    'last-modified': 'Wed, 21 Oct 2015 07:28:00 GMT',
    'cache-control': 'private, max-age=60',
    link: '<https://api.github.com/user/repos?page=2>; rel="next"',
    'retry-after': '30',
    'X-RateLimit-Limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': '1700000000',
    'content-length': '42',
    'set-cookie': ['a=b', 'c=d'],
    'content-encoding': 'gzip',
    'transfer-encoding': 'chunked',
    connection: 'close',
    'www-authenticate': 'Bearer',
    server: 'GitHub.com',
    'x-github-request-id': 'ABC',
    'access-control-allow-origin': '*',
    vary: 'Accept',
    'x-oauth-scopes': 'repo',
    missing: undefined,
  };
  const always = {
    'content-type': 'application/json; charset=utf-8',
    etag: 'W/"1"',
    'last-modified': 'Wed, 21 Oct 2015 07:28:00 GMT',
    'cache-control': 'private, max-age=60',
    link: '<https://api.github.com/user/repos?page=2>; rel="next"',
    'retry-after': '30',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': '1700000000',
  };

  it('should keep the allowlist, x-ratelimit-* and content-length when the body is unchanged', () => {
    expect(pickResponseHeaders(upstream, { bodyUnchanged: true })).toEqual({
      ...always,
      'content-length': '42',
    });
  });

  it('should drop content-length when the body changes', () => {
    expect(pickResponseHeaders(upstream, { bodyUnchanged: false })).toEqual(always);
  });

  it('should keep arrays as arrays', () => {
    expect(
      pickResponseHeaders(
        { link: ['<a>; rel="x"', '<b>; rel="y"'], 'set-cookie': ['a=b'] },
        { bodyUnchanged: true },
      ),
    ).toEqual({ link: ['<a>; rel="x"', '<b>; rel="y"'] });
  });
});

describe('filterQuery', () => {
  it('should keep a query without tokens byte for byte', () => {
    expect(filterQuery('q=a%20b+c&sort=stars&x=%zz&y', [])).toBe('q=a%20b+c&sort=stars&x=%zz&y');
  });

  it('should drop access_token in every spelling', () => {
    expect(
      filterQuery(
        'a=1&access_token=x&ACCESS_TOKEN=y&access%5Ftoken=z&access%5ftoken=w&Access_Token&b=2&access_token=&access_token',
        [],
      ),
    ).toBe('a=1&b=2');
  });

  it('should drop names a PHP-style parser reads as access_token', () => {
    expect(
      filterQuery(
        'access.token=1&access+token=2&access%20token=3&access_token[]=4&%20access_token=5&k=v',
        [],
      ),
    ).toBe('k=v');
  });

  it('should drop a name that folds to access_token only through case mapping', () => {
    expect(filterQuery('acce%C5%BF%C5%BF_token=1&k=v', [])).toBe('k=v');
  });

  it('should drop the extra stripped names, case-insensitively', () => {
    expect(
      filterQuery('fields=id,name&appsecret_proof=abc&APPSECRET%5FPROOF=d&limit=5', ['appsecret_proof']),
    ).toBe('fields=id,name&limit=5');
  });

  it('should keep parameters whose values contain access_token', () => {
    expect(filterQuery('q=access_token%3Dx&access_tokens=1&xaccess_token=2', [])).toBe(
      'q=access_token%3Dx&access_tokens=1&xaccess_token=2',
    );
  });

  it('should drop empty segments', () => {
    expect(filterQuery('&a=1&&b=2&', [])).toBe('a=1&b=2');
    expect(filterQuery('', [])).toBe('');
    expect(filterQuery('&&', [])).toBe('');
  });

  it('should compare a malformed name by its raw and lenient readings', () => {
    expect(filterQuery('access_token%zz=1&access%5Ftoken%=2&%E0%A4%A=3&k=v', [])).toBe(
      'access_token%zz=1&access%5Ftoken%=2&%E0%A4%A=3&k=v',
    );
  });

  it('should keep a parameter with an empty name', () => {
    expect(filterQuery('=1&a=2', [])).toBe('=1&a=2');
  });
});

describe('rewriteLinkHeader', () => {
  const github = 'https://api.github.com';
  const prefix = '/v1/idp/github/api/';

  it('should rewrite a GitHub pagination link', () => {
    expect(rewriteLinkHeader('<https://api.github.com/user/repos?page=2>; rel="next"', github, prefix)).toBe(
      '</v1/idp/github/api/user/repos?page=2>; rel="next"',
    );
  });

  it('should rewrite to the service-caller route form', () => {
    expect(
      rewriteLinkHeader(
        '<https://api.github.com/user/repos?page=2>; rel="next"',
        github,
        '/v1/users/github%7C2002/idp/github/api/',
      ),
    ).toBe('</v1/users/github%7C2002/idp/github/api/user/repos?page=2>; rel="next"');
  });

  it('should rewrite every link of a full GitHub header', () => {
    const link =
      '<https://api.github.com/repositories/1/issues?page=2&per_page=30>; rel="next", ' +
      '<https://api.github.com/repositories/1/issues?page=5&per_page=30>; rel="last", ' +
      '<https://api.github.com/repositories/1/issues?page=1&per_page=30>; rel="first"';
    expect(rewriteLinkHeader(link, github, prefix)).toBe(
      '</v1/idp/github/api/repositories/1/issues?page=2&per_page=30>; rel="next", ' +
        '</v1/idp/github/api/repositories/1/issues?page=5&per_page=30>; rel="last", ' +
        '</v1/idp/github/api/repositories/1/issues?page=1&per_page=30>; rel="first"',
    );
  });

  it('should honour an API base with a path, on a segment boundary', () => {
    const base = 'http://127.0.0.1:9/github';
    const link =
      '<http://127.0.0.1:9/github/user/repos?page=2>; rel="next", ' +
      '<http://127.0.0.1:9/githubx/user>; rel="a", ' +
      '<http://127.0.0.1:9/github>; rel="b", ' +
      '<http://127.0.0.1:9/github/>; rel="c", ' +
      '<http://127.0.0.1:9/other/github/x>; rel="d", ' +
      '<http://127.0.0.1:9/github/../admin/x>; rel="e"';
    expect(rewriteLinkHeader(link, base, prefix)).toBe('</v1/idp/github/api/user/repos?page=2>; rel="next"');
  });

  it('should drop links to other origins, relative, unparsable or with user info', () => {
    const link =
      '<https://evil.example/user/repos>; rel="a", ' +
      '<http://api.github.com/user/repos>; rel="b", ' +
      '<https://api.github.com:8443/user/repos>; rel="c", ' +
      '</user/repos?page=2>; rel="d", ' +
      '<user/repos>; rel="e", ' +
      '<https://u:p@api.github.com/user/repos>; rel="f", ' +
      '<http://[::1>; rel="g", ' +
      'not-a-link, ' +
      '<mailto:a@api.github.com>; rel="h"';
    expect(rewriteLinkHeader(link, github, prefix)).toBeUndefined();
  });

  it('should treat the default port and host case as the same origin', () => {
    expect(rewriteLinkHeader('<https://API.GitHub.com:443/user?x=1>; rel="next"', github, prefix)).toBe(
      '</v1/idp/github/api/user?x=1>; rel="next"',
    );
  });

  it('should drop a link whose path fails the path policy', () => {
    const link =
      '<https://api.github.com/a%2Fb>; rel="a", ' +
      '<https://api.github.com/a//b>; rel="b", ' +
      '<https://api.github.com/user@x/y>; rel="c", ' +
      '<https://api.github.com/ok>; rel="next"';
    expect(rewriteLinkHeader(link, github, prefix)).toBe('</v1/idp/github/api/ok>; rel="next"');
  });

  it('should remove access_token and the stripped names from the query and drop the fragment', () => {
    const link =
      '<https://graph.facebook.com/v19.0/me/friends?access_token=EAAB&limit=25&appsecret_proof=p&after=QVF#frag>; rel="next"';
    expect(
      rewriteLinkHeader(link, 'https://graph.facebook.com', '/v1/idp/facebook/api/', ['appsecret_proof']),
    ).toBe('</v1/idp/facebook/api/v19.0/me/friends?limit=25&after=QVF>; rel="next"');
  });

  it('should omit the question mark when the query becomes empty', () => {
    expect(
      rewriteLinkHeader('<https://api.github.com/user?access_token=x>; rel="next"', github, prefix),
    ).toBe('</v1/idp/github/api/user>; rel="next"');
  });

  it('should keep commas inside quoted parameters and inside the URL', () => {
    const link =
      '<https://api.github.com/search/code?q=a,b>; rel="next"; title="x, y", ' +
      '<https://evil.example/x>; rel="prev"; title="\\"quoted, still\\"", ' +
      '<https://api.github.com/search/code?q=c>; rel="last"';
    expect(rewriteLinkHeader(link, github, prefix)).toBe(
      '</v1/idp/github/api/search/code?q=a,b>; rel="next"; title="x, y", ' +
        '</v1/idp/github/api/search/code?q=c>; rel="last"',
    );
  });

  it('should return undefined for an empty header or an unusable base', () => {
    expect(rewriteLinkHeader('', github, prefix)).toBeUndefined();
    expect(
      rewriteLinkHeader('<https://api.github.com/user>; rel="next"', 'not a url', prefix),
    ).toBeUndefined();
  });
});
