/**
 * The bench's reference rows: the least a proxy costs here. Each kind forwards
 * `GET /v1/idp/github/api/*` to the emulator's GitHub API with a fixed IdP token and answers with
 * the status, two headers and the body read whole. No Nest, no JWT check, no identity lookup, no
 * header/path policy, no redaction, no logs, no metrics: nothing the service's documentation asks for, so never a
 * candidate product, only yardsticks for the targets.
 *
 *   fastify  one Fastify route, undici keep-alive Agent (the stack the product runs on)
 *   http     `node:http` server, undici keep-alive Agent: no framework at all
 *   tcp      no HTTP at all: each client connection piped byte for byte to its own emulator
 *            connection (the client sends the emulator's own path and token); the least any
 *            user-space proxy in Node can cost, one read and one write per direction
 *
 * Spawned by bench.ts: `node reference-proxy.js <kind> <port> <github API root> <GitHub token>`;
 * prints `ready` once listening.
 */
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import fastify from 'fastify';
import { Agent, request } from 'undici';

export const REFERENCE_KINDS = ['fastify', 'http', 'tcp'] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];

interface Upstream {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function upstreamCaller(apiRoot: string, token: string): (path: string) => Promise<Upstream> {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
  return async (path) => {
    const upstream = await request(`${apiRoot}/${path}`, {
      dispatcher: agent,
      headers: {
        authorization: `Bearer ${token}`,
        'user-agent': 'idp-proxy-bench',
        accept: 'application/json',
      },
    });
    const body = Buffer.from(await upstream.body.arrayBuffer());
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'etag']) {
      const value = upstream.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    return { status: upstream.statusCode, headers, body };
  };
}

async function listenFastify(port: number, apiRoot: string, token: string): Promise<void> {
  const call = upstreamCaller(apiRoot, token);
  const app = fastify();
  app.get('/v1/idp/github/api/*', async (req, reply) => {
    const answer = await call((req.params as { '*': string })['*']);
    return reply.status(answer.status).headers(answer.headers).send(answer.body);
  });
  await app.listen({ port, host: '127.0.0.1' });
}

const API_PATH = /^\/v1\/idp\/github\/api\/([^?]*)/;

async function listenHttp(port: number, apiRoot: string, token: string): Promise<void> {
  const call = upstreamCaller(apiRoot, token);
  const server = createHttpServer((req, res) => {
    const path = API_PATH.exec(req.url ?? '')?.[1];
    if (path === undefined) {
      res.writeHead(404).end();
      return;
    }
    call(path).then(
      (answer) => res.writeHead(answer.status, answer.headers).end(answer.body),
      () => res.writeHead(502).end(),
    );
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
}

async function listenTcp(port: number, apiRoot: string): Promise<void> {
  const target = new URL(apiRoot);
  const server = createTcpServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.once('error', end).once('close', end);
    upstream.once('error', end).once('close', end);
  });
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
}

async function main(): Promise<void> {
  const [kind, port, apiRoot, token] = process.argv.slice(2);
  if (!(REFERENCE_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown kind ${kind}`);
  if (kind === 'fastify') await listenFastify(Number(port), apiRoot, token);
  else if (kind === 'http') await listenHttp(Number(port), apiRoot, token);
  else await listenTcp(Number(port), apiRoot);
  process.stdout.write('ready\n');
  // Nothing to flush or finish: a yardstick stops at once.
  process.once('SIGTERM', () => process.exit(0));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`reference-proxy: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
