/**
 * Replaces IdP tokens in a response body before it reaches the caller (docs/forwarding.md: "every occurrence of
 * the IdP token sent on that call is replaced by `REDACTED` while streaming").
 *
 * Matching is on bytes (secrets as UTF-8). Every byte that belongs to an occurrence of a secret is
 * hidden: occurrences that overlap (two secrets sharing bytes, or one secret overlapping itself) form
 * one run replaced by a single replacement; occurrences that merely touch (`tokentoken`) are replaced
 * one by one. The streaming output is the same as {@link redactBuffer} on the whole body, whatever
 * the chunking.
 *
 * Each secret is also searched in the forms a body commonly carries it in besides the raw one:
 * percent-encoded (`encodeURIComponent`, upper- and lower-case hex, and the form-urlencoded variant),
 * and JSON-escaped (including `\/` for `/`, as PHP's `json_encode` writes it). Google tokens may hold
 * `/` (`1//0g…`), so a `next` URL in a body can carry `1%2F%2F0g…` or `1\/\/0g…`.
 */
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { makeRoom } from '../common/bounded-map';

/** The textual forms of `secret` that are searched for (raw first, duplicates removed). */
export function secretVariants(secret: string): string[] {
  if (secret === '') return [];
  const forms = [secret];
  try {
    const encoded = encodeURIComponent(secret);
    forms.push(
      encoded,
      encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
    );
    forms.push(new URLSearchParams([['', secret]]).toString().slice(1));
  } catch {
    // A lone surrogate cannot be percent-encoded; only its raw form can then appear.
  }
  const json = JSON.stringify(secret).slice(1, -1);
  forms.push(json, json.replace(/\//g, '\\/'));
  return [...new Set(forms)];
}

/**
 * The forms of one secret and their byte patterns, built once per secret rather than once per
 * response: the same IdP token is sent on call after call. Bounded (a typical entry is one form of
 * ~40–200 bytes); the oldest entries go first. The bound is the verified-token cache's: a bound
 * below the number of users calling in turn would drop every entry before its next use (1,000
 * users round-robin against 1,000 entries rebuilt the forms on every request).
 */
const formCache = new Map<string, { forms: readonly string[]; patterns: readonly Buffer[] }>();
const FORM_CACHE_ENTRIES = 10_000;

function formsOf(secret: string): { forms: readonly string[]; patterns: readonly Buffer[] } {
  let entry = formCache.get(secret);
  if (entry === undefined) {
    const forms = secretVariants(secret);
    const patterns = forms.map((form) => Buffer.from(form, 'utf8')).filter((pattern) => pattern.length > 0);
    entry = { forms, patterns };
    makeRoom(formCache, FORM_CACHE_ENTRIES, 1);
    formCache.set(secret, entry);
  }
  return entry;
}

/** `secretVariants(secret)`, from the per-secret cache (for the per-request header check). */
export function cachedSecretVariants(secret: string): readonly string[] {
  return formsOf(secret).forms;
}

function patternsOf(secret: string): readonly Buffer[] {
  return formsOf(secret).patterns;
}

function toPatterns(secrets: readonly string[]): readonly Buffer[] {
  if (secrets.length === 1) return patternsOf(secrets[0]);
  const unique = new Map<string, Buffer>();
  for (const secret of secrets)
    for (const pattern of patternsOf(secret)) unique.set(pattern.toString('latin1'), pattern);
  return [...unique.values()];
}

type Interval = { start: number; end: number };

const EMPTY = Buffer.alloc(0);

/**
 * Merged runs of occurrences in `buf` that end after `from` (earlier ones were handled before), sorted.
 * Occurrences that overlap are merged; touching ones are not.
 */
function findRuns(buf: Buffer, patterns: readonly Buffer[], from: number): Interval[] {
  const hits: Interval[] = [];
  for (const pattern of patterns) {
    // Start early enough to see an occurrence that straddles `from`.
    let index = buf.indexOf(pattern, Math.max(0, from - pattern.length + 1));
    while (index !== -1) {
      hits.push({ start: index, end: index + pattern.length });
      index = buf.indexOf(pattern, index + 1);
    }
  }
  if (patterns.length > 1) hits.sort((a, b) => a.start - b.start || b.end - a.end);
  const runs: Interval[] = [];
  for (const hit of hits) {
    const last = runs[runs.length - 1];
    if (last && hit.start < last.end) last.end = Math.max(last.end, hit.end);
    else runs.push({ ...hit });
  }
  return runs;
}

/**
 * The redaction state machine shared by the stream and the whole-buffer function.
 *
 * Between chunks it keeps `pending` (at most maxLen-1 unsent bytes that may begin an occurrence) and
 * `lookbehind` (the last maxLen-1 bytes already sent, raw) so that an occurrence overlapping a run
 * already replaced is recognised as its continuation and hidden without a second replacement.
 */
class Redactor {
  private readonly maxLength: number;
  private lookbehind: Buffer = EMPTY;
  private pending: Buffer = EMPTY;

  constructor(
    private readonly patterns: readonly Buffer[],
    private readonly replacement: Buffer,
  ) {
    this.maxLength = patterns.reduce((max, pattern) => Math.max(max, pattern.length), 0);
  }

  /** Feeds bytes; returns the output that is final so far (possibly empty). */
  push(chunk: Buffer, final: boolean): Buffer[] {
    if (this.patterns.length === 0) return chunk.length > 0 ? [chunk] : [];
    const buf =
      this.lookbehind.length + this.pending.length === 0
        ? chunk
        : Buffer.concat([this.lookbehind, this.pending, chunk]);
    const sentUntil = this.lookbehind.length;
    const runs = findRuns(buf, this.patterns, sentUntil);

    // Every occurrence starting before `cut` is complete in `buf`; one starting later may not be yet.
    let emitUntil = final ? buf.length : Math.max(sentUntil, buf.length - (this.maxLength - 1));
    const straddling = runs.find((run) => run.start < emitUntil && run.end > emitUntil);
    // A run across the cut is sent whole now; a later occurrence overlapping it will show up as a
    // continuation (it starts before `sentUntil` next time) and be hidden silently.
    if (straddling) emitUntil = straddling.end;

    const out: Buffer[] = [];
    let position = sentUntil;
    for (const run of runs) {
      if (run.start >= emitUntil) break;
      if (run.start > position) out.push(buf.subarray(position, run.start));
      // A run that began in bytes already sent was replaced then: hide the rest without a new marker.
      if (run.start >= sentUntil) out.push(this.replacement);
      position = Math.max(position, run.end);
    }
    if (emitUntil > position) out.push(buf.subarray(position, emitUntil));

    if (final) return out.filter((part) => part.length > 0);
    this.pending = Buffer.from(buf.subarray(emitUntil));
    this.lookbehind = Buffer.from(buf.subarray(Math.max(0, emitUntil - (this.maxLength - 1)), emitUntil));
    return out.filter((part) => part.length > 0);
  }
}

/** Replaces every occurrence of any non-empty secret (and its encoded forms) in a whole body. */
export function redactBuffer(buf: Buffer, secrets: readonly string[], replacement = 'REDACTED'): Buffer {
  const patterns = toPatterns(secrets);
  // Most answers hold none of the forms: one search each, and nothing built.
  if (!patterns.some((pattern) => buf.includes(pattern))) return buf;
  const parts = new Redactor(patterns, Buffer.from(replacement, 'utf8')).push(buf, true);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

class RedactingTransform extends Transform {
  constructor(private readonly redactor: Redactor) {
    super();
  }

  override _transform(chunk: unknown, encoding: BufferEncoding, callback: TransformCallback): void {
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : typeof chunk === 'string'
        ? Buffer.from(chunk, encoding)
        : Buffer.from(chunk as Uint8Array);
    for (const part of this.redactor.push(bytes, false)) this.push(part);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    for (const part of this.redactor.push(Buffer.alloc(0), true)) this.push(part);
    callback();
  }
}

/**
 * A byte stream that replaces every occurrence of any non-empty secret (and its encoded forms) by
 * `replacement`, also across chunk boundaries: it holds back at most (longest form − 1) bytes between
 * chunks and sends them at the end.
 */
export function createRedactor(secrets: readonly string[], replacement = 'REDACTED'): Transform {
  return new RedactingTransform(new Redactor(toPatterns(secrets), Buffer.from(replacement, 'utf8')));
}
