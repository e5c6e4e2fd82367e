import { Logger } from '@nestjs/common';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { Cancellation } from './cancellation';
import { UpstreamError } from './upstream.errors';
import { UpstreamService } from './upstream.service';
import type { RetryMode, UpstreamRequest } from './upstream.service';

type Handler = (req: IncomingMessage, res: ServerResponse, call: number) => void;

describe(UpstreamService.name, () => {
  const TIMEOUT_MS = 400;
  let server: Server;
  let url: string;
  let handler: Handler;
  let calls: number;
  let metrics: MetricsService;
  let upstream: UpstreamService;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = createServer((req, res) => {
      calls++;
      req.resume();
      req.on('end', () => handler(req, res, calls));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    calls = 0;
    metrics = new MetricsService();
    upstream = new UpstreamService({ upstreamTimeoutMs: TIMEOUT_MS } as AppConfig, metrics);
  });

  afterEach(async () => {
    server.closeAllConnections();
    await upstream.onModuleDestroy();
  });

  const call = (retry: RetryMode, extra: Partial<UpstreamRequest> = {}) =>
    upstream.request({
      target: retry === 'idempotent' ? 'idp' : 'auth0_user',
      method: 'GET',
      url,
      retry,
      ...extra,
    });

  const failureOf = (promise: Promise<unknown>): Promise<UpstreamError> =>
    promise.then(
      () => {
        throw new Error('expected an UpstreamError');
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(UpstreamError);
        return error as UpstreamError;
      },
    );

  const retries = async (target: string): Promise<number> =>
    (await metrics.upstreamRetries.get()).values.find((v) => v.labels.target === target)?.value ?? 0;

  const rateLimited =
    (headers: Record<string, string>): Handler =>
    (_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', ...headers });
      res.end('{"error":"too_many_requests"}');
    };

  const ok: Handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  };

  describe('auth0 429', () => {
    it('should retry after an x-ratelimit-reset already reached and succeed', async () => {
      handler = (req, res, n) =>
        n <= 2
          ? rateLimited({ 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) - 1) })(req, res, n)
          : ok(req, res, n);
      const { status, json } = await upstream.requestJson<{ ok: boolean }>({
        target: 'auth0_user',
        method: 'GET',
        url,
        retry: 'auth0',
      });
      expect({ status, json, calls }).toEqual({ status: 200, json: { ok: true }, calls: 3 });
      expect(await retries('auth0_user')).toBe(2);
    });

    it('should honour a retry-after HTTP date', async () => {
      handler = (req, res, n) =>
        n === 1
          ? rateLimited({ 'retry-after': new Date(Date.now() - 1000).toUTCString() })(req, res, n)
          : ok(req, res, n);
      const response = await call('auth0');
      response.body.resume();
      expect({ status: response.status, calls }).toEqual({ status: 200, calls: 2 });
    });

    it('should give up after two retries with rate_limited and a whole-second Retry-After', async () => {
      handler = rateLimited({ 'retry-after': '0' });
      const error = await failureOf(call('auth0'));
      expect({ failure: error.failure, retryAfterS: error.retryAfterS, calls }).toEqual({
        failure: 'rate_limited',
        retryAfterS: 1,
        calls: 3,
      });
      expect(error.toProblem().headers).toEqual({ 'retry-after': '1' });
    });

    it('should end at once when the wait is past the remaining budget', async () => {
      handler = rateLimited({ 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 7) });
      const error = await failureOf(call('auth0'));
      expect(error.failure).toBe('rate_limited');
      expect(error.retryAfterS).toBeGreaterThanOrEqual(6);
      expect(error.retryAfterS).toBeLessThanOrEqual(7);
      expect(calls).toBe(1);
    });

    it('should turn a 5xx into unavailable without retrying', async () => {
      handler = (_req, res) => {
        res.writeHead(500);
        res.end();
      };
      const error = await failureOf(call('auth0'));
      expect({ failure: error.failure, status: error.status, calls }).toEqual({
        failure: 'unavailable',
        status: 500,
        calls: 1,
      });
      expect(error.toProblem().code).toBe('auth0_unavailable');
    });
  });

  describe('timeouts', () => {
    it('should time out an attempt that gets no headers, and not retry it', async () => {
      handler = () => undefined;
      const started = Date.now();
      const error = await failureOf(call('idempotent'));
      expect(error.failure).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 300);
      expect(calls).toBe(1);
      expect(error.toProblem().code).toBe('upstream_timeout');
    });

    it('should not bound a body that keeps flowing after the headers', async () => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        let sent = 0;
        const timer = setInterval(() => {
          res.write('x'.repeat(1000));
          if (++sent === 10) {
            clearInterval(timer);
            res.end();
          }
        }, TIMEOUT_MS / 4);
      };
      const response = await call('none');
      let size = 0;
      for await (const chunk of response.body) size += (chunk as Buffer).length;
      expect(size).toBe(10_000);
    });

    it('should abort a body that stalls for the timeout', async () => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"partial":');
      };
      const error = await failureOf(
        upstream.requestJson({ target: 'auth0_user', method: 'GET', url, retry: 'none' }),
      );
      expect(error.failure).toBe('timeout');
    });
  });

  describe('idempotent IdP calls', () => {
    it('should retry once after a 503 and answer the second response', async () => {
      handler = (req, res, n) => {
        if (n === 1) {
          res.writeHead(503);
          res.end('busy');
        } else ok(req, res, n);
      };
      const response = await call('idempotent');
      response.body.resume();
      expect({ status: response.status, calls }).toEqual({ status: 200, calls: 2 });
      expect(await retries('idp')).toBe(1);
    });

    it('should pass the last 502 through after the one retry', async () => {
      handler = (_req, res) => {
        res.writeHead(502);
        res.end('bad gateway');
      };
      const response = await call('idempotent');
      let text = '';
      for await (const chunk of response.body) text += String(chunk);
      expect({ status: response.status, text, calls }).toEqual({
        status: 502,
        text: 'bad gateway',
        calls: 2,
      });
    });

    it('should answer unreachable after two dropped connections', async () => {
      handler = (req) => req.socket.destroy();
      const error = await failureOf(call('idempotent'));
      expect({ failure: error.failure, calls }).toEqual({ failure: 'unreachable', calls: 2 });
      expect(error.toProblem().code).toBe('idp_unavailable');
    });

    it('should not retry once the caller went away', async () => {
      const controller = new AbortController();
      handler = (req) => {
        controller.abort();
        req.socket.destroy();
      };
      const error = await failureOf(call('idempotent', { signal: controller.signal }));
      expect({ failure: error.failure, calls }).toEqual({ failure: 'unreachable', calls: 1 });
    });

    it('should abort a call in flight when the caller goes away (Cancellation)', async () => {
      handler = () => undefined;
      const gone = new Cancellation();
      const started = Date.now();
      setTimeout(() => gone.abort(), 50);
      const error = await failureOf(call('idempotent', { signal: gone }));
      expect({ failure: error.failure, calls }).toEqual({ failure: 'unreachable', calls: 1 });
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
    });

    it('should not start a call for a caller already gone', async () => {
      handler = ok;
      const gone = new Cancellation();
      gone.abort();
      const error = await failureOf(call('idempotent', { signal: gone }));
      expect({ failure: error.failure, calls }).toEqual({ failure: 'unreachable', calls: 0 });
    });

    it('should never retry a POST', async () => {
      handler = (_req, res) => {
        res.writeHead(503);
        res.end();
      };
      const response = await call('none', { method: 'POST', target: 'idp', body: 'x' });
      response.body.resume();
      expect({ status: response.status, calls }).toEqual({ status: 503, calls: 1 });
    });
  });
});
