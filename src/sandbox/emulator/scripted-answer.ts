/** Scripted IdP answers (the `answer` fault): a chosen status, body, codings and headers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import type { ScriptedAnswer } from './emulator.types';

/** Starts like neither a gzip, a zlib nor a valid brotli stream. */
const GARBAGE = Buffer.from('\u00ff\u00fe not a coded body \u00ff', 'latin1');

/** The bearer token of the call, whatever its scheme, or '' without one. */
function tokenOf(req: IncomingMessage): string {
  const header = req.headers.authorization ?? '';
  const space = header.indexOf(' ');
  return space < 0 ? '' : header.slice(space + 1).trim();
}

function place(text: string, token: string): string {
  const everyByte = [...Buffer.from(token, 'utf8')]
    .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
    .join('');
  return text.replaceAll('{token%}', everyByte).replaceAll('{token}', token);
}

function encodeBody(body: Buffer, codings: ScriptedAnswer['encode'] = []): Buffer {
  let bytes = body;
  for (const coding of codings) {
    switch (coding) {
      case 'gzip':
        bytes = gzipSync(bytes);
        break;
      case 'deflate':
        bytes = deflateSync(bytes);
        break;
      case 'deflate-raw':
        bytes = deflateRawSync(bytes);
        break;
      case 'br':
        bytes = brotliCompressSync(bytes);
        break;
      case 'garbage':
        bytes = Buffer.concat([GARBAGE, bytes]);
        break;
    }
  }
  return bytes;
}

export function sendScriptedAnswer(req: IncomingMessage, res: ServerResponse, spec: ScriptedAnswer): void {
  const token = tokenOf(req);
  let body = encodeBody(Buffer.from(place(spec.body ?? '{"token":"{token}"}', token), 'utf8'), spec.encode);
  if (spec.truncate !== undefined) body = body.subarray(0, spec.truncate);
  const headers: Record<string, string | string[]> = { 'content-type': 'application/json; charset=utf-8' };
  for (const [name, value] of Object.entries(spec.headers ?? {}))
    headers[name.toLowerCase()] = place(value, token);
  if (spec.contentEncoding !== undefined) headers['content-encoding'] = spec.contentEncoding;
  const chunk = spec.chunkBytes;
  if (chunk === undefined || chunk <= 0) headers['content-length'] = String(body.length);
  res.writeHead(spec.status ?? 200, headers);
  if (chunk === undefined || chunk <= 0) {
    res.end(body);
    return;
  }
  for (let offset = 0; offset < body.length; offset += chunk)
    res.write(body.subarray(offset, offset + chunk));
  res.end();
}
