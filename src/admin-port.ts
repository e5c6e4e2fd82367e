/**
 * `ADMIN_PORT`: operations routes (`/metrics`, `/health/*`) on an internal port of their own, so
 * they need not be public. The admin listener hands its requests to the same Fastify instance,
 * marked; a hook answers 404 `not_found` for an operations route reached on the API port, and for
 * any other route reached on the admin port. Without ADMIN_PORT nothing changes.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiProblem } from './common/problem';
import type { AppConfig } from './config/app-config';

const ADMIN_REQUEST = Symbol('idp-proxy:admin-request');
const OPERATIONS_ROUTE = /^\/(?:metrics|health)(?:[/?]|$)/;

type MarkedRequest = IncomingMessage & { [ADMIN_REQUEST]?: true };

/** The admin listener of each app, closed with it (hooks cannot be added once it listens). */
const adminServers = new WeakMap<object, Server>();

/** Registers the hook that keeps each route on its own port (call while building the app). */
export function separateAdminRoutes(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onClose', (_instance, done) => {
    const admin = adminServers.get(fastify);
    if (admin === undefined) {
      done();
      return;
    }
    admin.closeAllConnections();
    admin.close(() => done());
  });
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const onAdminPort = (request.raw as MarkedRequest)[ADMIN_REQUEST] === true;
    if (onAdminPort === OPERATIONS_ROUTE.test(request.url)) {
      done();
      return;
    }
    void reply
      .status(404)
      .header('content-type', 'application/problem+json')
      .send(JSON.stringify(new ApiProblem('not_found', 'No such route.').toBody()));
  });
}

/** Listens on PORT, and on ADMIN_PORT when set (closed with the app). */
export async function listenAll(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  await app.listen({ port: config.port, host: config.host });
  if (config.adminPort === undefined) return;
  const main: Server = app.getHttpServer();
  const admin = createServer((req: MarkedRequest, res) => {
    req[ADMIN_REQUEST] = true;
    main.emit('request', req, res);
  });
  await new Promise<void>((resolve, reject) => {
    admin.once('error', reject);
    admin.listen(config.adminPort, config.host, () => resolve());
  });
  adminServers.set(app.getHttpAdapter().getInstance(), admin);
}
