import fc from 'fast-check';
import { MAX_AUTHORIZATION_LENGTH, readBearer } from './bearer';

/** The accepted form, anchored and with disjoint classes (so itself linear): the reference. */
const REFERENCE = /^[ \t]*bearer[ \t]+([^ \t]+)[ \t]*$/i;

const blank = fc.constantFrom(' ', '\t');
const blanks = (minLength: number) => fc.string({ unit: blank, minLength, maxLength: 4 });
/** token characters: anything but a space or tab, biased toward what a JWT holds */
const tokenChar = fc.oneof(
  fc.constantFrom('a', 'Z', '0', '.', '-', '_', '=', '+', '/'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== ' ' && c !== '\t'),
);
const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 64 });
const scheme = fc.mixedCase(fc.constant('bearer'));
const wellFormed = fc
  .tuple(blanks(0), scheme, blanks(1), token, blanks(0))
  .map(([a, s, b, t, c]) => ({ value: `${a}${s}${b}${t}${c}`, token: t }));
/** values near the accepted form: pieces of it mixed with arbitrary characters */
const nearForm = fc
  .array(
    fc.oneof(scheme, blanks(1), token, fc.string({ unit: 'binary', maxLength: 8 }), fc.constant('Basic')),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(''));

describe(readBearer.name, () => {
  it('should accept exactly the Bearer forms of the reference pattern', () => {
    // runs: 5000
    fc.assert(
      fc.property(
        fc.oneof(
          nearForm,
          wellFormed.map((w) => w.value),
          fc.string({ unit: 'binary' }),
        ),
        (value) => {
          const read = readBearer(value);
          const expected = REFERENCE.exec(value)?.[1];
          if (expected === undefined) expect(read.kind).not.toBe('token');
          else expect(read).toEqual({ kind: 'token', token: expected });
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('should give back the token of every well-formed value, whatever the case and blanks', () => {
    // runs: 2000
    fc.assert(
      fc.property(wellFormed, ({ value, token: expected }) => {
        expect(readBearer(value)).toEqual({ kind: 'token', token: expected });
      }),
      { numRuns: 2000 },
    );
  });

  it('should never accept a value over the length limit, however well-formed', () => {
    // runs: 300
    fc.assert(
      fc.property(
        wellFormed,
        fc.integer({ min: MAX_AUTHORIZATION_LENGTH + 1, max: 3 * MAX_AUTHORIZATION_LENGTH }),
        fc.constantFrom('token', 'trailing-blanks'),
        ({ value }, length, padding) => {
          const long =
            padding === 'token'
              ? value.trimEnd() + 'x'.repeat(Math.max(0, length - value.trimEnd().length))
              : value.padEnd(length, ' ');
          expect(long.length).toBeGreaterThan(MAX_AUTHORIZATION_LENGTH);
          expect(readBearer(long)).toEqual({ kind: 'malformed' });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('should refuse a Bearer value holding more than one token, and ignore other schemes', () => {
    expect(readBearer('Bearer a b')).toEqual({ kind: 'malformed' });
    expect(readBearer('Basic dXNlcjpwYXNz')).toEqual({ kind: 'missing' });
    expect(readBearer('Bearerx abc')).toEqual({ kind: 'missing' });
    expect(readBearer('Bearer ')).toEqual({ kind: 'missing' });
    expect(readBearer(undefined)).toEqual({ kind: 'missing' });
    expect(readBearer(['Bearer a', 'Bearer b'])).toEqual({ kind: 'missing' });
  });

  it('should read the longest adversarial values in linear time', () => {
    // runs: 200, each value read 10 times. A single pass over 8,192 characters costs microseconds;
    // passport-jwt's quadratic pattern cost about 80 ms per such value here, so the bound below
    // (about 1 ms per read) is two orders of magnitude from either.
    const adversarial = fc
      .tuple(
        fc.constantFrom('', 'Bearer ', 'bearer\t', ' '),
        fc.constantFrom('a', 'Bearer', '=', ' a', 'Bearer a '),
        fc.integer({ min: MAX_AUTHORIZATION_LENGTH / 2, max: MAX_AUTHORIZATION_LENGTH }),
      )
      .map(([prefix, unit, length]) => (prefix + unit.repeat(length)).slice(0, length));
    let elapsedNs = 0n;
    let reads = 0;
    fc.assert(
      fc.property(adversarial, (value) => {
        const started = process.hrtime.bigint();
        for (let i = 0; i < 10; i++) readBearer(value);
        elapsedNs += process.hrtime.bigint() - started;
        reads += 10;
      }),
      { numRuns: 200 },
    );
    expect(reads).toBe(2000);
    expect(Number(elapsedNs) / 1e6).toBeLessThan(2000);
  });
});
