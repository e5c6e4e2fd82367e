import type { HealthIndicatorResult } from '@nestjs/terminus';

/**
 * Readiness checks beyond the JWKS one, for other modules to add (the shared cache's Redis, for
 * one): provide an array under this token, `{ provide: READINESS_CHECKS, useFactory: ... }`.
 */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

export interface ReadinessCheck {
  /** its key in the answer (`redis`) */
  readonly key: string;
  /**
   * true: down makes /health/ready 503. false: down keeps the service ready and the answer adds
   * `degraded: true` (the documented rule for an unreachable Redis).
   */
  readonly critical: boolean;
  /** `HealthIndicatorService.check(key).up()` or `.down(...)`; a throw counts as down */
  check(): Promise<HealthIndicatorResult> | HealthIndicatorResult;
}
