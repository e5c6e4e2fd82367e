/**
 * Generated paths against the path policy's invariant: a path it accepts never leads outside the
 * provider's API root, whether the IdP resolves it as a WHATWG URL (which reads `%2e` as a dot) or
 * decodes it once and then normalizes dot segments.
 */
import fc from 'fast-check';
import { posix } from 'node:path';
import { checkProxyPath } from './path-policy';

export const PATH_RUNS = 5000;

const ROOT = 'https://api.example.com/root';

/** Pieces of paths, plain (more often, so that enough generated paths pass) and hostile. */
const plain = fc.constantFrom('user', 'repos', 'a.b', '~x', 'v1', '%41', "!$&'()*+,;=:", 'a@b');
const hostile = fc.constantFrom(
  '.',
  '..',
  '%2e',
  '%2E',
  '.%2e',
  '%2e%2e',
  '%2E.',
  '...',
  '%2f',
  '%2F',
  '%5c',
  '%5C',
  '\\',
  '%252f',
  '%252e%252e',
  '%25',
  '%',
  '@',
  'u:p@h',
  'http:',
  'https:',
  'javascript:',
  '%00',
  '%0a',
  '%09',
  ';',
  '..;',
  '?',
  '#',
  '%3f',
  '%23',
  ' ',
  '%20',
  '%c0%ae',
  '%e2%80%a8',
);

const piece = fc.oneof({ arbitrary: plain, weight: 4 }, { arbitrary: hostile, weight: 1 });

const path = fc
  .array(
    fc.array(piece, { minLength: 0, maxLength: 3 }).map((parts) => parts.join('')),
    {
      minLength: 1,
      maxLength: 6,
    },
  )
  .map((segments) => segments.join('/'));

describe('checkProxyPath (generated)', () => {
  it('should accept only paths that stay under the API root', () => {
    let accepted = 0;
    fc.assert(
      fc.property(path, (raw) => {
        const checked = checkProxyPath(raw);
        if (!checked.ok) return;
        accepted++;
        expect(checked.path).toBe(raw);
        // as a URL client or server resolves it
        const url = new URL(`${ROOT}/${raw}`);
        expect(url.origin).toBe('https://api.example.com');
        expect(url.pathname.startsWith('/root/')).toBe(true);
        expect(url.username + url.password).toBe('');
        // as a server that decodes once, then normalizes
        const decoded = decodeURIComponent(raw);
        expect(posix.normalize(`/root/${decoded}`).startsWith('/root/')).toBe(true);
        expect(decoded.split('/')).toHaveLength(raw.split('/').length);
        expect(decoded.split('/').some((s) => s === '.' || s === '..' || s === '')).toBe(false);
        // (an encoded `#` or `?` is data; a backslash or control character never is)
        expect([...decoded].some((c) => c === '\\' || c.charCodeAt(0) < 0x20 || c === '\u007f')).toBe(false);
      }),
      { numRuns: PATH_RUNS },
    );
    // not a vacuous property: a fair share of the generated paths pass and are checked
    expect(accepted).toBeGreaterThan(PATH_RUNS / 10);
  });

  it('should refuse every path with a dot segment, decoded once or as a URL reads it', () => {
    fc.assert(
      fc.property(path, fc.constantFrom('..', '.', '%2e%2e', '%2E', '.%2e'), fc.nat(5), (raw, dots, at) => {
        const segments = raw.split('/');
        segments.splice(at % (segments.length + 1), 0, dots);
        expect(checkProxyPath(segments.join('/')).ok).toBe(false);
      }),
      { numRuns: PATH_RUNS },
    );
  });
});
