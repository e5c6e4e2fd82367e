/**
 * Raw HTTP/1.1 over a socket, for what fetch cannot do: send a request head and keep the body
 * back (or trickle it), use an absolute-form request target, or watch when the service closes the
 * connection.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** as received (chunked encoding left in place) */
  body: string;
}

export interface RawConnection {
  socket: Socket;
  /** everything received so far */
  received(): string;
  /** resolves with the first complete response head and the body bytes received with it */
  response(timeoutMs?: number): Promise<RawResponse>;
  /** resolves once the service closed the connection; rejects after timeoutMs */
  closed(timeoutMs?: number): Promise<void>;
  write(data: string): void;
  destroy(): void;
}

/** Opens a connection to `baseUrl` and writes `head` (a request line and headers, up to the blank line or not). */
export function openRaw(baseUrl: string, head: string): Promise<RawConnection> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let isClosed = false;
    const closeWaiters: Array<() => void> = [];
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(head);
      resolve(connection);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      isClosed = true;
      for (const waiter of closeWaiters) waiter();
    });
    socket.once('error', reject);
    const received = (): string => Buffer.concat(chunks).toString('latin1');
    const connection: RawConnection = {
      socket,
      received,
      write: (data) => socket.write(data),
      destroy: () => socket.destroy(),
      async response(timeoutMs = 10_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const text = received();
          const end = text.indexOf('\r\n\r\n');
          if (end >= 0) return parseResponse(text);
          if (isClosed || Date.now() > deadline) {
            throw new Error(`no response head (closed: ${isClosed}); received: ${JSON.stringify(text)}`);
          }
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      closed(timeoutMs = 10_000) {
        if (isClosed) return Promise.resolve();
        return new Promise((resolveClosed, rejectClosed) => {
          const timer = setTimeout(() => rejectClosed(new Error('connection still open')), timeoutMs);
          closeWaiters.push(() => {
            clearTimeout(timer);
            resolveClosed();
          });
        });
      },
    };
  });
}

function parseResponse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...headerLines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body: text.slice(end + 4) };
}

/** A whole request with `Connection: close`, answered in full once the service closes. */
export async function rawRequest(baseUrl: string, requestLine: string, headers = ''): Promise<RawResponse> {
  const { host } = new URL(baseUrl);
  const connection = await openRaw(
    baseUrl,
    `${requestLine}\r\nHost: ${host}\r\n${headers}Connection: close\r\n\r\n`,
  );
  await connection.closed();
  return parseResponse(connection.received());
}
