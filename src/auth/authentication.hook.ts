/**
 * Authentication before the body is read: a Fastify `onRequest` hook, on every route that takes a
 * token, answers 401/403 while the request body is still unread (Nest guards run only after the
 * body was parsed, so a caller without a token could otherwise hold a connection open by
 * announcing a large body and sending it slowly). The guards read the caller the hook found.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiProblem } from '../common/problem';
import { sendProblem } from '../common/problem.filter';
import { callerKindOf, callerProblem, providerOf } from './auth.guards';
import type { Authenticator } from './authenticator';
import type { Principal } from './principal';

export function registerAuthentication(fastify: FastifyInstance, authenticator: Authenticator): void {
  fastify.addHook(
    'onRequest',
    (request: FastifyRequest & { user?: Principal }, reply: FastifyReply, done: (err?: Error) => void) => {
      const kind = callerKindOf(request);
      if (kind === undefined) return done();
      const admit = (principal: Principal): void => {
        const problem = callerProblem(kind, principal, providerOf(request));
        if (problem !== undefined) return refuse(request, reply, problem);
        request.user = principal;
        done();
      };
      const fail = (error: unknown): void => {
        if (error instanceof ApiProblem) refuse(request, reply, error);
        else done(error instanceof Error ? error : new Error(String(error)));
      };
      // A token seen before is answered from memory without a promise (most requests).
      let known: Principal | undefined;
      try {
        known = authenticator.known(request);
      } catch (error) {
        return fail(error);
      }
      if (known !== undefined) return admit(known);
      authenticator.authenticate(request).then(admit, fail);
    },
  );
}

function refuse(request: FastifyRequest, reply: FastifyReply, problem: ApiProblem): void {
  // The announced body is never read: the connection cannot carry another request.
  if (announcesBody(request)) reply.header('connection', 'close');
  sendProblem(reply, problem);
}

function announcesBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}
