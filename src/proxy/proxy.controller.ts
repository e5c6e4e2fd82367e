import { Controller, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CallerGuard, JwtAuthGuard } from '../auth/auth.guards';
import type { Principal } from '../auth/principal';
import { publicBaseUrl } from '../common/public-url';
import { V1_PREFIX } from '../common/routes';
import type { ProxyMethod } from '../common/routes';
import { AppConfig } from '../config/app-config';
import type { Cancellation } from '../upstream/cancellation';
import { ProxyRoutes } from './proxy-route.decorator';
import type { ProxyHandlerArgs, ProxyHandlers } from './proxy-route.decorator';
import { ProxyService } from './proxy.service';
import type { ProxyAnswer, ProxyCaller } from './proxy.service';

type AuthedRequest = FastifyRequest & { user: Principal; params: { provider?: string; host?: string } };

/**
 * Routes of the proxy: the profile and the provider's API for the caller (`/v1/idp/...`) or, for
 * service callers with `proxy:users` (or `proxy:users:{provider}`), for a named user
 * (`/v1/users/{userId}/idp/...`); the API at the provider's default root (`/api/{path}`) or at
 * another of its allowed hosts (`/hosts/{host}/{path}`). `ProxyRoutes` registers the handlers.
 */
@ApiTags('idp')
@ApiBearerAuth()
@ApiOAuth2([])
@UseGuards(JwtAuthGuard, CallerGuard)
@Controller(V1_PREFIX)
@ProxyRoutes()
export class ProxyController implements ProxyHandlers {
  constructor(
    private readonly proxy: ProxyService,
    private readonly config: AppConfig,
  ) {}

  /** The user's profile at the provider, normalized; or the provider's own error answer. */
  async profile(...[userId, , gone, request, reply]: ProxyHandlerArgs): Promise<void> {
    const result = await this.proxy.profile(this.caller(userId, gone, request as AuthedRequest));
    if (result.kind === 'passed-through') return send(reply, result.answer);
    void reply
      .status(200)
      .header('content-type', 'application/json; charset=utf-8')
      .send(JSON.stringify(result.profile));
  }

  /** A call of the provider's API, its answer passed on. */
  async forward(
    method: ProxyMethod,
    ...[userId, target, gone, request, reply]: ProxyHandlerArgs
  ): Promise<void> {
    const req = request as AuthedRequest;
    const answer = await this.proxy.forward(this.caller(userId, gone, req), {
      method,
      host: req.params.host,
      rawPath: target.path,
      rawQuery: target.query,
      headers: req.headers,
      body: Buffer.isBuffer(req.body) ? req.body : undefined,
    });
    send(reply, answer);
  }

  /** Who calls for whom, and the service's own absolute URL for the caller's route form. */
  private caller(userId: string | undefined, gone: Cancellation, req: AuthedRequest): ProxyCaller {
    const provider = req.params.provider ?? '';
    const routeBase = (): string | undefined => {
      const base = publicBaseUrl(this.config, req.headers);
      const form = userId === undefined ? '/v1/' : `/v1/users/${encodeURIComponent(userId)}/`;
      return base === undefined ? undefined : `${base}${form}idp/${encodeURIComponent(provider)}/`;
    };
    return {
      principal: req.user,
      userId: userId ?? req.user.sub,
      provider,
      requestId: req.id,
      routeBase,
      route: req.routeOptions.url,
      signal: gone,
    };
  }
}

function send(reply: FastifyReply, answer: ProxyAnswer): void {
  void reply.status(answer.status).headers(answer.headers).send(answer.body);
}
