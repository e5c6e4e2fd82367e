/**
 * Compose `sandbox` profile only: makes the emulator container's ports answer on this container's
 * loopback (`node dist/sandbox/loopback-relay.js 4010=emulator:4010 ...`), since the product accepts
 * http:// only for a loopback host. Each local port is piped, connection by connection, to its
 * target. Never used with a real tenant.
 */
import { connect, createServer } from 'node:net';

function relay(spec: string): void {
  const match = /^(\d+)=([\w.-]+):(\d+)$/.exec(spec);
  if (match === null) throw new Error(`expected <local port>=<host>:<port>, got ${spec}`);
  const [, local, host, port] = match;
  createServer((inbound) => {
    const outbound = connect(Number(port), host);
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  }).listen(Number(local), '127.0.0.1');
}

for (const spec of process.argv.slice(2)) relay(spec);
