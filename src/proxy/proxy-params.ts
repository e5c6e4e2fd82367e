/**
 * Handler parameters of the proxy's routes: the raw request target of a proxied call, and the
 * caller's cancellation.
 */
import { createParamDecorator } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiProblem } from '../common/problem';
import { parseRawTarget } from '../common/routes';
import type { RawTarget as RawTargetValue } from '../common/routes';
import { Cancellation } from '../upstream/cancellation';
import { UsersService } from '../users/users.service';

export type { RawTargetValue };

/**
 * The path after `/api/` or `/hosts/{host}/` (still percent-encoded) and the query, read from the raw
 * request line: the path is checked there, never on the router's decoded parameter. A raw `#` is
 * `invalid_path`: the router ends the path there, and a URL parser would drop all after it (and with
 * it a query parameter the service appends, such as Facebook's appsecret_proof). On a route with no
 * provider path (the profile) the target is empty, and only the `#` check applies.
 */
export const RawTarget = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  rawTargetOf(context.switchToHttp().getRequest<FastifyRequest>()),
);

/** Aborted when the caller's connection closes before the answer finished: the upstream call stops too. */
export const CallerGone = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  callerGoneOf(context.switchToHttp().getResponse<FastifyReply>()),
);

/** {@link RawTarget}'s value: the request's raw path and query, checked. */
export function rawTargetOf(request: FastifyRequest): RawTargetValue {
  // A bad user id answers invalid_request before a raw '#' does; the pipe on the user id runs only
  // after this factory, so the id is checked here first.
  const { userId } = request.params as { userId?: string };
  if (userId !== undefined) UsersService.checkUserId(userId);
  const url = request.raw.url ?? '';
  if (url.includes('#'))
    throw new ApiProblem('invalid_path', "The request target must not contain a raw '#'; encode it as %23.");
  return parseRawTarget(request.routeOptions.url, url);
}

/** {@link CallerGone}'s value: a cancellation aborted when the reply closes unfinished. */
export function callerGoneOf(reply: FastifyReply): Cancellation {
  const gone = new Cancellation();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return gone;
}
