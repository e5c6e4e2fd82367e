/**
 * Route guards: `JwtAuthGuard` turns passport's verdict into the documented 401 answers;
 * `CallerGuard` separates the caller's own routes (user tokens) from the service routes
 * (client-credentials tokens with `proxy:users`, or `proxy:users:<provider>` for that provider's
 * routes only).
 */
import { Injectable, SetMetadata } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { ApiProblem } from '../common/problem';
import { invalidToken } from './jwt.strategy';
import { mayActOn, PROXY_USERS_PERMISSION, serviceProviders } from './principal';
import { VerifiedTokens } from './verified-tokens';
import type { Principal } from './principal';

export type CallerKind = 'user' | 'service';
const CALLER_KIND = 'idp-proxy:caller-kind';
/** Marks a controller or route as the caller's own (`user`) or a service route (`service`). */
export const Caller = (kind: CallerKind): MethodDecorator & ClassDecorator => SetMetadata(CALLER_KIND, kind);

const EXPIRED = /expired/i;
/** What passport-jwt's fromAuthHeaderAsBearerToken accepts. */
const BEARER = /^bearer\s+(\S+)$/i;

@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  private readonly verified = new VerifiedTokens();

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    const known = token === undefined ? undefined : this.verified.get(token);
    if (known !== undefined) {
      request.user = known;
      return true;
    }
    const allowed = (await super.canActivate(context)) as boolean;
    if (allowed && token !== undefined && request.user !== undefined) this.verified.set(token, request.user);
    return allowed;
  }

  override handleRequest<T = Principal>(
    err: unknown,
    user: unknown,
    info: unknown,
    context: ExecutionContext,
  ): T {
    if (user !== false && user !== undefined && user !== null && err === null) return user as T;
    if (err instanceof ApiProblem) throw err;
    if (info instanceof ApiProblem) throw info;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!/^bearer\s+\S/i.test(request.headers.authorization ?? '')) {
      throw new ApiProblem(
        'missing_token',
        'Send the Auth0 access token in the Authorization header as a Bearer token.',
        {
          headers: { 'www-authenticate': 'Bearer' },
        },
      );
    }
    const message = info instanceof Error ? info.message : '';
    throw invalidToken(EXPIRED.test(message) ? 'The access token has expired.' : undefined);
  }
}

@Injectable()
export class CallerGuard implements CanActivate {
  /** Route metadata never changes after start-up: read once per handler, not per request. */
  private readonly kinds = new WeakMap<object, CallerKind | undefined>();

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let kind = this.kinds.get(handler);
    if (kind === undefined && !this.kinds.has(handler)) {
      kind = this.reflector.getAllAndOverride<CallerKind | undefined>(CALLER_KIND, [
        handler,
        context.getClass(),
      ]);
      this.kinds.set(handler, kind);
    }
    const request = context.switchToHttp().getRequest<FastifyRequest & { user: Principal }>();
    const principal = request.user;
    if (kind === 'user' && principal.isService) {
      throw new ApiProblem(
        'user_token_required',
        'This route acts for the signed-in user; a client-credentials token must use /v1/users/{userId}/...',
      );
    }
    if (kind === 'service') checkServiceCaller(principal, (request.params as { provider?: string }).provider);
    return true;
  }
}

/**
 * A service route needs a client-credentials token with `proxy:users`, or `proxy:users:<provider>`
 * for the route's provider (a route without a provider takes any of them).
 */
function checkServiceCaller(principal: Principal, provider: string | undefined): void {
  const providers = serviceProviders(principal);
  const allowed =
    principal.isService &&
    (provider === undefined ? providers === 'any' || providers.size > 0 : mayActOn(principal, provider));
  if (allowed) return;
  const needed =
    provider === undefined
      ? PROXY_USERS_PERMISSION
      : `${PROXY_USERS_PERMISSION} ${PROXY_USERS_PERMISSION}:${provider.slice(0, 40).replace(/[^a-z0-9-]/gi, '')}`;
  throw new ApiProblem(
    'insufficient_scope',
    `This route needs a client-credentials token with the permission ${needed.split(' ').join(' or ')}.`,
    { headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${needed}"` } },
  );
}
