/**
 * What the proxy copies between the caller and the IdP (docs/forwarding.md), in three parts:
 * the request and response header allowlists (header-policy.ts), the query-string filter
 * (query-policy.ts) and the `Link` rewrite (link-rewrite.ts). This file is their one entry point.
 */
export {
  dropHeadersHoldingSecrets,
  FORWARDED_REQUEST_HEADERS,
  FORWARDED_RESPONSE_HEADERS,
  pickRequestHeaders,
  pickResponseHeaders,
} from './header-policy';
export { filterQuery, normalizeQueryName } from './query-policy';
export { rewriteLinkHeader, rewriteUpstreamUrl } from './link-rewrite';
export type { LinkRoute } from './link-rewrite';
