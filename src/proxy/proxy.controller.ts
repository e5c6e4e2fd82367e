import { Controller, Get, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Caller, CallerGuard, JwtAuthGuard } from '../auth/auth.guards';
import type { Principal } from '../auth/principal';
import { ApiProblems } from '../common/api-problems.decorator';
import { ApiProblem } from '../common/problem';
import { publicBaseUrl } from '../common/public-url';
import { AppConfig } from '../config/app-config';
import { Cancellation } from '../upstream/cancellation';
import { UsersService } from '../users/users.service';
import { ProfileDto } from './dto/profile.dto';
import {
  CALLER_PROBLEMS,
  PROFILE_PROBLEMS,
  ProxyRoute,
  providerParam,
  userParam,
} from './proxy-route.decorator';
import { ProxyService } from './proxy.service';
import type { ProxyAnswer, ProxyCaller, ProxyMethod } from './proxy.service';

type AuthedRequest = FastifyRequest & {
  user: Principal;
  params: { provider?: string; userId?: string; host?: string };
};

/** The raw request line of a proxied call: the path after `/api/` or `/hosts/{host}/`, and the query. */
const PROXIED_PATH = /^\/v1\/(?:users\/[^/]+\/)?idp\/[^/]+\/(?:api|hosts\/[^/?]*)\/([^?]*)(?:\?(.*))?$/s;

/**
 * Routes of the proxy: the profile and the provider's API for the caller (`/v1/idp/...`) or, for
 * service callers with `proxy:users` (or `proxy:users:{provider}`), for a named user (`/v1/users/{userId}/idp/...`); the API at
 * the provider's default root (`/api/{path}`) or at another of its allowed hosts
 * (`/hosts/{host}/{path}`).
 */
@ApiTags('idp')
@ApiBearerAuth()
@ApiOAuth2([])
@UseGuards(JwtAuthGuard, CallerGuard)
@Controller('v1')
export class ProxyController {
  constructor(
    private readonly proxy: ProxyService,
    private readonly config: AppConfig,
  ) {}

  /** The caller's profile at the provider, normalized. */
  @Get('idp/:provider/profile')
  @Caller('user')
  @providerParam
  @ApiOkResponse({ type: ProfileDto })
  @ApiProblems(...PROFILE_PROBLEMS, ...CALLER_PROBLEMS.user)
  async getProfile(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.sendProfile(req, reply);
  }

  /** A named user's profile at the provider, normalized (service callers with `proxy:users` or `proxy:users:{provider}`). */
  @Get('users/:userId/idp/:provider/profile')
  @Caller('service')
  @userParam
  @providerParam
  @ApiOkResponse({ type: ProfileDto })
  @ApiProblems(...PROFILE_PROBLEMS, ...CALLER_PROBLEMS.service)
  async getUserProfile(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.sendProfile(req, reply);
  }

  @ProxyRoute('GET', 'api', 'user')
  proxyGet(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('GET', req, reply);
  }

  @ProxyRoute('HEAD', 'api', 'user')
  proxyHead(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('HEAD', req, reply);
  }

  @ProxyRoute('POST', 'api', 'user')
  proxyPost(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('POST', req, reply);
  }

  @ProxyRoute('PUT', 'api', 'user')
  proxyPut(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('PUT', req, reply);
  }

  @ProxyRoute('PATCH', 'api', 'user')
  proxyPatch(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('PATCH', req, reply);
  }

  @ProxyRoute('DELETE', 'api', 'user')
  proxyDelete(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('DELETE', req, reply);
  }

  @ProxyRoute('GET', 'api', 'service')
  userProxyGet(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('GET', req, reply);
  }

  @ProxyRoute('HEAD', 'api', 'service')
  userProxyHead(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('HEAD', req, reply);
  }

  @ProxyRoute('POST', 'api', 'service')
  userProxyPost(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('POST', req, reply);
  }

  @ProxyRoute('PUT', 'api', 'service')
  userProxyPut(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('PUT', req, reply);
  }

  @ProxyRoute('PATCH', 'api', 'service')
  userProxyPatch(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('PATCH', req, reply);
  }

  @ProxyRoute('DELETE', 'api', 'service')
  userProxyDelete(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('DELETE', req, reply);
  }

  @ProxyRoute('GET', 'hosts', 'user')
  hostProxyGet(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('GET', req, reply);
  }

  @ProxyRoute('HEAD', 'hosts', 'user')
  hostProxyHead(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('HEAD', req, reply);
  }

  @ProxyRoute('POST', 'hosts', 'user')
  hostProxyPost(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('POST', req, reply);
  }

  @ProxyRoute('PUT', 'hosts', 'user')
  hostProxyPut(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('PUT', req, reply);
  }

  @ProxyRoute('PATCH', 'hosts', 'user')
  hostProxyPatch(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('PATCH', req, reply);
  }

  @ProxyRoute('DELETE', 'hosts', 'user')
  hostProxyDelete(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('DELETE', req, reply);
  }

  @ProxyRoute('GET', 'hosts', 'service')
  userHostProxyGet(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('GET', req, reply);
  }

  @ProxyRoute('HEAD', 'hosts', 'service')
  userHostProxyHead(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('HEAD', req, reply);
  }

  @ProxyRoute('POST', 'hosts', 'service')
  userHostProxyPost(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('POST', req, reply);
  }

  @ProxyRoute('PUT', 'hosts', 'service')
  userHostProxyPut(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('PUT', req, reply);
  }

  @ProxyRoute('PATCH', 'hosts', 'service')
  userHostProxyPatch(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('PATCH', req, reply);
  }

  @ProxyRoute('DELETE', 'hosts', 'service')
  userHostProxyDelete(@Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('DELETE', req, reply);
  }

  private async forward(method: ProxyMethod, req: AuthedRequest, reply: FastifyReply): Promise<void> {
    // The path is checked on the raw request line, never on the router's decoded parameter.
    const [, rawPath = '', rawQuery = ''] = PROXIED_PATH.exec(req.raw.url ?? '') ?? [];
    const answer = await this.proxy.forward(this.caller(req, reply), {
      method,
      host: req.params.host,
      rawPath,
      rawQuery,
      headers: req.headers,
      body: Buffer.isBuffer(req.body) ? req.body : undefined,
    });
    send(reply, answer);
  }

  private async sendProfile(req: AuthedRequest, reply: FastifyReply): Promise<void> {
    const result = await this.proxy.profile(this.caller(req, reply));
    if ('status' in result && 'body' in result) send(reply, result);
    else
      void reply
        .status(200)
        .header('content-type', 'application/json; charset=utf-8')
        .send(JSON.stringify(result));
  }

  /** Who calls for whom, and the service's own absolute URL for the caller's route form. */
  private caller(req: AuthedRequest, reply: FastifyReply): ProxyCaller {
    const provider = req.params.provider ?? '';
    const userId = req.params.userId;
    if (userId !== undefined) UsersService.checkUserId(userId);
    // The router ends the path at a raw '#', and a URL parser would drop all after it (and with it
    // a query parameter the service appends, such as Facebook's appsecret_proof).
    if (req.raw.url?.includes('#') === true)
      throw new ApiProblem(
        'invalid_path',
        "The request target must not contain a raw '#'; encode it as %23.",
      );
    // A caller that goes away mid-call aborts the upstream call too.
    const gone = new Cancellation();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
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
