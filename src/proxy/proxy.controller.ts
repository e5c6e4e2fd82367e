import { Controller, Delete, Get, Head, Param, Patch, Post, Put, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Caller, CallerGuard, JwtAuthGuard } from '../auth/auth.guards';
import type { Principal } from '../auth/principal';
import { ApiProblems } from '../common/api-problems.decorator';
import { Cancellation } from '../upstream/cancellation';
import { UsersService } from '../users/users.service';
import { ProfileDto } from './dto/profile.dto';
import { ProxyService } from './proxy.service';
import type { ProxyAnswer, ProxyCaller, ProxyMethod } from './proxy.service';

type AuthedRequest = FastifyRequest & { user: Principal };

const API_PATH = /^\/v1\/(?:users\/[^/]+\/)?idp\/[^/]+\/api\/([^?]*)(?:\?(.*))?$/s;

const PROFILE_PROBLEMS = [
  'missing_token',
  'invalid_token',
  'unknown_provider',
  'user_not_found',
  'identity_not_found',
  'idp_token_unavailable',
  'idp_account_not_connected',
  'idp_token_rejected',
  'auth0_unavailable',
  'auth0_misconfigured',
  'idp_unavailable',
  'auth0_rate_limited',
  'upstream_timeout',
] as const;
const API_PROBLEMS = [...PROFILE_PROBLEMS, 'invalid_path', 'payload_too_large'] as const;

const providerParam = ApiParam({ name: 'provider', enum: ['google', 'github', 'facebook'] });
const pathParam = ApiParam({
  name: '*',
  description:
    "The provider API path, e.g. `user/repos`; sent as-is below the provider's API root (checked: no `..`, `//`, encoded slashes, schemes).",
  example: 'user/repos',
});
const userParam = ApiParam({ name: 'userId', description: 'Auth0 user id, URL-encoded (`github%7C2002`).' });

/**
 * Routes of the proxy: the profile and the provider's API for the caller (`/v1/idp/...`) or, for
 * service callers with `proxy:users`, for a named user (`/v1/users/{userId}/idp/...`).
 */
@ApiTags('idp')
@ApiBearerAuth()
@ApiOAuth2([])
@UseGuards(JwtAuthGuard, CallerGuard)
@Controller('v1')
export class ProxyController {
  constructor(private readonly proxy: ProxyService) {}

  /** The caller's profile at the provider, normalized. */
  @Get('idp/:provider/profile')
  @Caller('user')
  @providerParam
  @ApiOkResponse({ type: ProfileDto })
  @ApiProblems(...PROFILE_PROBLEMS, 'user_token_required')
  async profile(
    @Param('provider') provider: string,
    @Req() req: AuthedRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.sendProfile(req, reply, provider, req.user.sub);
  }

  /** A named user's profile at the provider, normalized (service callers with `proxy:users` or `proxy:users:{provider}`). */
  @Get('users/:userId/idp/:provider/profile')
  @Caller('service')
  @userParam
  @providerParam
  @ApiOkResponse({ type: ProfileDto })
  @ApiProblems(...PROFILE_PROBLEMS, 'insufficient_scope', 'invalid_request')
  async userProfile(
    @Param('userId') userId: string,
    @Param('provider') provider: string,
    @Req() req: AuthedRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    UsersService.checkUserId(userId);
    await this.sendProfile(req, reply, provider, userId);
  }

  @Get('idp/:provider/api/*')
  @Caller('user')
  @ApiOperation({ summary: "GET on the provider's API for the caller" })
  @providerParam
  @pathParam
  @ApiOkResponse({ description: "The provider's answer: status, body and safe headers." })
  @ApiProblems(...API_PROBLEMS, 'user_token_required')
  get(@Param('provider') p: string, @Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('GET', req, reply, p, req.user.sub);
  }

  @Head('idp/:provider/api/*')
  @Caller('user')
  @ApiOperation({ summary: "HEAD on the provider's API for the caller" })
  @providerParam
  @pathParam
  @ApiOkResponse({ description: "The provider's status and safe headers." })
  @ApiProblems(...API_PROBLEMS, 'user_token_required')
  head(@Param('provider') p: string, @Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('HEAD', req, reply, p, req.user.sub);
  }

  @Post('idp/:provider/api/*')
  @Caller('user')
  @ApiOperation({
    summary: "POST on the provider's API for the caller (body forwarded as-is, at most 1 MiB)",
  })
  @providerParam
  @pathParam
  @ApiOkResponse({ description: "The provider's answer: status, body and safe headers." })
  @ApiProblems(...API_PROBLEMS, 'user_token_required')
  post(@Param('provider') p: string, @Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('POST', req, reply, p, req.user.sub);
  }

  @Put('idp/:provider/api/*')
  @Caller('user')
  @ApiOperation({ summary: "PUT on the provider's API for the caller (body forwarded as-is, at most 1 MiB)" })
  @providerParam
  @pathParam
  @ApiOkResponse({ description: "The provider's answer: status, body and safe headers." })
  @ApiProblems(...API_PROBLEMS, 'user_token_required')
  put(@Param('provider') p: string, @Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('PUT', req, reply, p, req.user.sub);
  }

  @Patch('idp/:provider/api/*')
  @Caller('user')
  @ApiOperation({
    summary: "PATCH on the provider's API for the caller (body forwarded as-is, at most 1 MiB)",
  })
  @providerParam
  @pathParam
  @ApiOkResponse({ description: "The provider's answer: status, body and safe headers." })
  @ApiProblems(...API_PROBLEMS, 'user_token_required')
  patch(@Param('provider') p: string, @Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('PATCH', req, reply, p, req.user.sub);
  }

  @Delete('idp/:provider/api/*')
  @Caller('user')
  @ApiOperation({ summary: "DELETE on the provider's API for the caller" })
  @providerParam
  @pathParam
  @ApiOkResponse({ description: "The provider's answer: status, body and safe headers." })
  @ApiProblems(...API_PROBLEMS, 'user_token_required')
  delete(@Param('provider') p: string, @Req() req: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forward('DELETE', req, reply, p, req.user.sub);
  }

  @Get('users/:userId/idp/:provider/api/*')
  @Caller('service')
  @ApiOperation({
    summary:
      "GET on the provider's API for a named user (service callers with proxy:users or proxy:users:{provider})",
  })
  @userParam
  @providerParam
  @pathParam
  @ApiOkResponse({ description: "The provider's answer: status, body and safe headers." })
  @ApiProblems(...API_PROBLEMS, 'insufficient_scope', 'invalid_request')
  userGet(
    @Param('userId') u: string,
    @Param('provider') p: string,
    @Req() req: AuthedRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.forwardForUser('GET', req, reply, p, u);
  }

  @Head('users/:userId/idp/:provider/api/*')
  @Caller('service')
  @ApiOperation({
    summary:
      "HEAD on the provider's API for a named user (service callers with proxy:users or proxy:users:{provider})",
  })
  @userParam
  @providerParam
  @pathParam
  @ApiOkResponse({ description: "The provider's status and safe headers." })
  @ApiProblems(...API_PROBLEMS, 'insufficient_scope', 'invalid_request')
  userHead(
    @Param('userId') u: string,
    @Param('provider') p: string,
    @Req() req: AuthedRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.forwardForUser('HEAD', req, reply, p, u);
  }

  @Post('users/:userId/idp/:provider/api/*')
  @Caller('service')
  @ApiOperation({
    summary:
      "POST on the provider's API for a named user (service callers with proxy:users or proxy:users:{provider})",
  })
  @userParam
  @providerParam
  @pathParam
  @ApiOkResponse({ description: "The provider's answer: status, body and safe headers." })
  @ApiProblems(...API_PROBLEMS, 'insufficient_scope', 'invalid_request')
  userPost(
    @Param('userId') u: string,
    @Param('provider') p: string,
    @Req() req: AuthedRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.forwardForUser('POST', req, reply, p, u);
  }

  @Put('users/:userId/idp/:provider/api/*')
  @Caller('service')
  @ApiOperation({
    summary:
      "PUT on the provider's API for a named user (service callers with proxy:users or proxy:users:{provider})",
  })
  @userParam
  @providerParam
  @pathParam
  @ApiOkResponse({ description: "The provider's answer: status, body and safe headers." })
  @ApiProblems(...API_PROBLEMS, 'insufficient_scope', 'invalid_request')
  userPut(
    @Param('userId') u: string,
    @Param('provider') p: string,
    @Req() req: AuthedRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.forwardForUser('PUT', req, reply, p, u);
  }

  @Patch('users/:userId/idp/:provider/api/*')
  @Caller('service')
  @ApiOperation({
    summary:
      "PATCH on the provider's API for a named user (service callers with proxy:users or proxy:users:{provider})",
  })
  @userParam
  @providerParam
  @pathParam
  @ApiOkResponse({ description: "The provider's answer: status, body and safe headers." })
  @ApiProblems(...API_PROBLEMS, 'insufficient_scope', 'invalid_request')
  userPatch(
    @Param('userId') u: string,
    @Param('provider') p: string,
    @Req() req: AuthedRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.forwardForUser('PATCH', req, reply, p, u);
  }

  @Delete('users/:userId/idp/:provider/api/*')
  @Caller('service')
  @ApiOperation({
    summary:
      "DELETE on the provider's API for a named user (service callers with proxy:users or proxy:users:{provider})",
  })
  @userParam
  @providerParam
  @pathParam
  @ApiOkResponse({ description: "The provider's answer: status, body and safe headers." })
  @ApiProblems(...API_PROBLEMS, 'insufficient_scope', 'invalid_request')
  userDelete(
    @Param('userId') u: string,
    @Param('provider') p: string,
    @Req() req: AuthedRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.forwardForUser('DELETE', req, reply, p, u);
  }

  private forwardForUser(
    method: ProxyMethod,
    req: AuthedRequest,
    reply: FastifyReply,
    provider: string,
    userId: string,
  ): Promise<void> {
    UsersService.checkUserId(userId);
    return this.forward(method, req, reply, provider, userId);
  }

  private async forward(
    method: ProxyMethod,
    req: AuthedRequest,
    reply: FastifyReply,
    provider: string,
    userId: string,
  ): Promise<void> {
    // The path is checked on the raw request line, never on the router's decoded parameter.
    const [, rawPath = '', rawQuery = ''] = API_PATH.exec(req.raw.url ?? '') ?? [];
    const answer = await this.proxy.forward(this.caller(req, reply, provider, userId), {
      method,
      rawPath,
      rawQuery,
      headers: req.headers,
      body: Buffer.isBuffer(req.body) ? req.body : undefined,
    });
    send(reply, answer);
  }

  private async sendProfile(
    req: AuthedRequest,
    reply: FastifyReply,
    provider: string,
    userId: string,
  ): Promise<void> {
    const result = await this.proxy.profile(this.caller(req, reply, provider, userId));
    if ('status' in result && 'body' in result) send(reply, result);
    else
      void reply
        .status(200)
        .header('content-type', 'application/json; charset=utf-8')
        .send(JSON.stringify(result));
  }

  private caller(req: AuthedRequest, reply: FastifyReply, provider: string, userId: string): ProxyCaller {
    // A caller that goes away mid-call aborts the upstream call too.
    const gone = new Cancellation();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
    const prefix = req.user.isService ? `/v1/users/${encodeURIComponent(userId)}/` : '/v1/';
    return {
      principal: req.user,
      userId,
      provider,
      requestId: req.id,
      routePrefix: `${prefix}idp/${provider}/api/`,
      route: req.routeOptions.url,
      signal: gone,
    };
  }
}

function send(reply: FastifyReply, answer: ProxyAnswer): void {
  void reply.status(answer.status).headers(answer.headers).send(answer.body);
}
