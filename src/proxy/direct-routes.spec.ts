import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { ApiProblem } from '../common/problem';
import { DIRECT_ROUTE_CONFIG, serveProxyRoutesDirectly } from './direct-routes';
import type { ProxyHandlerArgs, ProxyHandlers } from './proxy-route.decorator';

/** A Fastify app with two routes declared as `@ProxyRoutes()` declares them, served by `handlers`. */
async function appWith(handlers: ProxyHandlers): Promise<FastifyInstance> {
  const app = fastify();
  serveProxyRoutesDirectly(app, handlers);
  const nest = (): string => 'served by the declaring framework';
  app.get('/v1/idp/:provider/profile', { config: { [DIRECT_ROUTE_CONFIG]: { handler: 'profile' } } }, nest);
  app.post(
    '/v1/users/:userId/idp/:provider/api/*',
    { config: { [DIRECT_ROUTE_CONFIG]: { handler: 'forward', method: 'POST' } } },
    nest,
  );
  app.get('/v1/other', nest);
  await app.ready();
  return app;
}

function recording(): ProxyHandlers & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  const answer = async (args: ProxyHandlerArgs, method?: string): Promise<void> => {
    const [userId, target, gone, , reply] = args;
    calls.push([method ?? 'profile', userId, target, gone.aborted]);
    await reply.status(200).send('ok');
  };
  return {
    calls,
    profile: (...args) => answer(args),
    forward: (method, ...args) => answer(args, method),
  };
}

describe('serveProxyRoutesDirectly', () => {
  it('serves the declared routes with the handlers, their raw target and user id; others as declared', async () => {
    const handlers = recording();
    const app = await appWith(handlers);
    expect((await app.inject({ method: 'GET', url: '/v1/idp/github/profile' })).body).toBe('ok');
    const forwarded = await app.inject({
      method: 'POST',
      url: '/v1/users/github%7C2002/idp/github/api/user/a%20b?per_page=5',
    });
    expect(forwarded.body).toBe('ok');
    expect(handlers.calls).toEqual([
      ['profile', undefined, { path: '', query: '' }, false],
      ['POST', 'github|2002', { path: 'user/a%20b', query: 'per_page=5' }, false],
    ]);
    expect((await app.inject({ method: 'GET', url: '/v1/other' })).body).toBe(
      'served by the declaring framework',
    );
  });

  it('answers problems as problem+json: a bad user id, a raw #, a handler error; an unforeseen one without its text', async () => {
    const failing: ProxyHandlers = {
      profile: () => Promise.reject(new ApiProblem('identity_not_found', 'No identity.')),
      forward: () => Promise.reject(new Error('secret-looking internals')),
    };
    const app = await appWith(failing);
    const badUser = await app.inject({ method: 'POST', url: '/v1/users/nobody/idp/github/api/user' });
    expect(badUser.statusCode).toBe(400);
    expect(badUser.json()).toMatchObject({ code: 'invalid_request' });
    expect(badUser.headers['content-type']).toMatch(/^application\/problem\+json/);
    // Over real HTTP: an injected request would lose its fragment on the way.
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const hash = await new Promise<string>((resolve, reject) =>
      httpRequest({ host: '127.0.0.1', port, path: '/v1/idp/github/profile#x' }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end(),
    );
    expect(JSON.parse(hash)).toMatchObject({ code: 'invalid_path' });
    const notFound = await app.inject({ method: 'GET', url: '/v1/idp/github/profile' });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json()).toMatchObject({ code: 'identity_not_found' });
    const unforeseen = await app.inject({
      method: 'POST',
      url: '/v1/users/github%7C2002/idp/github/api/user',
    });
    expect(unforeseen.statusCode).toBe(500);
    expect(unforeseen.json()).toMatchObject({ code: 'internal_error' });
    expect(unforeseen.body).not.toContain('secret-looking');
    await app.close();
  });

  it('passes a route whose named parameter matched empty to the not-found handler', async () => {
    const handlers = recording();
    const app = await appWith(handlers);
    expect((await app.inject({ method: 'GET', url: '/v1/idp//profile' })).statusCode).toBe(404);
    expect(handlers.calls).toEqual([]);
  });
});
