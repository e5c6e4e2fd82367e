/** Injected faults: the next `times` calls of an endpoint fail in a chosen way. */
import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { EndpointName, FaultSpec } from './emulator.types';

interface Pending {
  spec: FaultSpec;
  left: number;
}

export class Faults {
  private readonly pending = new Map<EndpointName, Pending[]>();

  add(endpoint: EndpointName, spec: FaultSpec): void {
    const times = spec.times ?? 1;
    if (times <= 0) return;
    const list = this.pending.get(endpoint) ?? [];
    list.push({ spec, left: times });
    this.pending.set(endpoint, list);
  }

  clear(): void {
    this.pending.clear();
  }

  /** The fault to apply to this call, if any (consumes one of its `times`). */
  take(endpoint: EndpointName): FaultSpec | undefined {
    if (this.pending.size === 0) return undefined;
    const list = this.pending.get(endpoint);
    if (!list || list.length === 0) return undefined;
    const head = list[0];
    head.left--;
    if (head.left <= 0) list.shift();
    if (list.length === 0) this.pending.delete(endpoint);
    return head.spec;
  }
}

/** A JSON body for an injected error status; servers may give their own shape. */
export type FaultBody = (status: number) => unknown;

export const defaultFaultBody: FaultBody = (status) =>
  status === 429
    ? { error: 'too_many_requests', error_description: 'Global limit has been reached', statusCode: 429 }
    : { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: 'Injected fault' };

/** Starts a 200 answer that never completes: it stalls, or its socket is destroyed. */
export function sendBrokenBody(res: ServerResponse, kind: 'stall-body' | 'cut-body'): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.write('{"partial":"the rest of this answer never comes');
  if (kind === 'cut-body') setImmediate(() => res.socket?.destroy());
}

/** Writes a 429 or error-status fault answer. */
export function sendStatusFault(res: ServerResponse, spec: FaultSpec, body: FaultBody): void {
  if (
    spec.kind === 'hang' ||
    spec.kind === 'drop' ||
    spec.kind === 'stall-body' ||
    spec.kind === 'cut-body' ||
    spec.kind === 'answer'
  )
    return;
  const status = Number(spec.kind);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  const payload: unknown = body(status);
  if (spec.kind === '429') {
    const retryAfterS = spec.retryAfterS ?? 1;
    headers['retry-after'] = String(retryAfterS);
    headers['x-ratelimit-limit'] = '50';
    headers['x-ratelimit-remaining'] = '0';
    headers['x-ratelimit-reset'] = String(Math.ceil(Date.now() / 1000 + retryAfterS));
  }
  const text = JSON.stringify(payload);
  headers['content-length'] = String(Buffer.byteLength(text));
  res.writeHead(status, headers);
  res.end(text);
}
