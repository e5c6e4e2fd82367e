import { checkProxyPath } from './path-policy';

const ENCODED_SEP = 'The API path must not contain an encoded slash or backslash (%2F, %5C).';
const BACKSLASH = 'The API path must not contain a backslash.';
const CONTROL = 'The API path must not contain control characters.';
const DOTS = "The API path must not contain '.' or '..' segments.";
const EMPTY_SEGMENT = "The API path must not contain an empty segment ('//', or a leading or trailing '/').";
const AT = "The API path must not contain '@' before the first '/'.";
const SCHEME = 'The API path must not start with a URL scheme.';
const MALFORMED = 'The API path has a malformed percent-encoding.';
const MUST_ENCODE = 'The API path contains a character that must be percent-encoded.';

describe('checkProxyPath', () => {
  it.each([
    'user/repos',
    'repos/o/r/issues/1',
    'calendar/v3/calendars/primary/events',
    'me/friends',
    'search/code',
    'users/a%20b',
    'repos/o/r/contents/file%40x.txt',
    'repos/o/r/contents/a@b',
    '~/x',
    'a/~b',
    'v1/documents/abc:batchUpdate',
    'a/..b/c.',
    'a/.../b',
    'a/%2e%2e%2e',
    'a/%252e%252e/b',
    'a/%C3%A9',
    "a/!$&'()*+,;=",
    'x',
  ])('should accept %s and return the raw path unchanged', (raw) => {
    expect(checkProxyPath(raw)).toEqual({ ok: true, path: raw });
  });

  it.each([
    ['', 'The API path is empty.'],
    ['../x', DOTS],
    ['a/../b', DOTS],
    ['a/..', DOTS],
    ['a/%2e%2e/b', DOTS],
    ['a/%2E%2e/b', DOTS],
    ['a/.%2e/b', DOTS],
    ['.', DOTS],
    ['..', DOTS],
    ['a/./b', DOTS],
    ['a/%2e', DOTS],
    ['a%2Fb', ENCODED_SEP],
    ['a%2fb', ENCODED_SEP],
    ['a%5Cb', ENCODED_SEP],
    ['a%5cb', ENCODED_SEP],
    ['a%252Fb', ENCODED_SEP],
    ['a%252fb', ENCODED_SEP],
    ['a%255Cb', ENCODED_SEP],
    ['a\\b', BACKSLASH],
    ['a%00b', CONTROL],
    ['a%0d%0ab', CONTROL],
    ['a%0Ab', CONTROL],
    ['a%1Fb', CONTROL],
    ['a%7Fb', CONTROL],
    ['a\u0000b', CONTROL],
    ['a\r\nb', CONTROL],
    ['//evil.example/x', EMPTY_SEGMENT],
    ['/user/repos', EMPTY_SEGMENT],
    ['a//b', EMPTY_SEGMENT],
    ['user/repos/', EMPTY_SEGMENT],
    ['/', EMPTY_SEGMENT],
    ['user@evil.example/x', AT],
    ['user%40evil.example/x', AT],
    ['user@evil.example', AT],
    ['http://evil.example/', SCHEME],
    ['HTTPS://evil.example/x', SCHEME],
    ['http%3A//evil.example/x', SCHEME],
    ['javascript:alert(1)', SCHEME],
    ['mailto:a', SCHEME],
    ['a%zzb', MALFORMED],
    ['a%', MALFORMED],
    ['a%2', MALFORMED],
    ['a%FFb', MALFORMED],
    ['a b', MUST_ENCODE],
    ['a#b', MUST_ENCODE],
    ['a?b', MUST_ENCODE],
    ['a/é', MUST_ENCODE],
    ['a/<b>', MUST_ENCODE],
    ['a/"b"', MUST_ENCODE],
    ['a/{b}', MUST_ENCODE],
  ])('should reject %j', (raw, reason) => {
    expect(checkProxyPath(raw)).toEqual({ ok: false, reason });
  });

  it('should never echo the input in the reason', () => {
    const huge = `${'a'.repeat(100_000)}/..`;
    const result = checkProxyPath(huge);
    expect(result).toEqual({ ok: false, reason: DOTS });
  });
});
