/**
 * Builds the service for a validated configuration: Fastify adapter, raw request bodies, request
 * ids, logging and request metrics, CORS and the OpenAPI document. Used by main.ts, the sandbox
 * launcher and the e2e tests.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import type { LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { DestinationStream } from 'pino';
import { separateAdminRoutes } from './admin-port';
import { AppModule } from './app.module';
import { registerAuthentication } from './auth/authentication.hook';
import { Authenticator } from './auth/authenticator';
import { sendProblem } from './common/problem.filter';
import { requestIdFrom } from './common/request-id';
import type { AppConfig } from './config/app-config';
import type { ProviderDeclaration } from './identity-providers/provider-declaration';
import { SERVED_PROVIDERS } from './identity-providers/served-providers';
import { useRootLogger } from './logging/context-logger';
import {
  answerClientError,
  checkingInterval,
  frameworkProblem,
  isRefusedPreflight,
  isV1,
  preflightProblem,
  varyOn,
} from './common/http-layer';
import { configureLogStreamRoute } from './log-stream/log-stream.route';
import { registerRequestLog, UNMATCHED_ROUTE } from './logging/request-log.hook';
import type { RequestRecorder } from './logging/request-log.hook';
import { createNestLogger, createRootLogger, flushRootLogger } from './logging/root-logger';
import type { RootLogger } from './logging/root-logger';
import { MetricsService } from './metrics/metrics.service';
import { setupOpenApi } from './openapi/openapi.setup';
import { serveProxyRoutesDirectly } from './proxy/direct-routes';
import { ProxyController } from './proxy/proxy.controller';

export { listenAll } from './admin-port';

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
/** Request headers a browser app may send (CORS); each provider's own extra headers are added. */
const CORS_REQUEST_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'accept-language',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'x-request-id',
];

export interface CreateAppOptions {
  /**
   * Nest's logger while the app is being built. Absent: the build's messages are buffered and
   * written through pino. `false` or log levels: nothing, or the console at those levels, during
   * the build. In every case the built app logs through pino at LOG_LEVEL, except when a
   * LoggerService is given: it then stays Nest's logger (request lines still go to pino).
   */
  logger?: LoggerService | LogLevel[] | false;
  /** where the JSON log lines go instead of stdout (tests read them from here) */
  logDestination?: DestinationStream;
  /** the providers served (default SERVED_PROVIDERS); `config` must have been parsed with them */
  providers?: readonly ProviderDeclaration[];
}

/** Answers made below the routes (bad URLs, refused or timed-out requests) are recorded once the metrics exist. */
interface LateRecorders {
  record?: RequestRecorder;
  metrics?: MetricsService;
}

export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const providers = options.providers ?? SERVED_PROVIDERS;
  const root = createRootLogger(config.log, options.logDestination);
  const late: LateRecorders = {};
  const app = await buildNestApp(config, providers, createFastifyAdapter(config, root, late), root, options);
  configureHttpLayer(app, config, root, late);
  if (config.corsOrigins.length > 0) enableCors(app, config, providers);
  // After the CORS hook (added by the adapter itself), so refusals carry the CORS headers.
  registerAuthentication(app.getHttpAdapter().getInstance(), app.get(Authenticator));
  // With that hook in place, the proxy's routes skip Nest's per-request pipeline (direct-routes.ts).
  serveProxyRoutesDirectly(app.getHttpAdapter().getInstance(), app.get(ProxyController));
  if (config.docsEnabled) setupOpenApi(app, config);
  if (config.adminPort !== undefined) separateAdminRoutes(app);
  app.enableShutdownHooks();
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

function createFastifyAdapter(config: AppConfig, root: RootLogger, late: LateRecorders): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    genReqId: (req: IncomingMessage) => requestIdFrom(req.headers['x-request-id']),
    exposeHeadRoutes: false,
    // The proxied path is a route parameter: let it be as long as a URL can be.
    routerOptions: { maxParamLength: 8192 },
    return503OnClosing: true,
    // No Nest middleware here (guards, hooks and filters do that work): no middie hook per request.
    skipMiddie: true,
    // Headers and body must arrive within REQUEST_TIMEOUT_MS; Node checks that deadline every
    // connectionsCheckingInterval (30 s by default, far too coarse for a short timeout). Node applies
    // the deadline to a request whose body is still arriving only when the server was created with
    // it (Fastify sets it afterwards): so it goes to the server's constructor as well.
    requestTimeout: config.requestTimeoutMs,
    http: {
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: checkingInterval(config.requestTimeoutMs),
    },
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) =>
      answerClientError(error, socket, root, (status) =>
        late.metrics?.observeRequest(UNMATCHED_ROUTE, 'unknown', status, 0),
      ),
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      reply.header('x-request-id', request.id);
      if (isV1(request)) varyOn(reply, 'Authorization');
      reply.raw.once('finish', () => late.record?.(request, reply));
      sendProblem(reply, frameworkProblem(error));
    },
  });
}

/** The Nest application on `adapter`, logging through pino (or the logger the options name). */
async function buildNestApp(
  config: AppConfig,
  providers: readonly ProviderDeclaration[],
  adapter: FastifyAdapter,
  root: RootLogger,
  options: CreateAppOptions,
): Promise<NestFastifyApplication> {
  const nestLogger = createNestLogger(root);
  let app: NestFastifyApplication;
  try {
    app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, providers), adapter, {
      logger: options.logger,
      bufferLogs: options.logger === undefined,
      abortOnError: false,
      bodyParser: false,
    });
  } catch (error) {
    // The build failed: what it buffered explains why.
    if (options.logger === undefined) {
      Logger.overrideLogger(nestLogger);
      Logger.flush();
      flushRootLogger(root);
    }
    throw error;
  }
  const customLogger = typeof options.logger === 'object' && !Array.isArray(options.logger);
  // Nest's Logger is process-wide: the last app built in a process owns it (one app per process,
  // or one stack at a time in a test file).
  if (!customLogger) app.useLogger(nestLogger);
  useRootLogger(customLogger ? undefined : root);
  return app;
}

/** Request log and metrics, the log-stream route, raw bodies and the headers every answer carries. */
function configureHttpLayer(
  app: NestFastifyApplication,
  config: AppConfig,
  root: RootLogger,
  late: LateRecorders,
): void {
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);
  late.metrics = metrics;
  late.record = registerRequestLog(fastify, root, metrics);
  configureLogStreamRoute(fastify, config);
  fastify.addHook('onClose', (_instance, done) => {
    flushRootLogger(root);
    done();
  });

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
      // Answers under /v1 are the caller's own (the IdP's `cache-control: private, max-age=60`
      // passes through): a browser cache must not hand them to the next user of that browser.
      if (isV1(request)) varyOn(reply, 'Authorization');
      done(null, isRefusedPreflight(request, reply) ? preflightProblem(reply) : payload);
    },
  );
}

/** The request headers a browser app may send: the common ones and every provider's own. */
export function corsRequestHeaders(providers: readonly ProviderDeclaration[]): string[] {
  return [...new Set([...CORS_REQUEST_HEADERS, ...providers.flatMap((p) => p.extraRequestHeaders)])];
}

function enableCors(
  app: NestFastifyApplication,
  config: AppConfig,
  providers: readonly ProviderDeclaration[],
): void {
  app.enableCors({
    origin: config.corsOrigins,
    allowedHeaders: corsRequestHeaders(providers),
    exposedHeaders: EXPOSED_HEADERS,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
}
