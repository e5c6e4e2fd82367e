/**
 * A log line of fixed keys, its JSON assembled from parts prepared once: the request path writes
 * three such lines per proxied call (upstream call, audit, request), and pino's general path (the
 * log formatter's walk, a key-by-key `for…in` with serializer and stringifier lookups, a string
 * built by repeated concatenation) was the largest allocator of the warm path (measured with V8's
 * sampling heap profiler). The output is the line pino writes for the same fields: level, time and
 * the logger's bindings first, then the keys in order (undefined ones left out), then `msg`
 * (fixed-line.spec.ts compares them). The log formatter's scrub is not run: a key that names a
 * credential is refused when the line is defined, and values are strings, numbers or booleans.
 */
import pino from 'pino';
import type { Logger as Pino } from 'pino';
import { isSensitive } from './redaction';

export type LineValue = string | number | boolean | undefined;

type LineLevel = 'debug' | 'info' | 'warn';

/** pino's internals behind its public `pino.symbols`, typed for the few read here. */
interface PinoInternals {
  [key: symbol]: unknown;
}

interface LineStream {
  write(line: string): unknown;
  [key: symbol]: unknown;
}

const {
  lsCacheSym,
  timeSym,
  chindingsSym,
  streamSym,
  needsMetadataGsym,
  mixinSym,
  msgPrefixSym,
  endSym,
  messageKeySym,
  hooksSym,
} = pino.symbols as unknown as Record<string, symbol>;

export class FixedLine<K extends string> {
  private readonly constantsJson: string;
  private readonly keyJson: string[];
  private readonly messageJson: string;

  /**
   * @param keys the line's variable keys, in the order written
   * @param message its `msg`
   * @param constants fields written before the keys, the same on every line (`context`)
   */
  constructor(
    private readonly keys: readonly K[],
    private readonly message: string,
    private readonly constants: Readonly<Record<string, string>> = {},
  ) {
    for (const key of [...keys, ...Object.keys(constants)])
      if (isSensitive(key)) throw new Error(`a log line may not hold '${key}'`);
    this.constantsJson = Object.entries(constants)
      .map(([key, value]) => `,${JSON.stringify(key)}:${JSON.stringify(value)}`)
      .join('');
    this.keyJson = keys.map((key) => `,${JSON.stringify(key)}:`);
    this.messageJson = JSON.stringify(message);
  }

  /** Writes the line through `logger` at `level`, if the logger writes that level. */
  write(logger: Pino, level: LineLevel, fields: Readonly<Record<K, LineValue>>): void {
    if (!logger.isLevelEnabled(level)) return;
    const internals = logger as unknown as PinoInternals;
    const stream = internals[streamSym] as LineStream;
    // What the prepared parts do not cover goes through pino itself: a stream that wants each
    // line's metadata (multistream), a mixin, a message prefix, another message key, a write hook.
    if (
      stream[needsMetadataGsym] === true ||
      internals[mixinSym] ||
      (internals[hooksSym] as { streamWrite?: unknown }).streamWrite ||
      internals[msgPrefixSym] ||
      internals[messageKeySym] !== 'msg'
    ) {
      const merged: Record<string, unknown> = { ...this.constants, ...fields };
      logger[level](merged, this.message);
      return;
    }
    const levels = internals[lsCacheSym] as Record<number, string>;
    let line =
      levels[logger.levels.values[level]] +
      (internals[timeSym] as () => string)() +
      (internals[chindingsSym] as string) +
      this.constantsJson;
    for (let i = 0; i < this.keys.length; i++) {
      const value = fields[this.keys[i]];
      if (value !== undefined) line += this.keyJson[i] + jsonOf(value);
    }
    stream.write(`${line},"msg":${this.messageJson}${internals[endSym] as string}`);
  }
}

/** A value as pino writes it: strings as JSON strings, numbers that are not finite as null. */
function jsonOf(value: string | number | boolean): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  return value ? 'true' : 'false';
}
