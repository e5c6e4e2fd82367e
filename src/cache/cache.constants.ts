/**
 * The cache's readiness checks (`ReadinessCheck[]`): Redis's when REDIS_URL is set, none otherwise.
 * The health module reads them; the cache knows nothing of health.
 */
export const CACHE_READINESS_CHECKS = Symbol('CACHE_READINESS_CHECKS');
