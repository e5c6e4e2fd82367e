/**
 * Authentication before the body is read: a Fastify `onRequest` hook, on every route that takes a
 * token, answers 401/403 while the request body is still unread (Nest guards run only after the
 * body was parsed, so a caller without a token could otherwise hold a connection open by
 * announcing a large body and sending it slowly). The guards read the caller the hook found.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiProblem } from '../common/problem';
import { sendProblem } from '../common/problem.filter';
import { callerKindOf, callerProblem } from './auth.guards';
import type { Authenticator } from './authenticator';
import type { Principal } from './principal';

export function registerAuthentication(fastify: FastifyInstance, authenticator: Authenticator): void {
  fastify.addHook(
    'onRequest',
    async (request: FastifyRequest & { user?: Principal }, reply: FastifyReply) => {
      const kind = callerKindOf(request);
      if (kind === undefined) return;
      try {
        const principal = await authenticator.authenticate(request);
        const problem = callerProblem(kind, principal);
        if (problem !== undefined) throw problem;
        request.user = principal;
      } catch (error) {
        if (!(error instanceof ApiProblem)) throw error;
        // The announced body is never read: the connection cannot carry another request.
        if (announcesBody(request)) reply.header('connection', 'close');
        sendProblem(reply, error);
        return reply;
      }
    },
  );
}

function announcesBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}
