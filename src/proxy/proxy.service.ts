/**
 * Calls the provider's API for a user with the user's IdP token and shapes the answer for the
 * caller: the path and header policy on the way in; the 401 recovery (re-lookup, refresh or new
 * exchange, then idp_token_rejected); allowed headers, rewritten links, a decompressed body with
 * every occurrence of the token replaced on the way out.
 */
import { Injectable } from '@nestjs/common';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import type { Principal } from '../auth/principal';
import { ApiProblem } from '../common/problem';
import type {
  IdentityProviderAdapter,
  NormalizedProfile,
} from '../identity-providers/identity-provider.adapter';
import { IdentityProviderRegistry } from '../identity-providers/identity-provider.registry';
import type { IdpCredential, TokenContext } from '../idp-tokens/idp-token-source';
import { IdpTokensService } from '../idp-tokens/idp-tokens.service';
import { ContextLogger } from '../logging/context-logger';
import type { CallerSignal } from '../upstream/cancellation';
import { discard } from '../upstream/discard';
import { readSmall } from '../upstream/read-body';
import { isBodyTimeout } from '../upstream/upstream.errors';
import { UpstreamService } from '../upstream/upstream.service';
import type { UpstreamResponse } from '../upstream/upstream.service';
import { createDecoder, parseContentCoding } from './content-coding';
import {
  dropHeadersHoldingSecrets,
  filterQuery,
  pickRequestHeaders,
  pickResponseHeaders,
  rewriteLinkHeader,
} from './forwarding-policy';
import type { LinkRoute } from './forwarding-policy';
import { rewriteJsonPaging } from './paging-rewrite';
import { checkProxyPath } from './path-policy';
import { createRedactor, redactBuffer } from './redact-stream';

export type ProxyMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ProxyCaller {
  principal: Principal;
  /** the user the call acts for */
  userId: string;
  provider: string;
  requestId: string;
  /**
   * This service's absolute URL for the provider in the caller's route form, ending in `/`
   * (`https://proxy.example/v1/idp/github/` or `…/v1/users/{userId}/idp/github/`); undefined when
   * the request named no usable host, and then no link or paging URL can be given out.
   */
  routeBase: string | undefined;
  /** the route pattern that serves the call (`/v1/idp/:provider/api/*`), for the audit line */
  route?: string;
  signal?: CallerSignal;
}

export interface ProxyRequest {
  method: ProxyMethod;
  /** `/hosts/{host}/`: an allowed host of the provider; undefined: its default root (`/api/`) */
  host?: string;
  /** the raw path after `/api/`, still percent-encoded */
  rawPath: string;
  /** the raw query string without `?` */
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  body?: Buffer;
}

export interface ProxyAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  /** a Buffer for small bodies, a stream for large or compressed ones, undefined for none */
  body: Buffer | Readable | undefined;
}

const IDEMPOTENT = new Set<ProxyMethod>(['GET', 'HEAD', 'PUT', 'DELETE']);
/**
 * Uncompressed bodies that end within this size are read whole: a Buffer costs far less to redact
 * and send than a stream (measured: ~150 µs per request less for a chunked 1 KB answer). A longer
 * one streams on from where reading stopped.
 */
const SMALL_BODY_BYTES = 64 * 1024;
const MAX_PROFILE_BYTES = 1024 * 1024;
/**
 * A JSON answer whose paging URLs are rewritten (Graph's) is read whole up to this size; a longer
 * one streams as any other, its URLs redacted but not rewritten.
 */
const MAX_PAGED_BODY_BYTES = 1024 * 1024;

@Injectable()
export class ProxyService {
  private readonly logger = new ContextLogger('Audit');

  constructor(
    private readonly registry: IdentityProviderRegistry,
    private readonly tokens: IdpTokensService,
    private readonly upstream: UpstreamService,
  ) {}

  async forward(caller: ProxyCaller, request: ProxyRequest): Promise<ProxyAnswer> {
    const checked = checkProxyPath(request.rawPath);
    if (!checked.ok) throw new ApiProblem('invalid_path', `The API path is not accepted: ${checked.reason}`);
    const adapter = this.registry.get(caller.provider);
    const baseUrl = request.host === undefined ? adapter.apiBaseUrl : adapter.hosts.baseUrl(request.host);
    if (baseUrl === undefined) {
      throw new ApiProblem(
        'unknown_api_host',
        `'${request.host?.slice(0, 100)}' is not an API host of ${adapter.key}; allowed: ${adapter.hosts
          .list()
          .map((root) => root.host)
          .join(', ')}.`,
      );
    }
    const headers = {
      ...adapter.defaultHeaders(),
      ...pickRequestHeaders(request.headers, adapter.extraRequestHeaders),
    };
    const query = filterQuery(request.rawQuery, adapter.reservedQueryParams);
    const { response, credential } = await this.call(caller, adapter, {
      method: request.method,
      baseUrl,
      path: checked.path,
      query,
      headers,
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body,
    });
    this.audit(caller, adapter, request.method, response.status);
    const routes = linkRoutes(adapter, caller.routeBase, request.host);
    return this.answer(response, adapter, caller, credential.accessToken, request.method === 'HEAD', routes);
  }

  /** The normalized profile, or the IdP's own error answer passed through. */
  async profile(caller: ProxyCaller): Promise<NormalizedProfile | ProxyAnswer> {
    const adapter = this.registry.get(caller.provider);
    const { response, credential } = await this.call(caller, adapter, {
      method: 'GET',
      baseUrl: adapter.apiBaseUrl,
      path: adapter.profileRequest.path,
      query: adapter.profileRequest.query,
      headers: { ...adapter.defaultHeaders(), accept: 'application/json' },
      purpose: 'profile',
    });
    this.audit(caller, adapter, 'GET', response.status);
    if (response.status !== 200) {
      const routes = linkRoutes(adapter, caller.routeBase, undefined);
      return this.answer(response, adapter, caller, credential.accessToken, false, routes);
    }
    const body = await this.readBody(
      this.decodedBody(response, adapter, caller).body,
      adapter,
      caller,
      MAX_PROFILE_BYTES,
    );
    if (!Buffer.isBuffer(body)) {
      body.destroy();
      throw new ApiProblem(
        'idp_unavailable',
        'The identity provider answered with a larger body than expected.',
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new ApiProblem(
        'idp_unavailable',
        `${adapter.key} answered the profile call with a body that is not JSON.`,
      );
    }
    return adapter.normalizeProfile(json);
  }

  /** Who (sub, client) called the IdP for whom (user), where and how: one line per proxied call. */
  private audit(
    caller: ProxyCaller,
    adapter: IdentityProviderAdapter,
    method: ProxyMethod,
    status: number,
  ): void {
    if (!this.logger.enabled('info')) return;
    this.logger.info(
      {
        audit: true,
        requestId: caller.requestId,
        sub: caller.principal.sub,
        clientId: caller.principal.clientId,
        userId: caller.userId,
        provider: adapter.key,
        method,
        route: caller.route,
        status,
      },
      'proxied IdP call',
    );
  }

  /** One IdP call with the 401 recovery: each recovery step at most once, then idp_token_rejected. */
  private async call(
    caller: ProxyCaller,
    adapter: IdentityProviderAdapter,
    call: {
      method: ProxyMethod;
      /** the upstream root, no trailing slash */
      baseUrl: string;
      path: string;
      query: string;
      headers: Record<string, string>;
      body?: Buffer;
      purpose?: TokenContext['purpose'];
    },
  ): Promise<{ response: UpstreamResponse; credential: IdpCredential }> {
    const ctx: TokenContext = {
      principal: caller.principal,
      userId: caller.userId,
      adapter,
      requestId: caller.requestId,
      purpose: call.purpose,
    };
    let token = await this.tokens.resolve(ctx);
    for (;;) {
      const { credential } = token;
      const query = adapter.signQuery(call.query, credential.accessToken);
      const response = await this.upstream.request({
        target: 'idp',
        method: call.method,
        url: `${call.baseUrl}/${call.path}${query === '' ? '' : `?${query}`}`,
        headers: { ...call.headers, authorization: `Bearer ${credential.accessToken}` },
        body: call.body,
        retry: IDEMPOTENT.has(call.method) ? 'idempotent' : 'none',
        requestId: caller.requestId,
        signal: caller.signal,
      });
      if (response.status !== 401) return { response, credential };
      discard(response.body);
      // The next token worth trying; idp_token_rejected when none is left.
      token = await token.retry();
    }
  }

  private async answer(
    response: UpstreamResponse,
    adapter: IdentityProviderAdapter,
    caller: ProxyCaller,
    token: string,
    head: boolean,
    routes: readonly LinkRoute[],
  ): Promise<ProxyAnswer> {
    const length = Number(response.headers['content-length'] ?? Number.NaN);
    const noBody = head || response.status === 204 || response.status === 304;
    const headers = pickResponseHeaders(response.headers, { bodyUnchanged: noBody });
    const link = response.headers.link;
    if (link !== undefined) {
      const rewritten = rewriteLinkHeader(
        Array.isArray(link) ? link.join(', ') : link,
        routes,
        adapter.reservedQueryParams,
      );
      if (rewritten === undefined) delete headers.link;
      else headers.link = rewritten;
    }
    dropHeadersHoldingSecrets(headers, [token]);
    if (noBody) {
      discard(response.body);
      return { status: response.status, headers, body: undefined };
    }
    const decoded = this.decodedBody(response, adapter, caller);
    let source = decoded.body;
    // Paging URLs in a JSON answer can only be rewritten in a body read whole: up to a bound.
    const paged = adapter.pagingInJsonBody && /\bjson\b/i.test(String(response.headers['content-type']));
    const wholeLimit = paged ? MAX_PAGED_BODY_BYTES : SMALL_BODY_BYTES;
    // A known long identity body streams at once; anything else is read whole when small, so a
    // body that fails to decode is still a 502 before any header went out.
    if (decoded.decoding || !(length > wholeLimit)) {
      const read = await this.readBody(source, adapter, caller, wholeLimit);
      if (Buffer.isBuffer(read)) {
        const body = paged ? rewriteJsonPaging(read, routes, adapter.reservedQueryParams) : read;
        return { status: response.status, headers, body: redactBuffer(body, [token]) };
      }
      source = read;
    }
    const onError = (error?: Error | null): void => {
      if (error)
        this.logger.warn(
          { err: error.message, provider: adapter.key, requestId: caller.requestId },
          'IdP body stream failed',
        );
    };
    return { status: response.status, headers, body: pipeline(source, createRedactor([token]), onError) };
  }

  /**
   * The IdP body decoded as its `content-encoding` says; a coding the service does not decode is
   * `idp_unavailable` before any byte is read (the body is discarded).
   */
  private decodedBody(
    response: UpstreamResponse,
    adapter: IdentityProviderAdapter,
    caller: ProxyCaller,
  ): { body: Readable; decoding: boolean } {
    const coding = parseContentCoding(response.headers['content-encoding']);
    if (coding === undefined) {
      discard(response.body);
      this.logger.warn(
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
  private async readBody(
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
      this.logger.warn(
        { err: (error as Error).message, provider: adapter.key, requestId: caller.requestId },
        'IdP body failed',
      );
      throw isBodyTimeout(error)
        ? new ApiProblem('upstream_timeout', `${adapter.key} stopped sending its answer before the end.`)
        : new ApiProblem('idp_unavailable', `${adapter.key} broke off its answer before the end.`);
    }
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
