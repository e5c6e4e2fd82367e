/**
 * Typed upstream failures, each carrying its cause. `toProblem` is where they become the service's
 * problem codes: Auth0 targets and IdP targets fail differently.
 */
import { ApiProblem } from '../common/problem';
import type { ProblemSource } from '../common/problem';

export type UpstreamTarget =
  'auth0_token' | 'auth0_token_exchange' | 'auth0_user' | 'auth0_jwks' | 'idp_refresh' | 'idp';

export type UpstreamFailure =
  /** no response headers within UPSTREAM_TIMEOUT_MS */
  | 'timeout'
  /** connection refused, reset, DNS, TLS... */
  | 'unreachable'
  /** answered 5xx (Auth0) or an unusable body */
  | 'unavailable'
  /** Auth0 kept answering 429 */
  | 'rate_limited'
  /** Auth0 refused this service's own credentials or scopes (see Auth0MisconfiguredError) */
  | 'misconfigured';

/** undici's error for a body that sent nothing for the body timeout (UPSTREAM_TIMEOUT_MS). */
export function isBodyTimeout(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'UND_ERR_BODY_TIMEOUT'
  );
}

export function isAuth0Target(target: UpstreamTarget): boolean {
  return target.startsWith('auth0_');
}

export class UpstreamError extends Error implements ProblemSource {
  constructor(
    readonly failure: UpstreamFailure,
    readonly target: UpstreamTarget,
    options: { cause?: unknown; retryAfterS?: number; status?: number } = {},
  ) {
    super(`${target} ${failure}${options.status === undefined ? '' : ` (${options.status})`}`, {
      cause: options.cause,
    });
    this.retryAfterS = options.retryAfterS;
    this.status = options.status;
  }

  readonly retryAfterS: number | undefined;
  readonly status: number | undefined;

  toProblem(): ApiProblem {
    const auth0 = isAuth0Target(this.target);
    const who = auth0 ? 'Auth0' : 'The identity provider';
    switch (this.failure) {
      case 'timeout':
        return new ApiProblem('upstream_timeout', `${who} did not answer in time.`, { cause: this });
      case 'rate_limited': {
        const retryAfter = String(Math.max(1, this.retryAfterS ?? 1));
        return new ApiProblem(
          'auth0_rate_limited',
          `Auth0 is rate limiting this service; retry in ${retryAfter} s.`,
          {
            headers: { 'retry-after': retryAfter },
            cause: this,
          },
        );
      }
      case 'misconfigured':
        return new ApiProblem(
          'auth0_misconfigured',
          "Auth0 refused this service's own credentials; the operator must fix its Auth0 settings (its log names them).",
          { cause: this },
        );
      case 'unreachable':
      case 'unavailable':
        return auth0
          ? new ApiProblem('auth0_unavailable', 'Auth0 is unavailable; try again shortly.', { cause: this })
          : new ApiProblem('idp_unavailable', 'The identity provider could not be reached.', { cause: this });
    }
  }
}

/**
 * The tenant refused this service's own credentials (client credentials 401/403) or gave a
 * Management API token without the scopes it needs: an operator's problem, never an outage.
 * `setting` names what to fix in the Auth0 Dashboard; it carries no secret.
 */
export class Auth0MisconfiguredError extends UpstreamError {
  constructor(
    target: UpstreamTarget,
    readonly setting: string,
    status?: number,
  ) {
    super('misconfigured', target, { status });
  }
}
