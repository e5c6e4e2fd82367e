/**
 * Auth0's published rate limits per plan (production tenants), as the model's yardstick. Checked
 * against Auth0's pages listed in SOURCES; Auth0 changes them from time to time: read them again
 * before relying on a figure.
 */
export interface PlanLimits {
  plan: string;
  /** Management API, whole tenant: sustained requests per second, and the burst */
  managementRps: number;
  managementBurst: string;
  /** Authentication API, whole tenant: sustained requests per second */
  authenticationRps: number;
}

export const PLAN_LIMITS: readonly PlanLimits[] = [
  { plan: 'Free', managementRps: 2, managementBurst: '2', authenticationRps: 5 },
  {
    plan: 'Essentials / Professional',
    managementRps: 16,
    managementBurst: '50/s, 1,000/min',
    authenticationRps: 25,
  },
  { plan: 'Enterprise', managementRps: 16, managementBurst: '50/s, 1,000/min', authenticationRps: 100 },
];

export const SOURCES = [
  'https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy/management-api-endpoint-rate-limits',
  'https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy/rate-limit-configurations/free-public',
  'https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy/rate-limit-configurations/essentials-professional-b2b',
  'https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy/rate-limit-configurations/enterprise-public',
] as const;
