/**
 * The one HTTP client of the service. Every call to Auth0 or an IdP goes through `request`, which
 * applies keep-alive connections, the UPSTREAM_TIMEOUT_MS bound (first attempt to the headers of
 * the last, retries and 429 waits included), the retry policy of the call, metrics and one log
 * line per call. Failures come out as `UpstreamError`.
 *
 * undici rather than axios: it streams request and response bodies without buffering, and measured
 * faster on the proxy path (see README, Performance).
 */
import { Injectable } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import { ExponentialBackoff, DelegateBackoff, handleWhen, handleWhenResult, retry } from 'cockatiel';
import type { IRetryBackoffContext } from 'cockatiel';
import { Agent, request as undiciRequest } from 'undici';
import type { Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { AppConfig } from '../config/app-config';
import { ContextLogger } from '../logging/context-logger';
import { MetricsService } from '../metrics/metrics.service';
import { Cancellation, asAbortSignal } from './cancellation';
import type { CallerSignal } from './cancellation';
import type { AttemptGate } from './attempt-gate';
import { rateLimitWaitMs } from './rate-limit';
import { discard } from './discard';
import { readSmall } from './read-body';
import { UpstreamError, isBodyTimeout } from './upstream.errors';
import type { UpstreamTarget } from './upstream.errors';

export type UpstreamHeaders = Record<string, string | string[] | undefined>;

/**
 * - `auth0`: 429 waits as retry-after / x-ratelimit-reset say, at most 2 retries within the budget;
 *   a 429 left over → rate_limited, a 5xx → unavailable.
 * - `idempotent`: once more after a connection failure, 502, 503 or 504, with jittered backoff.
 * - `none`: one attempt.
 */
export type RetryMode = 'auth0' | 'idempotent' | 'none';

export interface UpstreamRequest {
  target: UpstreamTarget;
  method: Dispatcher.HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** kept in memory, so it can be sent again on every retry */
  body?: Buffer | string;
  retry: RetryMode;
  requestId?: string;
  /** aborts the call when the caller goes away */
  signal?: CallerSignal;
  /** admits each attempt and sees each answer (the Management API budget) */
  gate?: AttemptGate;
}

export interface UpstreamResponse {
  status: number;
  headers: UpstreamHeaders;
  /** must be consumed or destroyed by the caller */
  body: Readable;
}

const AUTH0_MAX_RETRIES = 2;
/** a 429 that does not say how long */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1000;
const IDP_MAX_RETRIES = 1;
const IDP_INITIAL_BACKOFF_MS = 25;
const IDP_MAX_BACKOFF_MS = 200;
const IDP_RETRY_STATUSES = new Set([502, 503, 504]);
const MAX_JSON_BYTES = 1024 * 1024;
/** the abort reason of an attempt that ran out of time (as opposed to a caller that went away) */
const DEADLINE = new Error('upstream deadline reached');

@Injectable()
export class UpstreamService implements OnModuleDestroy {
  private readonly logger = new ContextLogger('Upstream');
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
      if (req.retry === 'idempotent') return await this.idempotentRetry(req, deadline, attempt);
      if (req.retry === 'auth0') return await this.auth0Retry(req, deadline, attempt);
      return await attempt();
    } finally {
      // One line per call (not per attempt), at info: following a request id shows every call it
      // made to Auth0 or the IdP. Never the URL: queries may carry proofs. Below info, not built.
      if (this.logger.enabled('info'))
        this.logger.info(
          {
            requestId: req.requestId,
            target: req.target,
            method: req.method,
            status,
            durationMs: Math.round(performance.now() - started),
            retries: Math.max(0, attempts - 1),
          },
          'upstream call',
        );
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

  /**
   * Once more after a connection failure, 502, 503 or 504, after a decorrelated-jitter backoff
   * (cockatiel's default for ExponentialBackoff). Not after a timeout (the budget is spent), not once
   * the caller went away, and not when the backoff could outlast the budget: then the failure stands.
   */
  private async idempotentRetry(
    req: UpstreamRequest,
    deadline: number,
    attempt: () => Promise<UpstreamResponse>,
  ): Promise<UpstreamResponse> {
    const budgetLeft = (): boolean => deadline - Date.now() > IDP_MAX_BACKOFF_MS;
    const retryableError = (error: unknown): boolean =>
      error instanceof UpstreamError && error.failure === 'unreachable' && budgetLeft();
    const retryableResult = (result: unknown): boolean =>
      IDP_RETRY_STATUSES.has((result as UpstreamResponse).status) && budgetLeft();
    // The first attempt runs outside cockatiel: nearly every call ends there, and building the policy
    // for each one cost more than the rest of the retry logic. Only a retryable outcome enters the
    // policy, which replays that outcome as its first attempt, then decides, waits and retries.
    let first: { value: UpstreamResponse } | { error: unknown };
    try {
      first = { value: await attempt() };
    } catch (error) {
      first = { error };
    }
    if ('value' in first ? !retryableResult(first.value) : !retryableError(first.error)) {
      if ('value' in first) return first.value;
      throw first.error;
    }
    let replayed = false;
    const replayThenAttempt = async (): Promise<UpstreamResponse> => {
      if (replayed) return attempt();
      replayed = true;
      if ('value' in first) return first.value;
      throw first.error;
    };
    const policy = retry(handleWhen(retryableError).orWhenResult(retryableResult), {
      maxAttempts: IDP_MAX_RETRIES,
      backoff: new ExponentialBackoff({
        initialDelay: IDP_INITIAL_BACKOFF_MS,
        maxDelay: IDP_MAX_BACKOFF_MS,
      }),
    });
    policy.onRetry((event) => {
      if ('value' in event) discard((event.value as UpstreamResponse).body);
    });
    const cancel = asAbortSignal(req.signal);
    try {
      return await policy.execute(replayThenAttempt, cancel.signal);
    } finally {
      cancel.release();
    }
  }

  /**
   * Auth0's 429: wait as the answer says, at most AUTH0_MAX_RETRIES times, and only when the wait
   * ends before the deadline; otherwise `rate_limited` at once with the wait as Retry-After. Errors
   * (timeout, unreachable) are never retried. A 5xx left over → `unavailable`.
   */
  private async auth0Retry(
    req: UpstreamRequest,
    deadline: number,
    attempt: () => Promise<UpstreamResponse>,
  ): Promise<UpstreamResponse> {
    const waitOf = (response: UpstreamResponse): number =>
      rateLimitWaitMs(response.headers) ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    const policy = retry(
      handleWhenResult((result) => {
        const response = result as UpstreamResponse;
        return response.status === 429 && Date.now() + waitOf(response) < deadline;
      }),
      {
        maxAttempts: AUTH0_MAX_RETRIES,
        backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) =>
          'value' in context.result ? waitOf(context.result.value as UpstreamResponse) : 0,
        ),
      },
    );
    // The 429 being retried must give its connection back.
    policy.onRetry((event) => {
      if ('value' in event) discard((event.value as UpstreamResponse).body);
    });
    const cancel = asAbortSignal(req.signal);
    let response: UpstreamResponse;
    try {
      response = await policy.execute(attempt, cancel.signal);
    } finally {
      cancel.release();
    }
    if (response.status === 429) {
      discard(response.body);
      const waitMs = waitOf(response);
      throw new UpstreamError('rate_limited', req.target, {
        status: 429,
        retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)),
      });
    }
    if (response.status >= 500) {
      discard(response.body);
      throw new UpstreamError('unavailable', req.target, { status: response.status });
    }
    return response;
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
