/**
 * What the proxy copies between the caller and the IdP (docs/forwarding.md): request and
 * response header allowlists, the query-string filter and the `Link` rewrite. Pure functions only.
 */
import { checkProxyPath } from './path-policy';

/** Caller headers copied to the IdP (adapters may add their own, e.g. GitHub's `x-github-api-version`). */
export const FORWARDED_REQUEST_HEADERS: readonly string[] = [
  'accept',
  'accept-language',
  'content-type',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
];

/**
 * Never copied from the caller, even when an adapter lists them: credentials, hop-by-hop and framing
 * headers, and those the service sets itself (`user-agent`, `x-request-id`, its own `accept-encoding`).
 */
const NEVER_FORWARDED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'accept-encoding',
  'user-agent',
  'x-request-id',
]);

/** IdP headers copied to the caller, besides every `x-ratelimit-*` (and `content-length`, see below). */
export const FORWARDED_RESPONSE_HEADERS: readonly string[] = [
  'content-type',
  'etag',
  'last-modified',
  'cache-control',
  'link',
  'retry-after',
];

type HeaderBag = Record<string, string | string[] | undefined>;

// eslint-disable-next-line no-control-regex -- a header value must not carry these
const UNSAFE_HEADER_VALUE = /[\r\n\u0000]/;

/** The allowlist with an adapter's extra headers, built once per adapter list (not per request). */
const allowlists = new WeakMap<readonly string[], ReadonlySet<string>>();

function requestAllowlist(extraAllowed: readonly string[]): ReadonlySet<string> {
  let allowed = allowlists.get(extraAllowed);
  if (allowed === undefined) {
    allowed = new Set([...FORWARDED_REQUEST_HEADERS, ...extraAllowed.map((name) => name.toLowerCase())]);
    allowlists.set(extraAllowed, allowed);
  }
  return allowed;
}

const RESPONSE_ALLOWED: ReadonlySet<string> = new Set(FORWARDED_RESPONSE_HEADERS);

/**
 * The caller's headers that go to the IdP: the allowlist plus `extraAllowed` (adapter-specific), with
 * lower-case names; a repeated header (array) is joined with `, `. Credentials, framing and hop-by-hop
 * headers are never returned, whatever `extraAllowed` says.
 */
export function pickRequestHeaders(
  incoming: HeaderBag,
  extraAllowed: readonly string[],
): Record<string, string> {
  const allowed = requestAllowlist(extraAllowed);
  const picked: Record<string, string> = {};
  for (const rawName in incoming) {
    const value = incoming[rawName];
    const name = rawName.toLowerCase();
    if (!allowed.has(name) || NEVER_FORWARDED_REQUEST_HEADERS.has(name) || value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0 || values.some((v) => UNSAFE_HEADER_VALUE.test(v))) continue;
    const joined = values.join(', ');
    // Two spellings of one name in a plain object (`Accept`, `accept`) are one header.
    picked[name] = name in picked ? `${picked[name]}, ${joined}` : joined;
  }
  return picked;
}

/**
 * The IdP's headers that go to the caller: the allowlist and every `x-ratelimit-*`, with lower-case
 * names and values as received (arrays stay arrays). `content-length` only when the body reaches the
 * caller byte for byte (not decompressed, nothing redacted). Never `set-cookie`, `content-encoding`,
 * `transfer-encoding`, `connection`, `www-authenticate` or any other header.
 */
export function pickResponseHeaders(
  upstream: HeaderBag,
  opts: { bodyUnchanged: boolean },
): Record<string, string | string[]> {
  const picked: Record<string, string | string[]> = {};
  for (const rawName in upstream) {
    const value = upstream[rawName];
    const name = rawName.toLowerCase();
    if (value === undefined) continue;
    const allowed =
      RESPONSE_ALLOWED.has(name) ||
      name.startsWith('x-ratelimit-') ||
      (opts.bodyUnchanged && name === 'content-length');
    if (!allowed) continue;
    picked[name] = Array.isArray(value) ? [...value] : value;
  }
  return picked;
}

/** Strict `application/x-www-form-urlencoded` name decoding; undefined when an escape is malformed. */
function decodeQueryName(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * The names a server could read for a decoded name. Besides the lower-cased name: PHP-style parsing
 * (Facebook's Graph API is PHP/Hack) drops leading spaces, reads `a[]`/`a[x]` as `a` and turns ` `
 * and `.` into `_`, so `access.token` or `access_token[]` would reach it as `access_token`; an
 * upper-then-lower round trip folds look-alikes such as `ſ` (U+017F) that a case-insensitive
 * comparison would treat as `s`.
 */
function nameReadings(decoded: string): string[] {
  const lower = decoded.toLowerCase();
  const folded = decoded.toUpperCase().toLowerCase();
  const php = (name: string): string => {
    const trimmed = name.replace(/^ +/, '');
    const bracket = trimmed.indexOf('[');
    return (bracket >= 0 ? trimmed.slice(0, bracket) : trimmed).replace(/[ .]/g, '_');
  };
  return [lower, folded, php(lower), php(folded)];
}

/**
 * The raw query (without `?`) minus every parameter whose decoded, lower-cased name is `access_token`
 * or one of `stripped` (lower-case names, e.g. `['appsecret_proof']` for Facebook). Other parameters
 * keep their raw bytes and order; empty segments (`a=1&&b=2`, a trailing `&`) are dropped.
 *
 * Names are decoded as forms are (`+` is a space, then percent-decoding). A name with a malformed
 * escape (`%zz`, a lone `%`, invalid UTF-8) is compared as its raw lower-cased text and as the lenient
 * WHATWG decoding (valid escapes decoded, a stray `%` kept). This is safe: the malformed part is a `%`
 * not followed by a UTF-8 escape sequence, which a lenient decoder (URLSearchParams, PHP, Node's
 * querystring) keeps as a literal `%` or U+FFFD and a strict one (Go, Java, Ruby) rejects; no decoder
 * turns it into nothing, so such a name never reads as a stripped one upstream.
 */
export function filterQuery(rawQuery: string, stripped: readonly string[]): string {
  const removed = new Set(['access_token', ...stripped.map((name) => name.toLowerCase())]);
  const kept: string[] = [];
  for (const segment of rawQuery.split('&')) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    const rawName = eq >= 0 ? segment.slice(0, eq) : segment;
    const decoded = decodeQueryName(rawName);
    const candidates =
      decoded !== undefined
        ? nameReadings(decoded)
        : [rawName.toLowerCase(), ...nameReadings(new URLSearchParams(rawName).keys().next().value ?? '')];
    if (candidates.some((name) => removed.has(name))) continue;
    kept.push(segment);
  }
  return kept.join('&');
}

/** Splits a `Link` field value on the commas that separate link-values (not those in `<…>` or quotes). */
function splitLinkValues(link: string): string[] {
  const values: string[] = [];
  let start = 0;
  let inQuotes = false;
  let inAngles = false;
  for (let i = 0; i < link.length; i++) {
    const c = link[i];
    if (inQuotes) {
      if (c === '\\') i++;
      else if (c === '"') inQuotes = false;
    } else if (inAngles) {
      if (c === '>') inAngles = false;
    } else if (c === '"') inQuotes = true;
    else if (c === '<') inAngles = true;
    else if (c === ',') {
      values.push(link.slice(start, i));
      start = i + 1;
    }
  }
  values.push(link.slice(start));
  return values;
}

function parseAbsoluteHttpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Rewrites an IdP `Link` header (RFC 8288) for the caller. Each URL inside the provider's API root
 * (same origin as `apiBaseUrl` and a path under its path, on a segment boundary) becomes
 * `proxyPrefix + <path after the root> + ?<query>`, e.g. with proxyPrefix `/v1/idp/github/api/`,
 * `<https://api.github.com/user/repos?page=2>; rel="next"` → `</v1/idp/github/api/user/repos?page=2>; rel="next"`.
 * The query loses `access_token` (and `stripped` names), the fragment is dropped, link parameters are
 * kept as sent. Links to other origins, outside the root, relative, unparsable, carrying user info or
 * whose path fails {@link checkProxyPath} are dropped. Returns undefined when no link is left.
 *
 * @param apiBaseUrl the provider's API root, without a trailing slash (`https://api.github.com`,
 *   `http://127.0.0.1:9/github`).
 * @param proxyPrefix this service's path for the API root in the caller's route form, ending in `/`.
 */
export function rewriteLinkHeader(
  link: string,
  apiBaseUrl: string,
  proxyPrefix: string,
  stripped: readonly string[] = [],
): string | undefined {
  const base = parseAbsoluteHttpUrl(apiBaseUrl);
  if (!base) return undefined;
  const basePath = base.pathname.replace(/\/+$/, '');
  const rewritten: string[] = [];
  for (const value of splitLinkValues(link)) {
    const match = /^\s*<([^>]*)>(.*)$/s.exec(value);
    if (!match) continue;
    const [, target, params] = match;
    // WHATWG parsing resolves dot segments, so `/github/../x` is judged as `/x`.
    const url = parseAbsoluteHttpUrl(target.trim());
    if (!url || url.origin !== base.origin || url.username !== '' || url.password !== '') continue;
    if (!url.pathname.startsWith(`${basePath}/`)) continue;
    const rest = url.pathname.slice(basePath.length + 1);
    if (!checkProxyPath(rest).ok) continue;
    const query = filterQuery(url.search.slice(1), stripped);
    rewritten.push(`<${proxyPrefix}${rest}${query === '' ? '' : `?${query}`}>${params.trimEnd()}`);
  }
  return rewritten.length > 0 ? rewritten.join(', ') : undefined;
}
