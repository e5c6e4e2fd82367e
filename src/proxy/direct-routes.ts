/**
 * The proxy's routes served straight by Fastify. Nest declares them: their paths and methods, the
 * module wiring and the OpenAPI document all come from ProxyController and `@ProxyRoutes()`. But a
 * request on them skips Nest's per-request pipeline (execution context, two guards, five parameter
 * factories and a pipe, the exception zone), which cost several µs of every proxied call:
 * - the guards' work is done before: the authentication hook (auth/authentication.hook.ts) runs
 *   on every route with a caller kind, sets the caller and answers 401/403 with the same check
 *   (`callerProblem`) as CallerGuard;
 * - the parameters come from the same functions as the parameter decorators (proxy-params.ts);
 * - errors become answers through the same `toProblem` as the exception filter.
 *
 * A Nest app built without `serveProxyRoutesDirectly` serves the same routes through Nest,
 * guards included: a route is never open.
 */
import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem, toProblem } from '../common/problem.filter';
import type { ProxyMethod } from '../common/routes';
import { callerGoneOf, rawTargetOf } from './proxy-params';
import type { ProxyHandlerArgs, ProxyHandlers } from './proxy-route.decorator';

/** A proxy route's entry in its Fastify route config: which handler serves it. */
export type DirectRoute = { handler: 'profile' } | { handler: 'forward'; method: ProxyMethod };

/** The key of {@link DirectRoute} in a route's Fastify config (set by `@ProxyRoutes()`). */
export const DIRECT_ROUTE_CONFIG = 'directRoute';

/**
 * Serves every route whose config names a {@link DirectRoute} with `handlers`, from now on (call it
 * before the app registers its routes). Needs the authentication hook: it gives the caller.
 */
export function serveProxyRoutesDirectly(fastify: FastifyInstance, handlers: ProxyHandlers): void {
  const logger = new Logger('ProblemFilter');
  fastify.addHook('onRoute', (route) => {
    const config = route.config as Record<string, unknown> | undefined;
    const direct = config?.[DIRECT_ROUTE_CONFIG] as DirectRoute | undefined;
    if (direct === undefined) return;
    route.handler = (request: FastifyRequest, reply: FastifyReply): void => {
      // As Nest's adapter does: a named parameter matched empty (`/v1/idp//api/x`) is not this route.
      if (hasEmptyParam(request.params)) return void reply.callNotFound();
      serve(handlers, direct, request, reply).catch((error: unknown) =>
        sendProblem(reply, toProblem(error, request, logger)),
      );
    };
  });
}

async function serve(
  handlers: ProxyHandlers,
  direct: DirectRoute,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const { userId } = request.params as { userId?: string };
  const args: ProxyHandlerArgs = [userId, rawTargetOf(request), callerGoneOf(reply), request, reply];
  return direct.handler === 'profile' ? handlers.profile(...args) : handlers.forward(direct.method, ...args);
}

function hasEmptyParam(params: unknown): boolean {
  const named = params as Record<string, string>;
  for (const name in named) if (named[name] === '' && name !== '*') return true;
  return false;
}
