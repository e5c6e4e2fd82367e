/**
 * Every readiness check beyond the JWKS and Management API token ones, as the health module
 * collects them from the modules it imports (see health.module.ts).
 */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
