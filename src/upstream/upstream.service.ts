/**
 * The one HTTP client of the service. Every call to Auth0 or an IdP goes through `request`, which
 * applies keep-alive connections, the UPSTREAM_TIMEOUT_MS bound (first attempt to the headers of
 * the last, retries and 429 waits included), the retry policy of the call, metrics and one log
 * line per call. Failures come out as `UpstreamError`.
 *
 * undici rather than axios: it streams request and response bodies without buffering, and measured
 * faster on the proxy path (see README, Design choices).
 */
import { Injectable } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import { Agent, request as undiciRequest } from 'undici';
import type { Readable } from 'node:stream';
import { AppConfig } from '../config/app-config';
import { ContextLogger } from '../logging/context-logger';
import { MetricsService } from '../metrics/metrics.service';
import { Cancellation } from './cancellation';
import { readSmall } from './read-body';
import { auth0Retry, idempotentRetry } from './retry-policies';
import { UpstreamError, isBodyTimeout } from './upstream.errors';
import type { UpstreamTarget } from './upstream.errors';
import type { UpstreamHeaders, UpstreamRequest, UpstreamResponse } from './upstream.types';

export type { RetryMode, UpstreamHeaders, UpstreamRequest, UpstreamResponse } from './upstream.types';

const MAX_JSON_BYTES = 1024 * 1024;
/** the abort reason of an attempt that ran out of time (as opposed to a caller that went away) */
const DEADLINE = new Error('upstream deadline reached');

@Injectable()
export class UpstreamService implements OnModuleDestroy {
  private readonly logger = new ContextLogger('Upstream');
  private readonly callLine = this.logger.fixedLine(
    'info',
    ['requestId', 'target', 'method', 'status', 'durationMs', 'retries'],
    'upstream call',
  );
  private readonly timeoutMs: number;
  private readonly agent: Agent;

  constructor(
    config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.timeoutMs = config.upstreamTimeoutMs;
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: 256,
      // Headers are bounded by our own deadline; a body that stalls this long aborts the answer.
      headersTimeout: 0,
      bodyTimeout: config.upstreamTimeoutMs,
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }

  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const started = performance.now();
    const deadline = Date.now() + this.timeoutMs;
    let attempts = 0;
    let status = 'error';
    const attempt = async (): Promise<UpstreamResponse> => {
      if (attempts++ > 0) this.metrics.upstreamRetries.inc({ target: req.target });
      try {
        const response = await this.attempt(req, deadline);
        status = String(response.status);
        return response;
      } catch (error) {
        status = error instanceof UpstreamError && error.failure === 'timeout' ? 'timeout' : 'error';
        throw error;
      }
    };
    try {
      if (req.retry === 'idempotent') return await idempotentRetry(req, deadline, attempt);
      if (req.retry === 'auth0') return await auth0Retry(req, deadline, attempt);
      return await attempt();
    } finally {
      // One line per call (not per attempt), at info: following a request id shows every call it
      // made to Auth0 or the IdP. Never the URL: queries may carry proofs. Below info, not built.
      if (this.logger.enabled('info'))
        this.callLine({
          requestId: req.requestId,
          target: req.target,
          method: req.method,
          status,
          durationMs: Math.round(performance.now() - started),
          retries: Math.max(0, attempts - 1),
        });
    }
  }

  /** For Auth0 and token endpoints: the status and parsed JSON body (undefined when not JSON). */
  async requestJson<T>(
    req: UpstreamRequest,
  ): Promise<{ status: number; headers: UpstreamHeaders; json: T | undefined }> {
    const response = await this.request(req);
    let text: string;
    try {
      text = await readText(response.body, MAX_JSON_BYTES);
    } catch (cause) {
      throw new UpstreamError(isBodyTimeout(cause) ? 'timeout' : 'unavailable', req.target, { cause });
    }
    let json: T | undefined;
    try {
      json = text === '' ? undefined : (JSON.parse(text) as T);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json };
  }

  private async attempt(req: UpstreamRequest, deadline: number): Promise<UpstreamResponse> {
    if (req.gate !== undefined) await req.gate.admit(req.target, deadline);
    const started = performance.now();
    const remaining = deadline - Date.now();
    if (req.signal?.aborted === true) throw this.fail(req, 'unreachable', started, req.signal.reason);
    if (remaining <= 0) throw this.fail(req, 'timeout', started);
    // Our own timer, cleared once headers arrive: the deadline bounds the wait for headers only.
    const cancel = new Cancellation();
    const timer = setTimeout(() => cancel.abort(DEADLINE), remaining);
    const onCallerAbort = (): void => cancel.abort();
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      const headers: Record<string, string> = { ...req.headers };
      if (req.requestId !== undefined) headers['x-request-id'] = req.requestId;
      const response = await undiciRequest(req.url, {
        dispatcher: this.agent,
        method: req.method,
        headers,
        body: req.body,
        signal: cancel,
      });
      this.record(req.target, String(response.statusCode), started);
      req.gate?.observe(response.headers);
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (cause) {
      if (cancel.reason === DEADLINE) throw this.fail(req, 'timeout', started, cause);
      throw this.fail(req, 'unreachable', started, cause);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private fail(
    req: UpstreamRequest,
    failure: 'timeout' | 'unreachable',
    started: number,
    cause?: unknown,
  ): UpstreamError {
    this.record(req.target, failure === 'timeout' ? 'timeout' : 'error', started);
    return new UpstreamError(failure, req.target, { cause });
  }

  private record(target: UpstreamTarget, status: string, started: number): void {
    // The JWKS fetch is not one of the documented upstream targets (docs/operations.md); it is not counted.
    if (target !== 'auth0_jwks') this.metrics.countUpstream(target, status);
    if (this.logger.enabled('debug'))
      this.logger.debug(
        { target, status, durationMs: Math.round(performance.now() - started) },
        'upstream attempt',
      );
  }
}

async function readText(body: Readable, limit: number): Promise<string> {
  const read = await readSmall(body, limit);
  if (Buffer.isBuffer(read)) return read.toString('utf8');
  read.destroy();
  throw new Error(`upstream body larger than ${limit} bytes`);
}
