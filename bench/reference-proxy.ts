/**
 * The bench's reference row: the least a proxy on this stack can cost. One Fastify route that
 * forwards `GET /v1/idp/github/api/*` to the emulator's GitHub API with a fixed IdP token through an
 * undici keep-alive Agent, and answers with the status, two headers and the body read whole. No
 * Nest, no JWT check, no identity lookup, no header/path policy, no redaction, no logs, no metrics:
 * nothing the contract asks for, so never a candidate product, only a yardstick for the targets.
 *
 * Spawned by bench.ts: `node reference-proxy.js <port> <github API root> <GitHub token>`; prints
 * `ready` once listening.
 */
import fastify from 'fastify';
import { Agent, request } from 'undici';

async function main(): Promise<void> {
  const [port, apiRoot, token] = process.argv.slice(2);
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
  const app = fastify();
  app.get('/v1/idp/github/api/*', async (req, reply) => {
    const path = (req.params as { '*': string })['*'];
    const upstream = await request(`${apiRoot}/${path}`, {
      dispatcher: agent,
      headers: {
        authorization: `Bearer ${token}`,
        'user-agent': 'idp-proxy-bench',
        accept: 'application/json',
      },
    });
    const body = Buffer.from(await upstream.body.arrayBuffer());
    const type = upstream.headers['content-type'];
    const etag = upstream.headers.etag;
    void reply.status(upstream.statusCode);
    if (typeof type === 'string') void reply.header('content-type', type);
    if (typeof etag === 'string') void reply.header('etag', etag);
    return body;
  });
  await app.listen({ port: Number(port), host: '127.0.0.1' });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  process.stderr.write(`reference-proxy: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
