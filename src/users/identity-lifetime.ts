/**
 * How long a user's identities may be reused. An identity's access token bounds the entry, except
 * where the service can renew that token itself from the refresh token Auth0 stored: then the
 * token's expiry is the service's business (it refreshes, and keeps the result per user and
 * connection), and the entry lives its full TTL. So a user whose tokens can be refreshed costs one
 * Management API lookup per TTL, not one per access-token lifetime.
 */
import type { Identity } from './user.types';

/** Renew this long before a token's expiry, so no request carries a token about to lapse. */
export const TOKEN_EXPIRY_MARGIN_MS = 30_000;

/** Whether the service can renew this identity's access token itself. */
export type RefreshPolicy = (identity: Identity) => boolean;

/** No identity is renewable (until the identity providers say otherwise). */
export const NO_REFRESH: RefreshPolicy = () => false;

/** min(maxTtlMs, earliest expiry − margin) over the identities the service cannot renew. */
export function entryTtlMs(
  identities: readonly Identity[],
  readAt: number,
  maxTtlMs: number,
  canRenew: RefreshPolicy,
): number {
  let earliest = Number.POSITIVE_INFINITY;
  for (const identity of identities) {
    if (identity.expiresAt === undefined || canRenew(identity)) continue;
    earliest = Math.min(earliest, identity.expiresAt);
  }
  return Math.min(maxTtlMs, earliest - TOKEN_EXPIRY_MARGIN_MS - readAt);
}

/** The identity's access token is past (or within the margin of) its expiry. */
export function isAccessTokenExpired(identity: Identity, now = Date.now()): boolean {
  return identity.expiresAt !== undefined && identity.expiresAt - TOKEN_EXPIRY_MARGIN_MS <= now;
}
