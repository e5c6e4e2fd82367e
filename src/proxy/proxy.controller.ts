import { Controller, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CallerGuard, JwtAuthGuard } from '../auth/auth.guards';
import type { Principal } from '../auth/principal';
import { publicBaseUrl } from '../common/public-url';
import { V1_PREFIX } from '../common/routes';
import type { ProxyMethod } from '../common/routes';
import { AppConfig } from '../config/app-config';
import { Cancellation } from '../upstream/cancellation';
import { CallerGone, RawTarget } from './proxy-params';
import type { RawTargetValue } from './proxy-params';
import { ProfileRoute, ProxyApiRoutes, UserId } from './proxy-route.decorator';
import type { ProxyForwarder, ProxyHandlerArgs } from './proxy-route.decorator';
import { ProxyService } from './proxy.service';
import type { ProxyAnswer, ProxyCaller } from './proxy.service';

type AuthedRequest = FastifyRequest & { user: Principal; params: { provider?: string; host?: string } };

/**
 * Routes of the proxy: the profile and the provider's API for the caller (`/v1/idp/...`) or, for
 * service callers with `proxy:users` (or `proxy:users:{provider}`), for a named user
 * (`/v1/users/{userId}/idp/...`); the API routes (one per form, caller kind and method) are
 * registered by `ProxyApiRoutes` and all served by `forward`.
 */
@ApiTags('idp')
@ApiBearerAuth()
@ApiOAuth2([])
@UseGuards(JwtAuthGuard, CallerGuard)
@Controller(V1_PREFIX)
@ProxyApiRoutes()
export class ProxyController implements ProxyForwarder {
  constructor(
    private readonly proxy: ProxyService,
    private readonly config: AppConfig,
  ) {}

  /** The caller's profile at the provider, normalized. */
  @ProfileRoute('user')
  getProfile(
    @RawTarget() _target: RawTargetValue,
    @CallerGone() gone: Cancellation,
    @Req() req: AuthedRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.sendProfile(undefined, gone, req, reply);
  }

  /** A named user's profile at the provider, normalized (service callers with `proxy:users` or `proxy:users:{provider}`). */
  @ProfileRoute('service')
  getUserProfile(
    @UserId() userId: string,
    @RawTarget() _target: RawTargetValue,
    @CallerGone() gone: Cancellation,
    @Req() req: AuthedRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.sendProfile(userId, gone, req, reply);
  }

  async forward(method: ProxyMethod, ...[userId, target, gone, req, reply]: ProxyHandlerArgs): Promise<void> {
    const request = req as AuthedRequest;
    const answer = await this.proxy.forward(this.caller(userId, gone, request), {
      method,
      host: request.params.host,
      rawPath: target.path,
      rawQuery: target.query,
      headers: request.headers,
      body: Buffer.isBuffer(request.body) ? request.body : undefined,
    });
    send(reply, answer);
  }

  private async sendProfile(
    userId: string | undefined,
    gone: Cancellation,
    req: AuthedRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const result = await this.proxy.profile(this.caller(userId, gone, req));
    if (result.kind === 'passed-through') return send(reply, result.answer);
    void reply
      .status(200)
      .header('content-type', 'application/json; charset=utf-8')
      .send(JSON.stringify(result.profile));
  }

  /** Who calls for whom, and the service's own absolute URL for the caller's route form. */
  private caller(userId: string | undefined, gone: Cancellation, req: AuthedRequest): ProxyCaller {
    const provider = req.params.provider ?? '';
    const form = userId === undefined ? '/v1/' : `/v1/users/${encodeURIComponent(userId)}/`;
    const base = publicBaseUrl(this.config, req.headers);
    return {
      principal: req.user,
      userId: userId ?? req.user.sub,
      provider,
      requestId: req.id,
      routeBase: base === undefined ? undefined : `${base}${form}idp/${encodeURIComponent(provider)}/`,
      route: req.routeOptions.url,
      signal: gone,
    };
  }
}

function send(reply: FastifyReply, answer: ProxyAnswer): void {
  void reply.status(answer.status).headers(answer.headers).send(answer.body);
}
