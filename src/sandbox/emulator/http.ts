/** The request pipeline shared by every emulated server: record, count, fault, handle. */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { EndpointName } from './emulator.types';
import { defaultFaultBody, sendBrokenBody, sendStatusFault } from './faults';
import type { FaultBody, Faults } from './faults';
import { sendScriptedAnswer } from './scripted-answer';
import type { Stats } from './state';

export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** raw path from the request line, without the query */
  path: string;
  /** raw query without '?' */
  query: string;
  body: Buffer;
}

export interface Route {
  /** counted, recorded and faultable under this name; absent: not counted */
  endpoint?: EndpointName;
  /** parsed parameters to record (for /oauth/token) */
  params?: Record<string, string>;
  handle: (call: Call) => void | Promise<void>;
}

export interface Kit {
  stats: Stats;
  faults: Faults;
  /** pending timers, cleared on close */
  timers: Set<NodeJS.Timeout>;
}

const EMPTY = Buffer.alloc(0);
const MAX_BODY = 64 * 1024 * 1024;

/** setTimeout that close() can cancel. */
export function later(kit: Kit, ms: number, fn: () => void): void {
  const timer = setTimeout(() => {
    kit.timers.delete(timer);
    fn();
  }, ms);
  kit.timers.add(timer);
}

export function createListener(
  kit: Kit,
  route: (call: Call) => Route,
  options: { faultBody?: FaultBody; decorate?: (req: IncomingMessage, res: ServerResponse) => void } = {},
): RequestListener {
  const faultBody = options.faultBody ?? defaultFaultBody;
  const dispatch = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const call: Call = {
      req,
      res,
      method: req.method ?? 'GET',
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      body,
    };
    if (options.decorate) options.decorate(req, res);
    let found: Route;
    try {
      found = route(call);
    } catch (err) {
      fail(res, err);
      return;
    }
    if (found.endpoint !== undefined) {
      kit.stats.hit({
        endpoint: found.endpoint,
        method: call.method,
        path: call.path,
        query: call.query,
        headers: req.headers,
        body,
        params: found.params,
        at: Date.now(),
      });
      const fault = kit.faults.take(found.endpoint);
      if (fault) {
        if (fault.kind === 'drop') {
          req.socket.destroy();
        } else if (fault.kind === 'hang') {
          // send nothing; after `ms` answer normally (a slow upstream); forever when absent
          if (fault.ms !== undefined) later(kit, fault.ms, () => run(found, call));
        } else if (fault.kind === 'answer') {
          sendScriptedAnswer(req, res, fault);
        } else if (fault.kind === 'stall-body' || fault.kind === 'cut-body') {
          sendBrokenBody(res, fault.kind);
        } else {
          sendStatusFault(res, fault, faultBody);
        }
        return;
      }
    }
    run(found, call);
  };

  return (req, res) => {
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
      dispatch(req, res, EMPTY);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        req.socket.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => dispatch(req, res, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', () => undefined);
  };
}

function run(route: Route, call: Call): void {
  try {
    const pending = route.handle(call);
    if (pending) pending.catch((err: unknown) => fail(call.res, err));
  } catch (err) {
    fail(call.res, err);
  }
}

function fail(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, 500, { error: 'emulator_error', message: err instanceof Error ? err.message : String(err) });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(html)),
  });
  res.end(html);
}

/** First value of each query parameter. */
export function parseQuery(query: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (query === '') return out;
  for (const [name, value] of new URLSearchParams(query)) if (!Object.hasOwn(out, name)) out[name] = value;
  return out;
}

/** The token of `Authorization: <scheme> <token>` for one of the schemes (case-insensitive). */
export function authToken(req: IncomingMessage, schemes: readonly string[] = ['bearer']): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  if (!schemes.includes(header.slice(0, space).toLowerCase())) return undefined;
  const token = header.slice(space + 1).trim();
  return token === '' ? undefined : token;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Form or JSON parameters of a token endpoint; HTTP Basic client credentials fill client_id/secret. */
export function formParams(req: IncomingMessage, body: Buffer): Record<string, string> {
  const params: Record<string, string> = {};
  const type = req.headers['content-type'] ?? '';
  const text = body.toString('utf8');
  if (type.includes('json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) {
        for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
          if (typeof value === 'string') params[name] = value;
          else if (typeof value === 'number' || typeof value === 'boolean') params[name] = String(value);
        }
      }
    } catch {
      // not JSON: no parameters
    }
  } else {
    Object.assign(params, parseQuery(text));
  }
  const basic = authToken(req, ['basic']);
  if (basic !== undefined && params.client_id === undefined) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      params.client_id = decodeURIComponent(decoded.slice(0, colon));
      params.client_secret = decodeURIComponent(decoded.slice(colon + 1));
    }
  }
  return params;
}
