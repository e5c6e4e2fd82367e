import fc from 'fast-check';
import pino from 'pino';
import type { DestinationStream, Logger as Pino } from 'pino';
import { FixedLine } from './fixed-line';
import type { LineValue } from './fixed-line';
import { createRootLogger } from './root-logger';

const KEYS = ['requestId', 'status', 'durationMs', 'audit', 'sub'] as const;
type Fields = Record<(typeof KEYS)[number], LineValue>;

function capture(): { lines: string[]; destination: DestinationStream } {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

/** The time field aside (two lines may be written a millisecond apart). */
const untimed = (line: string): string => line.replace(/,"time":"[^"]*"/, '');

/** The line pino itself writes for the same fields, and the fixed line's, from one logger each. */
function bothLines(fields: Fields, child?: string): [fixed: string, pinos: string] {
  const ours = capture();
  const theirs = capture();
  const at = (root: Pino): Pino => (child === undefined ? root : root.child({ context: child }));
  const line = new FixedLine(KEYS, 'upstream "call"', { kind: 'k' });
  line.write(at(createRootLogger({ level: 'info', pretty: false }, ours.destination)), 'info', fields);
  at(createRootLogger({ level: 'info', pretty: false }, theirs.destination)).info(
    { kind: 'k', ...fields },
    'upstream "call"',
  );
  return [ours.lines.join(''), theirs.lines.join('')];
}

const value = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme-composite' }),
  fc.string({ unit: 'binary' }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(undefined),
);
const fieldsOf = fc.record({ requestId: value, status: value, durationMs: value, audit: value, sub: value });

describe('FixedLine', () => {
  it('writes the line pino writes for the same fields, bindings and message', () => {
    const [fixed, pinos] = bothLines(
      { requestId: 'r-1', status: 200, durationMs: 1.5, audit: true, sub: 'auth0|a"b\\c' },
      'Upstream',
    );
    expect(untimed(fixed)).toBe(untimed(pinos));
    expect(untimed(fixed)).toMatch(
      /^\{"level":"info","pid":\d+,"hostname":"[^"]*","context":"Upstream","kind":"k","requestId":"r-1","status":200,"durationMs":1.5,"audit":true,"sub":"auth0\|a\\"b\\\\c","msg":"upstream \\"call\\""\}\n$/,
    );
  });

  it('leaves undefined fields out and writes non-finite numbers as null, as pino does', () => {
    const [fixed, pinos] = bothLines({
      requestId: undefined,
      status: Number.NaN,
      durationMs: Number.POSITIVE_INFINITY,
      audit: false,
      sub: undefined,
    });
    expect(untimed(fixed)).toBe(untimed(pinos));
    expect(JSON.parse(fixed)).toMatchObject({ status: null, durationMs: null, audit: false });
  });

  it('gives, for any values, a JSON line with the same fields in the same order as pino', () => {
    fc.assert(
      fc.property(fieldsOf, fc.option(fc.string(), { nil: undefined }), (fields, child) => {
        const [fixed, pinos] = bothLines(fields, child);
        expect(fixed.endsWith('}\n')).toBe(true);
        expect(fixed.indexOf('\n')).toBe(fixed.length - 1);
        const [a, b] = [JSON.parse(fixed) as object, JSON.parse(pinos) as object];
        delete (a as { time?: string }).time;
        delete (b as { time?: string }).time;
        // Same values, same key order. (The text itself differs only where pino writes a lone
        // surrogate raw and JSON.stringify escapes it.)
        expect(Object.entries(a)).toEqual(Object.entries(b));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a key that names a credential (lines are not scrubbed)', () => {
    expect(() => new FixedLine(['requestId', 'Authorization'], 'm')).toThrow(/Authorization/);
    expect(() => new FixedLine(['requestId'], 'm', { access_token: 'x' })).toThrow(/access_token/);
  });

  it('writes nothing below the logger level', () => {
    const { lines, destination } = capture();
    new FixedLine(KEYS, 'm').write(createRootLogger({ level: 'warn', pretty: false }, destination), 'info', {
      requestId: 'r',
      status: 1,
      durationMs: 1,
      audit: true,
      sub: 's',
    });
    expect(lines).toEqual([]);
  });

  it('goes through pino itself for a destination that wants line metadata (multistream) or a mixin', () => {
    const fields: Fields = { requestId: 'r', status: 1, durationMs: 2, audit: true, sub: 's' };
    const first = capture();
    const multi = pino({ level: 'info' }, pino.multistream([{ stream: first.destination }]));
    new FixedLine(KEYS, 'm', { context: 'X' }).write(multi, 'info', fields);
    expect(JSON.parse(first.lines[0])).toMatchObject({ level: 30, context: 'X', ...fields, msg: 'm' });

    const second = capture();
    const mixed = pino({ level: 'info', mixin: () => ({ extra: 1 }) }, second.destination);
    new FixedLine(KEYS, 'm').write(mixed, 'info', fields);
    expect(JSON.parse(second.lines[0])).toMatchObject({ extra: 1, ...fields, msg: 'm' });
  });
});
