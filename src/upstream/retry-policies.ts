/**
 * The retry policies a call to Auth0 or an IdP chooses (`UpstreamRequest.retry`), on cockatiel:
 * Auth0's 429 waits, and one more try of an idempotent IdP call. Both stay within the call's
 * deadline (UPSTREAM_TIMEOUT_MS) and give back the connection of every answer they retry.
 */
import { DelegateBackoff, ExponentialBackoff, handleWhen, handleWhenResult, retry } from 'cockatiel';
import type { IRetryBackoffContext } from 'cockatiel';
import { asAbortSignal } from './cancellation';
import { discard } from './discard';
import { rateLimitWaitMs } from './rate-limit';
import { UpstreamError } from './upstream.errors';
import type { UpstreamRequest, UpstreamResponse } from './upstream.types';

const AUTH0_MAX_RETRIES = 2;
/** a 429 that does not say how long */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1000;
const IDP_MAX_RETRIES = 1;
const IDP_INITIAL_BACKOFF_MS = 25;
const IDP_MAX_BACKOFF_MS = 200;
const IDP_RETRY_STATUSES = new Set([502, 503, 504]);

/**
 * Once more after a connection failure, 502, 503 or 504, after a decorrelated-jitter backoff
 * (cockatiel's default for ExponentialBackoff). Not after a timeout (the budget is spent), not once
 * the caller went away, and not when the backoff could outlast the budget: then the failure stands.
 */
export async function idempotentRetry(
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
export async function auth0Retry(
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
