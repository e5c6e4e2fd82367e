/**
 * Answers of the HTTP layer under the routes, in the service's own form: requests Node's parser
 * refuses or that timed out, router errors (bad percent-encoding, over-long parameters), refused
 * CORS preflights; and the `Vary: Authorization` rule for every /v1 answer, whatever the target's
 * form. Nothing of a refused request is echoed.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UNMATCHED_ROUTE } from '../logging/request-log.hook';
import type { RootLogger } from '../logging/root-logger';
import { ApiProblem } from './problem';

/**
 * A request Node's parser refuses (a line break inside a header value, a header section over the
 * limit, a head that never ends) or that did not fully arrive within REQUEST_TIMEOUT_MS never
 * reaches a route: answer it as problem+json with a new request id, as the service's other errors,
 * instead of Fastify's own JSON, then close the connection. Nothing of the request is echoed.
 */
export function answerClientError(
  error: Error & { code?: string },
  socket: Socket,
  root: RootLogger,
  count: (status: number) => void,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const problem = timedOut
      ? new ApiProblem('request_timeout', 'The request did not fully arrive in time.')
      : new ApiProblem('invalid_request', 'The request could not be parsed as HTTP.');
    const [status, reason] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large']
        : timedOut
          ? [408, 'Request Timeout']
          : [400, 'Bad Request'];
    const requestId = randomUUID();
    const body = JSON.stringify({ ...problem.toBody(), status });
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/problem+json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\n` +
        `connection: close\r\n\r\n${body}`,
    );
    count(status);
    root.info(
      { context: 'Request', requestId, route: UNMATCHED_ROUTE, status, code: error.code },
      'request completed',
    );
  }
  socket.destroy();
}

/** How often Node looks for requests past their deadline: a quarter of it, at most every second. */
export function checkingInterval(requestTimeoutMs: number): number {
  return Math.max(25, Math.min(1000, Math.floor(requestTimeoutMs / 4)));
}

/** Errors of Fastify's router (a request target that is not valid percent-encoding, a parameter over the limit). */
export function frameworkProblem(error: Error & { code?: string }): ApiProblem {
  return error.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? new ApiProblem('uri_too_long', 'A part of the request path is longer than the service accepts.')
    : new ApiProblem('invalid_request', 'The request target is not valid percent-encoding.');
}

/**
 * Whether the request is under /v1, whatever the form of its target: origin form (`/v1/...`) or
 * absolute form (`http://host/v1/...`), which HTTP/1.1 servers must accept.
 */
export function isV1(request: FastifyRequest): boolean {
  if (request.routeOptions.url?.startsWith('/v1/') === true) return true;
  let path = request.url;
  if (!path.startsWith('/')) {
    const authority = path.indexOf('//');
    const slash = authority < 0 ? -1 : path.indexOf('/', authority + 2);
    path = slash < 0 ? '' : path.slice(slash);
  }
  return path.startsWith('/v1/') || path === '/v1' || path.startsWith('/v1?');
}

/** @fastify/cors refuses a preflight without its request method in plain text. */
export function isRefusedPreflight(request: FastifyRequest, reply: FastifyReply): boolean {
  return (
    request.method === 'OPTIONS' &&
    reply.statusCode === 400 &&
    String(reply.getHeader('content-type') ?? '').startsWith('text/plain')
  );
}

export function preflightProblem(reply: FastifyReply): string {
  const problem = new ApiProblem(
    'invalid_request',
    'A CORS preflight must carry Origin and Access-Control-Request-Method.',
  );
  reply.header('content-type', 'application/problem+json');
  return JSON.stringify(problem.toBody());
}

/** Adds `name` to the answer's `Vary` (CORS may have put `Origin` there already). */
export function varyOn(reply: FastifyReply, name: string): void {
  const current = reply.getHeader('vary');
  // Most answers have no Vary yet: no split, map and filter per request.
  if (current === undefined || current === '') {
    reply.header('vary', name);
    return;
  }
  const names = String(current ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (names.includes('*') || names.some((v) => v.toLowerCase() === name.toLowerCase())) return;
  reply.header('vary', [...names, name].join(', '));
}
