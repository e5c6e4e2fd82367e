/**
 * The service's own errors: one class, a closed set of stable codes, rendered as RFC 9457
 * problem+json by `ProblemFilter`. Details are written for the app's developer and never carry a
 * token, a secret or an upstream body.
 */
export const PROBLEM_CODES = {
  missing_token: { status: 401, title: 'Missing bearer token' },
  invalid_token: { status: 401, title: 'Invalid token' },
  insufficient_scope: { status: 403, title: 'Insufficient scope' },
  user_token_required: { status: 403, title: 'User token required' },
  invalid_path: { status: 400, title: 'Invalid path' },
  invalid_request: { status: 400, title: 'Invalid request' },
  user_not_found: { status: 404, title: 'User not found' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  unknown_provider: { status: 404, title: 'Unknown provider' },
  unknown_api_host: { status: 404, title: 'Unknown API host' },
  identity_not_found: { status: 404, title: 'Identity not found' },
  idp_token_unavailable: { status: 409, title: 'IdP token unavailable' },
  idp_account_not_connected: { status: 409, title: 'IdP account not connected' },
  request_timeout: { status: 408, title: 'Request timeout' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  uri_too_long: { status: 414, title: 'URI too long' },
  idp_token_rejected: { status: 502, title: 'IdP token rejected' },
  auth0_unavailable: { status: 502, title: 'Auth0 unavailable' },
  auth0_misconfigured: { status: 502, title: 'Auth0 misconfigured' },
  idp_unavailable: { status: 502, title: 'IdP unavailable' },
  internal_error: { status: 500, title: 'Internal error' },
  auth0_rate_limited: { status: 503, title: 'Auth0 rate limited' },
  upstream_timeout: { status: 504, title: 'Upstream timeout' },
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

/** Each code's row in docs/routes-and-errors.md. */
export const PROBLEM_TYPE_BASE =
  'https://github.com/idp-proxy/idp-proxy/blob/main/docs/routes-and-errors.md#error-';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  [extension: string]: unknown;
}

export class ApiProblem extends Error {
  readonly status: number;

  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    options: {
      /** extension members added to the body, e.g. `{ connection: 'github' }` */
      extensions?: Record<string, unknown>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(`${code}: ${detail}`, { cause: options.cause });
    this.status = PROBLEM_CODES[code].status;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  toBody(): ProblemBody {
    return {
      type: `${PROBLEM_TYPE_BASE}${this.code}`,
      title: PROBLEM_CODES[this.code].title,
      status: this.status,
      detail: this.detail,
      code: this.code,
      ...this.extensions,
    };
  }
}

/**
 * An error of another module that knows the answer it becomes (an upstream failure, for one):
 * `ProblemFilter` asks it, without knowing the module.
 */
export interface ProblemSource {
  toProblem(): ApiProblem;
}

export function isProblemSource(error: unknown): error is Error & ProblemSource {
  return error instanceof Error && typeof (error as Partial<ProblemSource>).toProblem === 'function';
}
