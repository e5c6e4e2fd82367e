/**
 * Calls the provider's API for a user with the user's IdP token and shapes the answer for the
 * caller: the path and header policy on the way in; the 401 recovery (re-lookup, refresh or new
 * exchange, then idp_token_rejected); allowed headers, rewritten links, a decompressed body with
 * every occurrence of the token replaced on the way out (idp-answer.ts).
 */
import { Injectable } from '@nestjs/common';
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
import { UpstreamService } from '../upstream/upstream.service';
import type { UpstreamResponse } from '../upstream/upstream.service';
import type { ProxyMethod } from '../common/routes';
import { filterQuery, pickRequestHeaders } from './forwarding-policy';
import { decodedBody, MAX_PROFILE_BYTES, readBody, shapeAnswer } from './idp-answer';
import { checkProxyPath } from './path-policy';

export type { ProxyMethod };

export interface ProxyCaller {
  principal: Principal;
  /** the user the call acts for */
  userId: string;
  provider: string;
  requestId: string;
  /**
   * This service's absolute URL for the provider in the caller's route form, ending in `/`
   * (`https://proxy.example/v1/idp/github/` or `…/v1/users/{userId}/idp/github/`); undefined when
   * the request named no usable host, and then no link or paging URL can be given out. Asked only
   * for an answer with links.
   */
  routeBase(): string | undefined;
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

/** The profile call's result: the normalized profile, or the IdP's own error answer passed through. */
export type ProfileResult =
  { kind: 'profile'; profile: NormalizedProfile } | { kind: 'passed-through'; answer: ProxyAnswer };

const IDEMPOTENT = new Set<ProxyMethod>(['GET', 'HEAD', 'PUT', 'DELETE']);

@Injectable()
export class ProxyService {
  private readonly logger = new ContextLogger('Audit');
  private readonly auditLine = this.logger.fixedLine(
    'info',
    ['audit', 'requestId', 'sub', 'clientId', 'userId', 'provider', 'method', 'route', 'status'],
    'proxied IdP call',
  );

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
    const head = request.method === 'HEAD';
    return shapeAnswer(response, adapter, caller, credential.accessToken, head, request.host);
  }

  /** The normalized profile, or the IdP's own error answer passed through. */
  async profile(caller: ProxyCaller): Promise<ProfileResult> {
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
      const answer = await shapeAnswer(response, adapter, caller, credential.accessToken, false, undefined);
      return { kind: 'passed-through', answer };
    }
    const body = await readBody(
      decodedBody(response, adapter, caller).body,
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
    return { kind: 'profile', profile: adapter.normalizeProfile(json) };
  }

  /** Who (sub, client) called the IdP for whom (user), where and how: one line per proxied call. */
  private audit(
    caller: ProxyCaller,
    adapter: IdentityProviderAdapter,
    method: ProxyMethod,
    status: number,
  ): void {
    if (!this.logger.enabled('info')) return;
    this.auditLine({
      audit: true,
      requestId: caller.requestId,
      sub: caller.principal.sub,
      clientId: caller.principal.clientId,
      userId: caller.userId,
      provider: adapter.key,
      method,
      route: caller.route,
      status,
    });
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
}
