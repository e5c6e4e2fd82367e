/**
 * Generated bodies against the redaction invariant: whatever the content coding the service
 * decodes (identity, gzip, deflate, br) and however the coded bytes are split into chunks, the IdP
 * token never survives decoding and redaction, in any of the forms a body carries it (raw,
 * percent-encoded, JSON-escaped), and the stream's output is the whole-body redaction's.
 */
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { createDecoder, parseContentCoding } from './content-coding';
import type { ContentCoding } from './content-coding';
import { createRedactor, redactBuffer, secretVariants } from './redact-stream';

export const REDACTION_RUNS = 400;

const encoders: Record<ContentCoding, (body: Buffer) => Buffer> = {
  identity: (body) => body,
  gzip: (body) => gzipSync(body),
  deflate: (body) => deflateSync(body),
  br: (body) => brotliCompressSync(body),
};

/** Token shapes of the three IdPs, `/` and `+` included (Google refresh-style `1//0g…`). */
const token = fc.stringMatching(/^[a-z0-9][a-z0-9._/+-]{7,47}$/);
/** Text around the tokens: no upper-case, so no filler can form a token with `REDACTED`. */
const filler = fc.stringMatching(/^[a-z0-9 "{}:,=&?%\\/._-]{0,40}$/);

async function decodeAndRedact(
  coded: Buffer,
  coding: ContentCoding,
  cuts: number[],
  secret: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let start = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (coded.length + 1)))].sort((a, b) => a - b)) {
    chunks.push(coded.subarray(start, cut));
    start = cut;
  }
  chunks.push(coded.subarray(start));
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.push(chunk);
      callback();
    },
  });
  const decoder = createDecoder(coding);
  const source = Readable.from(chunks.filter((c) => c.length > 0));
  if (decoder === undefined) await pipeline(source, createRedactor([secret]), sink);
  else await pipeline(source, decoder, createRedactor([secret]), sink);
  return Buffer.concat(out);
}

describe('decoding and redaction (generated)', () => {
  it('should leave no form of the token in the decoded body, whatever the coding and the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        token,
        fc.array(fc.tuple(filler, fc.constantFrom('raw', 'uri', 'json', 'none')), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.constantFrom('identity', ' GZIP', 'x-gzip', 'deflate', 'br '),
        fc.array(fc.nat(4096), { maxLength: 12 }),
        async (secret, parts, label, cuts) => {
          const coding = parseContentCoding(label) as ContentCoding;
          const forms = secretVariants(secret);
          const plain = Buffer.from(
            parts
              .map(([text, form]) =>
                form === 'none'
                  ? text
                  : `${text}${form === 'raw' ? forms[0] : form === 'uri' ? encodeURIComponent(secret) : JSON.stringify(secret).slice(1, -1).replace(/\//g, '\\/')}`,
              )
              .join(''),
          );
          const out = await decodeAndRedact(encoders[coding](plain), coding, cuts, secret);
          for (const form of forms) expect(out.includes(form)).toBe(false);
          expect(out.equals(redactBuffer(plain, [secret]))).toBe(true);
        },
      ),
      { numRuns: REDACTION_RUNS },
    );
  });
});
