/**
 * Shapes the IdP's answer for the caller: allowed headers, rewritten links, a decompressed body
 * with every occurrence of the token replaced; and reads a body whole up to a bound, with an
 * answer that breaks off turned into the problem it is for the caller.
 */
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { ApiProblem } from '../common/problem';
import type { IdentityProviderAdapter } from '../identity-providers/identity-provider.adapter';
import { ContextLogger } from '../logging/context-logger';
import { discard } from '../upstream/discard';
import { readSmall } from '../upstream/read-body';
import { isBodyTimeout } from '../upstream/upstream.errors';
import type { UpstreamResponse } from '../upstream/upstream.service';
import { createDecoder, parseContentCoding } from './content-coding';
import { dropHeadersHoldingSecrets, pickResponseHeaders, rewriteLinkHeader } from './forwarding-policy';
import type { LinkRoute } from './forwarding-policy';
import { rewriteJsonPaging } from './paging-rewrite';
import type { ProxyAnswer, ProxyCaller } from './proxy.service';
import { createRedactor, redactBuffer } from './redact-stream';

/** The same context as the audit line's: these lines belong to the proxied call. */
const logger = new ContextLogger('Audit');

/**
 * Uncompressed bodies that end within this size are read whole: a Buffer costs far less to redact
 * and send than a stream (measured: ~150 µs per request less for a chunked 1 KB answer). A longer
 * one streams on from where reading stopped.
 */
const SMALL_BODY_BYTES = 64 * 1024;
export const MAX_PROFILE_BYTES = 1024 * 1024;
/**
 * A JSON answer whose paging URLs are rewritten (Graph's) is read whole up to this size; a longer
 * one streams as any other, its URLs redacted but not rewritten.
 */
const MAX_PAGED_BODY_BYTES = 1024 * 1024;

/** The answer for the caller: safe headers, links into this service, the body redacted of `token`. */
export async function shapeAnswer(
  response: UpstreamResponse,
  adapter: IdentityProviderAdapter,
  caller: ProxyCaller,
  token: string,
  head: boolean,
  /** the `/hosts/{host}/` the call went to; undefined: the default root */
  host: string | undefined,
): Promise<ProxyAnswer> {
  // Where links lead: built only for an answer that has links (most have none).
  let routes: readonly LinkRoute[] | undefined;
  const routesOf = (): readonly LinkRoute[] => (routes ??= linkRoutes(adapter, caller.routeBase(), host));
  const noBody = head || response.status === 204 || response.status === 304;
  const headers = answerHeaders(response, adapter, token, noBody, routesOf);
  if (noBody) {
    discard(response.body);
    return { status: response.status, headers, body: undefined };
  }
  const length = Number(response.headers['content-length'] ?? Number.NaN);
  const decoded = decodedBody(response, adapter, caller);
  let source = decoded.body;
  // Paging URLs in a JSON answer can only be rewritten in a body read whole: up to a bound.
  const paged = adapter.pagingInJsonBody && /\bjson\b/i.test(String(response.headers['content-type']));
  const wholeLimit = paged ? MAX_PAGED_BODY_BYTES : SMALL_BODY_BYTES;
  // A known long identity body streams at once; anything else is read whole when small, so a
  // body that fails to decode is still a 502 before any header went out.
  if (decoded.decoding || !(length > wholeLimit)) {
    const read = await readBody(source, adapter, caller, wholeLimit);
    if (Buffer.isBuffer(read)) {
      const body = paged ? rewriteJsonPaging(read, routesOf(), adapter.reservedQueryParams) : read;
      return { status: response.status, headers, body: redactBuffer(body, [token]) };
    }
    source = read;
  }
  const onError = (error?: Error | null): void => {
    if (error)
      logger.warn(
        { err: error.message, provider: adapter.key, requestId: caller.requestId },
        'IdP body stream failed',
      );
  };
  return { status: response.status, headers, body: pipeline(source, createRedactor([token]), onError) };
}

/** The allowed headers of the IdP's answer, its links rewritten, none holding the token. */
function answerHeaders(
  response: UpstreamResponse,
  adapter: IdentityProviderAdapter,
  token: string,
  noBody: boolean,
  routes: () => readonly LinkRoute[],
): Record<string, string | string[]> {
  const headers = pickResponseHeaders(response.headers, { bodyUnchanged: noBody });
  const link = response.headers.link;
  if (link !== undefined) {
    const rewritten = rewriteLinkHeader(
      Array.isArray(link) ? link.join(', ') : link,
      routes(),
      adapter.reservedQueryParams,
    );
    if (rewritten === undefined) delete headers.link;
    else headers.link = rewritten;
  }
  dropHeadersHoldingSecrets(headers, [token]);
  return headers;
}

/**
 * The IdP body decoded as its `content-encoding` says; a coding the service does not decode is
 * `idp_unavailable` before any byte is read (the body is discarded).
 */
export function decodedBody(
  response: UpstreamResponse,
  adapter: IdentityProviderAdapter,
  caller: ProxyCaller,
): { body: Readable; decoding: boolean } {
  const coding = parseContentCoding(response.headers['content-encoding']);
  if (coding === undefined) {
    discard(response.body);
    logger.warn(
      { provider: adapter.key, requestId: caller.requestId },
      'IdP answered with a content coding the service does not decode',
    );
    throw new ApiProblem(
      'idp_unavailable',
      `${adapter.key} answered with a content coding the service does not decode.`,
    );
  }
  const decoder = createDecoder(coding);
  if (decoder === undefined) return { body: response.body, decoding: false };
  // Errors reach the decoder's reader (readSmall, or the redacting pipeline); nothing to add here.
  return { body: pipeline(response.body, decoder, () => undefined), decoding: true };
}

/**
 * `readSmall`, with an answer that breaks off before its end (headers sent, then the connection
 * lost, or no byte for UPSTREAM_TIMEOUT_MS) turned into the problem it is for the caller.
 */
export async function readBody(
  body: Readable,
  adapter: IdentityProviderAdapter,
  caller: ProxyCaller,
  limit: number,
): Promise<Buffer | Readable> {
  try {
    return await readSmall(body, limit);
  } catch (error) {
    // The caller went away: nobody to answer, nothing the IdP did wrong.
    if (caller.signal?.aborted === true) throw error;
    logger.warn(
      { err: (error as Error).message, provider: adapter.key, requestId: caller.requestId },
      'IdP body failed',
    );
    throw isBodyTimeout(error)
      ? new ApiProblem('upstream_timeout', `${adapter.key} stopped sending its answer before the end.`)
      : new ApiProblem('idp_unavailable', `${adapter.key} broke off its answer before the end.`);
  }
}

/**
 * Where the service's links lead, first match wins: the root the call went to, in the route form
 * the caller used; then the provider's default root (`api/`); then each allowed host (`hosts/{host}/`).
 */
function linkRoutes(
  adapter: IdentityProviderAdapter,
  routeBase: string | undefined,
  host: string | undefined,
): LinkRoute[] {
  if (routeBase === undefined) return [];
  const api = { baseUrl: adapter.apiBaseUrl, routePrefix: `${routeBase}api/` };
  const hosts = adapter.hosts.list();
  const used = hosts.findIndex((root) => root.host === host?.toLowerCase());
  // the host the call went to first, so that its links keep the route form the caller used
  const ordered = used < 0 ? hosts : [hosts[used], ...hosts];
  const viaHosts = ordered.map((root) => ({
    baseUrl: root.baseUrl,
    routePrefix: `${routeBase}hosts/${root.host}/`,
  }));
  return used < 0 ? [api, ...viaHosts] : [viaHosts[0], api, ...viaHosts.slice(1)];
}
