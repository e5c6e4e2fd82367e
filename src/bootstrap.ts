/**
 * Builds the service for a validated configuration: Fastify adapter, raw request bodies, request
 * ids, CORS and the OpenAPI document. Used by main.ts, the sandbox launcher and the e2e tests.
 */
import type { IncomingMessage } from 'node:http';
import type { LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module';
import { requestIdFrom } from './common/request-id';
import type { AppConfig } from './config/app-config';
import { setupOpenApi } from './openapi/openapi.setup';

export const MAX_BODY_BYTES = 1024 * 1024;

/** Headers a browser app may read from our answers (CORS). */
const EXPOSED_HEADERS = [
  'link',
  'etag',
  'retry-after',
  'x-request-id',
  'www-authenticate',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-ratelimit-used',
  'x-ratelimit-resource',
];
const CORS_REQUEST_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'accept-language',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'x-github-api-version',
  'x-request-id',
];

export interface CreateAppOptions {
  logger?: LoggerService | LogLevel[] | false;
}

export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    genReqId: (req: IncomingMessage) => requestIdFrom(req.headers['x-request-id']),
    exposeHeadRoutes: false,
    // The proxied path is a route parameter: let it be as long as a URL can be.
    routerOptions: { maxParamLength: 8192 },
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: options.logger ?? ['error', 'warn'],
    abortOnError: false,
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();

  // Bodies are forwarded byte for byte: read every content type whole as a Buffer (bounded).
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) =>
    done(null, body),
  );

  fastify.addHook(
    'onSend',
    (
      request: FastifyRequest,
      reply: FastifyReply,
      payload: unknown,
      done: (err: null, p: unknown) => void,
    ) => {
      reply.header('x-request-id', request.id);
      done(null, payload);
    },
  );
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins,
      allowedHeaders: CORS_REQUEST_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      maxAge: 600,
      optionsSuccessStatus: 204,
    });
  }
  setupOpenApi(app, config);
  app.enableShutdownHooks();
  await app.init();
  await fastify.ready();
  return app;
}
