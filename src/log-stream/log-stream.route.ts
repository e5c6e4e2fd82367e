/**
 * What Nest's route decorators cannot say about POST /auth0/log-stream, set on the Fastify route as
 * it is registered: its own body limit (a delivery may hold up to 5 MiB; every other route keeps
 * 1 MiB), and the credential check in `onRequest`, before a byte of the body is read.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from '@nestjs/common';
import type { ApiProblem } from '../common/problem';
import { sendProblem } from '../common/problem.filter';
import type { AppConfig } from '../config/app-config';
import { LogStreamCredential } from './log-stream.auth';

export const LOG_STREAM_PATH = '/auth0/log-stream';
export const LOG_STREAM_BODY_LIMIT = 5 * 1024 * 1024;

export function configureLogStreamRoute(fastify: FastifyInstance, config: AppConfig): void {
  const token = config.logStreamToken;
  if (token === undefined) return;
  const credential = new LogStreamCredential(token);
  const logger = new Logger('LogStream');
  const authorize = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    try {
      credential.check(request.headers.authorization);
    } catch (error) {
      logger.warn({ requestId: request.id }, 'log stream delivery refused: wrong or missing Authorization');
      sendProblem(reply, error as ApiProblem);
      return reply;
    }
  };
  fastify.addHook('onRoute', (route) => {
    if (route.url !== LOG_STREAM_PATH) return;
    route.bodyLimit = LOG_STREAM_BODY_LIMIT;
    const existing = route.onRequest === undefined ? [] : [route.onRequest].flat();
    route.onRequest = [...existing, authorize];
  });
}
