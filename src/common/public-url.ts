/**
 * The base URL the service gives callers for itself, in every absolute URL it emits (rewritten
 * `Link` targets and paging URLs, the served OpenAPI `servers`): `PUBLIC_URL` when set, else the
 * request's own origin. `X-Forwarded-Proto` and `X-Forwarded-Host` count only with `TRUST_PROXY`:
 * otherwise any caller could make the service hand out links to a host of its choosing.
 */
import type { AppConfig } from '../config/app-config';

type Headers = Record<string, string | string[] | undefined>;

/** a host name, IPv4 or bracketed IPv6 address, with an optional port: nothing that could end a URL early */
const HOST_HEADER = /^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function first(value: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  const head = raw?.split(',', 1)[0].trim();
  return head === '' ? undefined : head;
}

/**
 * `PUBLIC_URL`, or `<scheme>://<host>` of the request; undefined when the request names no usable
 * host (no `Host` header, or one that is not a host name), so no URL is made up.
 */
export function publicBaseUrl(
  config: Pick<AppConfig, 'publicUrl' | 'trustProxy'>,
  headers: Headers,
): string | undefined {
  if (config.publicUrl !== undefined) return config.publicUrl;
  const forwardedProto = config.trustProxy ? first(headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const proto = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : 'http';
  const host = (config.trustProxy ? first(headers['x-forwarded-host']) : undefined) ?? first(headers.host);
  if (host === undefined || !HOST_HEADER.test(host)) return undefined;
  return `${proto}://${host}`;
}
