import { Controller, Get, Param, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Caller, CallerGuard, JwtAuthGuard } from '../auth/auth.guards';
import { mayActOn } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { ApiProblems } from '../common/api-problems.decorator';
import { V1_PREFIX, v1RoutePath } from '../common/routes';
import { UserIdPipe } from '../users/user-id.pipe';
import { IdentitiesDto } from './dto/identity.dto';
import { IdentitiesService } from './identities.service';

type AuthedRequest = FastifyRequest & { user: Principal };

@ApiTags('identities')
@ApiBearerAuth()
@ApiOAuth2([])
@UseGuards(JwtAuthGuard, CallerGuard)
@Controller(V1_PREFIX)
export class IdentitiesController {
  constructor(private readonly identities: IdentitiesService) {}

  /** The caller's linked identities: which providers the service can call for them. */
  @Get(v1RoutePath('identities', 'user'))
  @Caller('user')
  @ApiProblems(
    'missing_token',
    'invalid_token',
    'user_token_required',
    'user_not_found',
    'auth0_unavailable',
    'auth0_misconfigured',
    'auth0_rate_limited',
    'upstream_timeout',
  )
  getIdentities(@Req() request: AuthedRequest): Promise<IdentitiesDto> {
    return this.identities.list(request.user.sub, request.id);
  }

  /**
   * A named user's identities, for a client-credentials token with the permission `proxy:users`
   * (every identity) or `proxy:users:<provider>` (that provider's identities only).
   */
  @Get(v1RoutePath('identities', 'service'))
  @Caller('service')
  @ApiProblems(
    'missing_token',
    'invalid_token',
    'insufficient_scope',
    'invalid_request',
    'user_not_found',
    'auth0_unavailable',
    'auth0_misconfigured',
    'auth0_rate_limited',
    'upstream_timeout',
  )
  async getUserIdentities(
    @Param('userId', UserIdPipe) userId: string,
    @Req() request: AuthedRequest,
  ): Promise<IdentitiesDto> {
    const list = await this.identities.list(userId, request.id);
    return { identities: list.identities.filter((i) => mayActOn(request.user, i.provider)) };
  }
}
