/**
 * The content codings the proxy decodes before redacting an IdP body. Only what can be decoded is
 * passed: the redactor searches decoded bytes, so a body still encoded (an unknown coding, or a
 * list of codings of which only the last would be undone) could carry the token past it.
 *
 * Accepted labels: none, `identity`, or exactly one of `gzip`, `x-gzip`, `deflate`, `br`, in any
 * case and with surrounding spaces. `deflate` is the zlib format HTTP defines (RFC 9110 §8.4.1.2);
 * raw deflate data under that label is not accepted, like any other body that fails to decode.
 */
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

export type ContentCoding = 'identity' | 'gzip' | 'deflate' | 'br';

/**
 * The coding named by a `content-encoding` header, or undefined when the proxy must not pass the
 * body: an unknown coding, a list (`gzip, identity`), an empty label, or the header repeated.
 */
export function parseContentCoding(header: string | string[] | undefined): ContentCoding | undefined {
  if (header === undefined) return 'identity';
  if (Array.isArray(header)) return header.length === 1 ? parseContentCoding(header[0]) : undefined;
  switch (header.trim().toLowerCase()) {
    case 'identity':
      return 'identity';
    case 'gzip':
    case 'x-gzip':
      return 'gzip';
    case 'deflate':
      return 'deflate';
    case 'br':
      return 'br';
    default:
      return undefined;
  }
}

/** A stream that decodes `coding`; undefined for `identity`. A body that fails to decode errors it. */
export function createDecoder(coding: ContentCoding): Transform | undefined {
  switch (coding) {
    case 'identity':
      return undefined;
    case 'gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
  }
}
