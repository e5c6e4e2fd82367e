import type { UpstreamHeaders } from './upstream.service';
import type { UpstreamTarget } from './upstream.errors';

/**
 * A caller's say over each attempt of one upstream call: `admit` runs before every attempt (first
 * and retries) and resolves when it may go, or throws an UpstreamError (`rate_limited`) when it
 * cannot go before `deadline` (epoch ms, the call's UPSTREAM_TIMEOUT_MS bound); `observe` sees
 * every answer's headers. The Management API budget is one.
 */
export interface AttemptGate {
  admit(target: UpstreamTarget, deadline: number): Promise<void>;
  observe(headers: UpstreamHeaders): void;
}
