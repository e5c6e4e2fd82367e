import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { cachedSecretVariants, createRedactor, redactBuffer, secretVariants } from './redact-stream';

/** Writes `chunks` into a fresh redactor and returns everything it emitted. */
async function runStream(chunks: readonly Buffer[], secrets: readonly string[], replacement?: string) {
  const redactor = createRedactor(secrets, replacement);
  const out: Buffer[] = [];
  redactor.on('data', (part: Buffer) => out.push(part));
  const ended = new Promise<void>((resolve, reject) => {
    redactor.on('end', resolve);
    redactor.on('error', reject);
  });
  for (const chunk of chunks) redactor.write(chunk);
  redactor.end();
  await ended;
  return { text: Buffer.concat(out).toString('utf8'), parts: out };
}

/** Splits `text` at the given offsets. */
function splitAt(text: string, ...offsets: number[]): Buffer[] {
  const buf = Buffer.from(text);
  const bounds = [0, ...offsets, buf.length];
  return bounds.slice(1).map((end, i) => buf.subarray(bounds[i], end));
}

function everyByte(text: string): Buffer[] {
  const buf = Buffer.from(text);
  return [...buf].map((byte) => Buffer.from([byte]));
}

/** Brute-force reference: overlapping occurrences merge into one replacement, touching ones do not. */
function reference(text: string, patterns: readonly string[], replacement = 'REDACTED'): string {
  const hits: { start: number; end: number }[] = [];
  for (const pattern of patterns) {
    for (let i = 0; i + pattern.length <= text.length; i++) {
      if (text.startsWith(pattern, i)) hits.push({ start: i, end: i + pattern.length });
    }
  }
  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let position = 0;
  let runEnd = -1;
  for (const hit of hits) {
    if (hit.start < runEnd) {
      runEnd = Math.max(runEnd, hit.end);
      continue;
    }
    if (runEnd > position) position = runEnd;
    out += text.slice(position, hit.start) + replacement;
    position = hit.start;
    runEnd = hit.end;
  }
  if (runEnd > position) position = runEnd;
  return out + text.slice(position);
}

/** A small deterministic PRNG so the randomised cases are reproducible. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const TOKEN = 'gho_16C7e42F292c6912E7710c838347Ae178B4a';

describe('secretVariants', () => {
  it('should return only the raw form for a URL-safe token', () => {
    expect(secretVariants(TOKEN)).toEqual([TOKEN]);
    expect(secretVariants('ya29.a0AfB_by-x.y')).toEqual(['ya29.a0AfB_by-x.y']);
  });

  it('should add percent-encoded and JSON-escaped forms for a token with a slash', () => {
    expect(secretVariants('1//0gAb+c=')).toEqual([
      '1//0gAb+c=',
      '1%2F%2F0gAb%2Bc%3D',
      '1%2f%2f0gAb%2bc%3d',
      '1\\/\\/0gAb+c=',
    ]);
  });

  it('should add the form-urlencoded form when it differs', () => {
    expect(secretVariants("a b'~")).toEqual(["a b'~", "a%20b'~", 'a+b%27%7E']);
  });

  it('should keep the forms of a secret while thousands of other secrets are used in turn', () => {
    const first = cachedSecretVariants('gho_first');
    for (let i = 0; i < 5000; i++) cachedSecretVariants(`gho_user_${i}`);
    // The same array: built once, not rebuilt after the others (a bound of 1,000 rebuilt it).
    expect(cachedSecretVariants('gho_first')).toBe(first);
  });

  it('should return nothing for an empty secret', () => {
    expect(secretVariants('')).toEqual([]);
  });
});

describe('redactBuffer', () => {
  it('should replace every occurrence, at the start, in the middle and at the end', () => {
    const body = `${TOKEN} {"token":"${TOKEN}","again":"${TOKEN}${TOKEN}"} ${TOKEN}`;
    expect(redactBuffer(Buffer.from(body), [TOKEN]).toString()).toBe(
      'REDACTED {"token":"REDACTED","again":"REDACTEDREDACTED"} REDACTED',
    );
  });

  it('should replace a Facebook paging URL token', () => {
    const body =
      '{"paging":{"next":"https://graph.facebook.com/v19.0/me/friends?access_token=EAABsb&after=QVF"}}';
    expect(redactBuffer(Buffer.from(body), ['EAABsb']).toString()).toBe(
      '{"paging":{"next":"https://graph.facebook.com/v19.0/me/friends?access_token=REDACTED&after=QVF"}}',
    );
  });

  it('should replace the percent-encoded and JSON-escaped forms of a token with slashes', () => {
    const body = 'raw=1//0gX enc=1%2F%2F0gX low=1%2f%2f0gX json="1\\/\\/0gX"';
    expect(redactBuffer(Buffer.from(body), ['1//0gX']).toString()).toBe(
      'raw=REDACTED enc=REDACTED low=REDACTED json="REDACTED"',
    );
  });

  it('should use the given replacement and handle several secrets', () => {
    expect(redactBuffer(Buffer.from('a-secret1-b-secret2-c'), ['secret1', 'secret2'], '***').toString()).toBe(
      'a-***-b-***-c',
    );
  });

  it('should hide every byte of overlapping secrets with one replacement', () => {
    expect(redactBuffer(Buffer.from('xabcdy'), ['abc', 'bcd']).toString()).toBe('xREDACTEDy');
    expect(redactBuffer(Buffer.from('xabcdy'), ['bc', 'abcd']).toString()).toBe('xREDACTEDy');
    expect(redactBuffer(Buffer.from('xaaay'), ['aa']).toString()).toBe('xREDACTEDy');
  });

  it('should replace touching occurrences one by one', () => {
    expect(redactBuffer(Buffer.from('abab'), ['ab']).toString()).toBe('REDACTEDREDACTED');
  });

  it('should compare secrets as UTF-8 bytes', () => {
    expect(redactBuffer(Buffer.from('é-tøken-é'), ['tøken']).toString()).toBe('é-REDACTED-é');
  });

  it('should return the body unchanged without secrets or with empty ones', () => {
    const body = Buffer.from('nothing to hide');
    expect(redactBuffer(body, []).toString()).toBe('nothing to hide');
    expect(redactBuffer(body, ['']).toString()).toBe('nothing to hide');
    expect(redactBuffer(Buffer.alloc(0), ['x']).toString()).toBe('');
  });
});

describe('createRedactor', () => {
  it('should replace a token split across two chunks', async () => {
    const body = `{"t":"${TOKEN}"}`;
    for (let cut = 1; cut < body.length; cut++) {
      expect((await runStream(splitAt(body, cut), [TOKEN])).text).toBe('{"t":"REDACTED"}');
    }
  });

  it('should replace a token split across three chunks', async () => {
    const body = `{"t":"${TOKEN}"}`;
    expect((await runStream(splitAt(body, 10, 20), [TOKEN])).text).toBe('{"t":"REDACTED"}');
    expect((await runStream(splitAt(body, 6, 46), [TOKEN])).text).toBe('{"t":"REDACTED"}');
    expect((await runStream(splitAt(body, 7, 45), [TOKEN])).text).toBe('{"t":"REDACTED"}');
  });

  it('should replace tokens at the start and the end of the stream', async () => {
    const body = `${TOKEN}middle${TOKEN}`;
    expect((await runStream(splitAt(body, 3, 43, 50), [TOKEN])).text).toBe('REDACTEDmiddleREDACTED');
  });

  it('should replace repeated tokens', async () => {
    const body = `${TOKEN}${TOKEN},${TOKEN}`;
    expect((await runStream(splitAt(body, 39, 41, 83), [TOKEN])).text).toBe('REDACTEDREDACTED,REDACTED');
  });

  it('should replace overlapping secrets with one marker across chunks', async () => {
    expect((await runStream(splitAt('xabcdy', 2, 4), ['abc', 'bcd'])).text).toBe('xREDACTEDy');
    expect((await runStream(everyByte('xaaaaaaay'), ['aaa'])).text).toBe('xREDACTEDy');
    expect((await runStream(everyByte('--abcdefgh--'), ['abcd', 'cdef', 'efgh'])).text).toBe('--REDACTED--');
  });

  it('should work with one-byte chunks', async () => {
    const body = `a ${TOKEN} b 1//0gX c 1%2F%2F0gX d`;
    expect((await runStream(everyByte(body), [TOKEN, '1//0gX'])).text).toBe(
      'a REDACTED b REDACTED c REDACTED d',
    );
  });

  it('should hold back one byte less than the longest secret until the end', async () => {
    const { parts } = await runStream([Buffer.from('0123456789'), Buffer.from('abc')], ['SECRET']);
    expect(parts.map((part) => part.toString())).toEqual(['01234', '567', '89abc']);
  });

  it('should pass chunks through untouched without secrets', async () => {
    const { parts } = await runStream([Buffer.from('ab'), Buffer.from('cd')], []);
    expect(parts.map((part) => part.toString())).toEqual(['ab', 'cd']);
  });

  it('should emit a partial match at the end of the stream as is', async () => {
    expect((await runStream(splitAt(`x${TOKEN.slice(0, 20)}`, 5), [TOKEN])).text).toBe(
      `x${TOKEN.slice(0, 20)}`,
    );
  });

  it('should match the whole-buffer result for random bodies and chunkings', async () => {
    const random = prng(42);
    const secrets = ['abab', 'bab', 'ca', 'aaaa'];
    for (let round = 0; round < 300; round++) {
      const length = Math.floor(random() * 60);
      let body = '';
      for (let i = 0; i < length; i++) body += 'abc'[Math.floor(random() * 3)];
      const offsets: number[] = [];
      for (let i = 1; i < length; i++) if (random() < 0.3) offsets.push(i);
      const expected = reference(body, secrets);
      expect(redactBuffer(Buffer.from(body), secrets).toString()).toBe(expected);
      expect((await runStream(splitAt(body, ...offsets), secrets)).text).toBe(expected);
    }
  });

  it('should redact a 5 MiB body streamed in 64 KiB chunks', async () => {
    const token = 'ya29.a0AfH6SMBx-token-value_0123456789';
    const filler = Buffer.alloc(5 * 1024 * 1024, 'x');
    // Place tokens on and around chunk boundaries and elsewhere.
    const positions = [0, 65_536 - 10, 65_536 * 7 - 1, 65_536 * 20, 1_000_003, filler.length - token.length];
    for (const at of positions) filler.write(token, at);
    const chunkSize = 64 * 1024;
    function* chunks() {
      for (let at = 0; at < filler.length; at += chunkSize) yield filler.subarray(at, at + chunkSize);
    }
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(chunks()),
      createRedactor([token]),
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          out.push(chunk);
          callback();
        },
      }),
    );
    const result = Buffer.concat(out);
    const redacted = 'REDACTED';
    expect(result.length).toBe(filler.length - positions.length * (token.length - redacted.length));
    expect(result.includes(token)).toBe(false);
    expect(result.toString('latin1').split(redacted).length - 1).toBe(positions.length);
    expect(result.equals(redactBuffer(filler, [token]))).toBe(true);
  });
});
