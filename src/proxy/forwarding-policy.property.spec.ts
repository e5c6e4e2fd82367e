/**
 * Generated inputs against the forwarding policy's invariants: no query parameter whose name reads
 * as `access_token` or `appsecret_proof` reaches an IdP, whatever its spelling; other parameters
 * pass byte for byte; no forwarded header value holding the token survives.
 */
import fc from 'fast-check';
import { dropHeadersHoldingSecrets, filterQuery } from './forwarding-policy';

export const QUERY_RUNS = 2000;
export const HEADER_RUNS = 1000;

/** An oracle of its own: `%XX` as one byte each, lower-cased, everything outside a-z0-9 dropped. */
function readsAs(rawName: string): string {
  return rawName
    .replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

const hex = (code: number, upper: boolean): string => {
  const text = code.toString(16).padStart(2, '0');
  return `%${upper ? text.toUpperCase() : text}`;
};

/** One letter of a token name: either case, raw or percent-encoded. */
const letter = (c: string): fc.Arbitrary<string> =>
  fc
    .record({ upper: fc.boolean(), encoded: fc.boolean(), upperHex: fc.boolean() })
    .map(({ upper, encoded, upperHex }) => {
      const cased = upper ? c.toUpperCase() : c;
      return encoded ? hex(cased.charCodeAt(0), upperHex) : cased;
    });

/** Characters outside a-z0-9 that may stand raw in a query name, and encoded bytes of any kind. */
const noise: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '_',
    '.',
    '-',
    '[',
    ']',
    '+',
    '~',
    '!',
    '*',
    '(',
    ')',
    "'",
    ':',
    '@',
    '$',
    ',',
    ';',
    '%',
    '/',
    '?',
  ),
  fc
    .integer({ min: 0, max: 255 })
    .filter((b) => !/[a-z0-9]/i.test(String.fromCharCode(b)))
    .map((b) => hex(b, true)),
  fc.constantFrom('%C3%A9', '%E2%80%8B', '%EF%BB%BF', '%F0%9F%94%91'),
);

/** A spelling of `name` that still reads as it once decoded, lower-cased and stripped. */
const disguise = (name: string): fc.Arbitrary<string> =>
  fc
    .tuple(
      ...[...name].map((c) => (/[a-z]/.test(c) ? letter(c) : fc.constant(''))),
      fc.array(fc.tuple(fc.nat(name.length), fc.array(noise, { maxLength: 3 })), { maxLength: 4 }),
    )
    .map((parts) => {
      // (values are reused while shrinking: never mutate them)
      const letters = parts.slice(0, -1) as string[];
      const spots = parts[parts.length - 1] as Array<[number, string[]]>;
      for (const [at, junk] of spots) letters[at] = `${junk.join('')}${letters[at] ?? ''}`;
      return letters.join('');
    });

const tokenName = fc.constantFrom('access_token', 'appsecret_proof').chain(disguise);

/** A parameter that is not a token name: letters, digits and a few symbols, never reading as one. */
const benignName = fc
  .stringMatching(/^[A-Za-z0-9_.-]{1,16}$/)
  .filter((name) => !['accesstoken', 'appsecretproof'].includes(readsAs(name)));

const value = fc.stringMatching(/^[A-Za-z0-9%._~-]{0,12}$/);

describe('filterQuery (generated)', () => {
  it('should let no name that reads as access_token or appsecret_proof through, and keep every other one', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ token: fc.constant(true), name: tokenName, value, eq: fc.boolean() }),
            fc.record({ token: fc.constant(false), name: benignName, value, eq: fc.boolean() }),
          ),
          { maxLength: 8 },
        ),
        fc.constantFrom<readonly string[]>([], ['appsecret_proof']),
        (params, stripped) => {
          const segments = params.map((p) => (p.eq ? `${p.name}=${p.value}` : p.name));
          const out = filterQuery(segments.join('&'), stripped);
          const kept = out === '' ? [] : out.split('&');
          for (const segment of kept) {
            const name = segment.split('=')[0];
            expect(['accesstoken', 'appsecretproof']).not.toContain(readsAs(name));
          }
          // (a raw `%` of the noise may join the next two characters into an escape, so the
          // generated name no longer reads as a token name: the oracle decides, not the generator)
          expect(kept).toEqual(
            segments.filter((_, i) => !['accesstoken', 'appsecretproof'].includes(readsAs(params[i].name))),
          );
        },
      ),
      { numRuns: QUERY_RUNS },
    );
  });
});

describe('dropHeadersHoldingSecrets (generated)', () => {
  const token = fc.stringMatching(/^[A-Za-z0-9._/+-]{8,40}$/);
  const around = fc.stringMatching(/^[ -~]{0,12}$/);
  const encoded = (secret: string, upper: boolean[]): string =>
    [...Buffer.from(secret)].map((b, i) => hex(b, upper[i % upper.length] ?? true)).join('');

  it('should drop every header holding the token, raw, percent-encoded or byte-encoded', () => {
    fc.assert(
      fc.property(
        token,
        around,
        around,
        fc.constantFrom('raw', 'uri', 'bytes', 'json'),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('etag', 'last-modified', 'x-ratelimit-remaining', 'link', 'cache-control'),
        (secret, before, after, form, upper, name) => {
          const placed =
            form === 'raw'
              ? secret
              : form === 'uri'
                ? encodeURIComponent(secret)
                : form === 'json'
                  ? JSON.stringify(secret).slice(1, -1).replace(/\//g, '\\/')
                  : encoded(secret, upper);
          const headers: Record<string, string | string[]> = {
            [name]: `${before}${placed}${after}`,
            'x-ratelimit-limit': '60',
          };
          dropHeadersHoldingSecrets(headers, [secret]);
          expect(headers).toEqual({ 'x-ratelimit-limit': '60' });
        },
      ),
      { numRuns: HEADER_RUNS },
    );
  });
});
