/**
 * The one place where errors become answers: every error is problem+json with a stable `code`
 * and the request's `x-request-id`. Unforeseen errors are logged once and answered with a generic
 * detail; nothing of an exception's message, stack or cause reaches the body.
 */
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { Catch, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiProblem, isProblemSource } from './problem';
import { methodNotAllowed } from './routes';

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    sendProblem(reply, toProblem(exception, request, this.logger));
  }
}

export function toProblem(exception: unknown, request: FastifyRequest, logger: Logger): ApiProblem {
  if (exception instanceof ApiProblem) return exception;
  if (isProblemSource(exception)) return exception.toProblem();
  const status = statusOf(exception);
  if (status === 404) {
    return methodNotAllowed(request.method, request.url)
      ? new ApiProblem('method_not_allowed', `${request.method} is not allowed on this route.`)
      : new ApiProblem('not_found', 'No such route.');
  }
  if (status === 405)
    return new ApiProblem('method_not_allowed', `${request.method} is not allowed on this route.`);
  if (status === 413) {
    const limit = request.routeOptions?.bodyLimit ?? 1048576;
    return new ApiProblem('payload_too_large', `The request body is larger than ${limit} bytes.`);
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new ApiProblem('invalid_request', 'The request is malformed.');
  }
  logger.error(
    { err: exception, requestId: request.id, route: request.routeOptions?.url },
    'unforeseen error while serving a request',
  );
  return new ApiProblem(
    'internal_error',
    'An unexpected error occurred; it was logged with this request id.',
  );
}

function statusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  // Fastify's own errors (body too large, bad content length, ...) carry statusCode.
  if (typeof exception === 'object' && exception !== null && 'statusCode' in exception) {
    const status = exception.statusCode;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}

export function sendProblem(reply: FastifyReply, problem: ApiProblem): void {
  if (reply.sent) {
    // The status line already left (a stream broke mid-body): all that is left is to end it.
    reply.raw.destroy();
    return;
  }
  void reply
    .status(problem.status)
    .headers({ ...problem.headers, 'content-type': 'application/problem+json' })
    .send(JSON.stringify(problem.toBody()));
}
