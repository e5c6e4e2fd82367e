/**
 * Route guards: `JwtAuthGuard` gives the route the authenticated caller (or its 401 answer);
 * `CallerGuard` separates the caller's own routes (user tokens) from the service routes
 * (client-credentials tokens with `proxy:users`, or `proxy:users:<provider>` for that provider's
 * routes only).
 */
import { Injectable, SetMetadata, applyDecorators } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { ApiProblem } from '../common/problem';
import { Authenticator } from './authenticator';
import { mayActOn, PROXY_USERS_PERMISSION, serviceProviders } from './principal';
import type { Principal } from './principal';

export type CallerKind = 'user' | 'service';
const CALLER_KIND = 'idp-proxy:caller-kind';

/**
 * Marks a route as the caller's own (`user`) or a service route (`service`). The kind is also in
 * the Fastify route's config, where the request hook (authentication before the body is read)
 * finds it; `routeConfig` adds to that config (a route has one).
 */
export const Caller = (
  kind: CallerKind,
  routeConfig: Record<string, unknown> = {},
): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(CALLER_KIND, kind), RouteConfig({ ...routeConfig, callerKind: kind }));

/** The route's caller kind as the request hook sees it; undefined for routes without a token. */
export function callerKindOf(request: FastifyRequest): CallerKind | undefined {
  const config = request.routeOptions.config as { callerKind?: CallerKind } | undefined;
  return config?.callerKind;
}

/**
 * Reads the caller the request hook authenticated; when the hook did not run for this request,
 * authenticates here.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly authenticator: Authenticator) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    if (request.user !== undefined) return true;
    return this.authenticator.authenticate(request).then((principal) => {
      request.user = principal;
      return true;
    });
  }
}

/**
 * The 403 a `kind` route gives this principal, or undefined when it may pass. A service route needs
 * a client-credentials token with `proxy:users`, or `proxy:users:<provider>` for the route's
 * provider (a route without a provider takes any of them).
 */
export function callerProblem(
  kind: CallerKind | undefined,
  principal: Principal,
  provider: string | undefined,
): ApiProblem | undefined {
  if (kind === 'user' && principal.isService) {
    return new ApiProblem(
      'user_token_required',
      'This route acts for the signed-in user; a client-credentials token must use /v1/users/{userId}/...',
    );
  }
  if (kind !== 'service') return undefined;
  const providers = serviceProviders(principal);
  const allowed =
    principal.isService &&
    (provider === undefined ? providers === 'any' || providers.size > 0 : mayActOn(principal, provider));
  if (allowed) return undefined;
  const needed =
    provider === undefined
      ? PROXY_USERS_PERMISSION
      : `${PROXY_USERS_PERMISSION} ${PROXY_USERS_PERMISSION}:${provider.slice(0, 40).replace(/[^a-z0-9-]/gi, '')}`;
  return new ApiProblem(
    'insufficient_scope',
    `This route needs a client-credentials token with the permission ${needed.split(' ').join(' or ')}.`,
    { headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${needed}"` } },
  );
}

/** The route's `{provider}`, when it has one. */
export function providerOf(request: FastifyRequest): string | undefined {
  return (request.params as { provider?: string } | undefined)?.provider;
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
    const problem = callerProblem(kind, request.user, providerOf(request));
    if (problem !== undefined) throw problem;
    return true;
  }
}
