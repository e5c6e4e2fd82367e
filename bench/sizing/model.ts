/**
 * The sizing model: how many requests the service makes to the tenant's Management API, and how
 * many the tenant's Authentication API sees, for a workload. What it assumes (docs/sizing.md):
 * - a daily active user's requests are spread evenly over `activeHours` of the day;
 * - a user's entry (identities and tokens) lives `ttlS`, cut at the access token's expiry only
 *   where the service cannot refresh it (Google without GOOGLE_CLIENT_ID/SECRET: 3600 s − 30 s;
 *   GitHub OAuth tokens do not expire; Facebook's long-lived ones last about 60 days);
 * - one lookup per entry lifetime that holds a request, and never more than one a request;
 *   an entry does not outlive its day (so at most one lookup a day at TTL 86400: conservative);
 * - with a log stream, each login ends the entry: one more lookup per login;
 * - each sign-in of a user costs the Authentication API 2 requests (/authorize and /oauth/token);
 *   the service's own client-credentials call is about one a day (24 h tokens).
 */
export interface Workload {
  dailyUsers: number;
  requestsPerUser: number;
  loginsPerUser: number;
  share: { google: number; github: number; facebook: number };
  ttlS: number;
  logStream: boolean;
  /** GOOGLE_CLIENT_ID/SECRET set: Google tokens are refreshed by the service */
  googleRefresh: boolean;
  activeHours: number;
  /** the busiest hour's rate over the day's average */
  peakFactor: number;
}

export interface Prediction {
  managementPerUserPerDay: number;
  managementPerDay: number;
  managementAvgRps: number;
  managementPeakRps: number;
  authenticationPerDay: number;
  authenticationAvgRps: number;
  authenticationPeakRps: number;
}

const DAY_S = 86_400;
const EXPIRY_MARGIN_S = 30;
const GOOGLE_TOKEN_S = 3600;
const AUTH_REQUESTS_PER_LOGIN = 2;
const CLIENT_CREDENTIALS_PER_DAY = 1;

export const DEFAULT_WORKLOAD: Workload = {
  dailyUsers: 100_000,
  requestsPerUser: 50,
  loginsPerUser: 0.2,
  share: { google: 0.5, github: 0.3, facebook: 0.2 },
  ttlS: 86_400,
  logStream: true,
  googleRefresh: true,
  activeHours: 8,
  peakFactor: 3,
};

/**
 * Lookups for one user making `requests` evenly spaced over `spanS` with entries living
 * `lifetimeS`: the first request looks up, then every request that finds the entry expired.
 */
export function lookupsPerUser(requests: number, spanS: number, lifetimeS: number): number {
  if (requests <= 0) return 0;
  if (requests === 1 || lifetimeS <= 0) return lifetimeS <= 0 ? requests : 1;
  const gap = spanS / (requests - 1);
  // requests served by one entry: the one that loads it and those before its expiry
  const perEntry = Math.max(1, Math.ceil(lifetimeS / gap - 1e-9));
  return Math.ceil(requests / perEntry);
}

/** How long an entry lives for a user of each provider. */
export function entryLifetimeS(w: Workload): { google: number; github: number; facebook: number } {
  return {
    google: w.googleRefresh ? w.ttlS : Math.min(w.ttlS, GOOGLE_TOKEN_S - EXPIRY_MARGIN_S),
    github: w.ttlS,
    facebook: w.ttlS,
  };
}

export function predict(w: Workload): Prediction {
  const spanS = Math.min(DAY_S, w.activeHours * 3600);
  const life = entryLifetimeS(w);
  const providers = ['google', 'github', 'facebook'] as const;
  const totalShare = providers.reduce((sum, p) => sum + w.share[p], 0) || 1;
  const byTtl = providers.reduce(
    (sum, p) => sum + (w.share[p] / totalShare) * lookupsPerUser(w.requestsPerUser, spanS, life[p]),
    0,
  );
  const byLogins = w.logStream ? Math.min(w.loginsPerUser, w.requestsPerUser) : 0;
  const managementPerUserPerDay = Math.min(w.requestsPerUser, byTtl + byLogins);
  const managementPerDay = w.dailyUsers * managementPerUserPerDay;
  const authenticationPerDay =
    w.dailyUsers * w.loginsPerUser * AUTH_REQUESTS_PER_LOGIN + CLIENT_CREDENTIALS_PER_DAY;
  return {
    managementPerUserPerDay,
    managementPerDay,
    managementAvgRps: managementPerDay / DAY_S,
    managementPeakRps: (managementPerDay / DAY_S) * w.peakFactor,
    authenticationPerDay,
    authenticationAvgRps: authenticationPerDay / DAY_S,
    authenticationPeakRps: (authenticationPerDay / DAY_S) * w.peakFactor,
  };
}
