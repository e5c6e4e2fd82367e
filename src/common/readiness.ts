import type { HealthIndicatorResult } from '@nestjs/terminus';

/**
 * One dependency's part of /health/ready, offered by the module that owns the dependency (the
 * shared cache's Redis, for one) and collected by the health module.
 */
export interface ReadinessCheck {
  /** its key in the answer (`redis`) */
  readonly key: string;
  /**
   * true: down makes /health/ready 503. false: down keeps the service ready and the answer adds
   * `degraded: true` (the documented rule for an unreachable Redis).
   */
  readonly critical: boolean;
  /** `{ [key]: { status: 'up' } }` or `{ [key]: { status: 'down', message } }`; a throw counts as down */
  check(): Promise<HealthIndicatorResult> | HealthIndicatorResult;
}
