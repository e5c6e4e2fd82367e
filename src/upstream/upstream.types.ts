/** What a call through `UpstreamService` asks for and gets back. */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { AttemptGate } from './attempt-gate';
import type { CallerSignal } from './cancellation';
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
