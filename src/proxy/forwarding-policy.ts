/**
 * What the proxy copies between the caller and the IdP (docs/forwarding.md): request and
 * response header allowlists, the query-string filter and the `Link` rewrite. Pure functions only.
 */
import { checkProxyPath } from './path-policy';
import { cachedSecretVariants } from './redact-stream';

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

/** Query names never forwarded, in their normalized form (see {@link normalizeQueryName}). */
const TOKEN_QUERY_NAMES: ReadonlySet<string> = new Set(['accesstoken', 'appsecretproof']);

/** Percent-decodes what decodes: each valid `%XX` run as UTF-8 (invalid bytes become U+FFFD), a stray `%` kept. */
function lenientDecode(raw: string): string {
  return raw.replace(/(?:%[0-9a-f]{2})+/gi, (run) =>
    Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'),
  );
}

/**
 * The readings of a query name a server could compare: `+` as a space, percent-decoded, lower-cased
 * (also up to a `[`, also after an upper-case round trip, which folds look-alikes such as `ſ` (U+017F) to `s`, and
 * after NFKC, which folds fullwidth letters), then stripped of every character outside `a-z0-9`.
 * So `access[token`, `ACCESS%5FTOKEN`, `access_token%00`, `access.token` and `acceſs_token` all read
 * `accesstoken`.
 */
export function normalizeQueryName(rawName: string): string[] {
  const decoded = lenientDecode(rawName.replace(/\+/g, ' '));
  const strip = (name: string): string => name.replace(/[^a-z0-9]+/g, '');
  const lower = strip(decoded.toLowerCase());
  // Plain ASCII names (nearly all) have no other reading.
  const bracket = decoded.indexOf('[');
  // PHP-style parsers (Facebook's Graph API) read `a[x]` as `a`.
  const base = bracket > 0 ? [lower, strip(decoded.slice(0, bracket).toLowerCase())] : [lower];
  if (!/[\u0080-\uffff]/.test(decoded)) return base;
  const folded = decoded.toUpperCase().toLowerCase();
  return [
    ...new Set([
      ...base,
      strip(folded),
      strip(decoded.normalize('NFKC').toLowerCase()),
      strip(folded.normalize('NFKC')),
    ]),
  ];
}

/**
 * The raw query (without `?`) minus every parameter whose name reads as `access_token` or
 * `appsecret_proof` ({@link normalizeQueryName}) or as one of `stripped` (an adapter's own reserved
 * names). Other parameters keep their raw bytes and order; empty segments (`a=1&&b=2`, a trailing
 * `&`) are dropped. Dropping too much is the safe side: a name such as `access-token` goes too.
 */
export function filterQuery(rawQuery: string, stripped: readonly string[]): string {
  const removed =
    stripped.length === 0
      ? TOKEN_QUERY_NAMES
      : new Set([...TOKEN_QUERY_NAMES, ...stripped.flatMap((name) => normalizeQueryName(name))]);
  const kept: string[] = [];
  for (const segment of rawQuery.split('&')) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    const rawName = eq >= 0 ? segment.slice(0, eq) : segment;
    if (normalizeQueryName(rawName).some((name) => removed.has(name))) continue;
    kept.push(segment);
  }
  return kept.join('&');
}

/**
 * Whether a header value holds a secret: one of `forms` (the secret and the encoded forms the body
 * redactor searches: percent-encoded, JSON-escaped) as is, or the secret after percent-decoding the
 * value (once or twice, any hex case), so `W/"%79%61…"` spelling the token byte by byte is found too.
 */
function holdsSecret(value: string, secret: string, forms: readonly string[]): boolean {
  if (forms.some((form) => value.includes(form))) return true;
  let decoded = value;
  for (let round = 0; round < 2 && decoded.includes('%'); round++) {
    decoded = lenientDecode(decoded);
    if (decoded.includes(secret)) return true;
  }
  return false;
}

/**
 * Removes from `headers` (in place) every header whose value, or one of whose values, holds one of
 * `secrets` (raw or encoded): such a header is dropped whole, never passed. An `etag`,
 * `last-modified`, `x-ratelimit-*` or `link` built from the token must not reach the caller.
 */
export function dropHeadersHoldingSecrets(
  headers: Record<string, string | string[]>,
  secrets: readonly string[],
): void {
  const checks = secrets
    .filter((secret) => secret !== '')
    .map((secret) => ({ secret, forms: cachedSecretVariants(secret) }));
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => checks.some(({ secret, forms }) => holdsSecret(v, secret, forms))))
      delete headers[name];
  }
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

/** One upstream API root and the absolute URL of this service that stands for it. */
export interface LinkRoute {
  /** the upstream root, without a trailing slash (`https://api.github.com`, `http://127.0.0.1:9/github`) */
  baseUrl: string;
  /** this service's absolute URL for that root in the caller's route form, ending in `/` */
  routePrefix: string;
}

/**
 * The service's URL for an upstream URL, or undefined when it points into none of `routes`. A URL
 * is inside a root when it has the root's origin and its path lies under the root's path on a
 * segment boundary; the first such root wins. The result is `routePrefix + <path after the root> +
 * ?<query>`, the query without `access_token` and the `stripped` names, without a fragment. URLs
 * that are relative, unparsable, carry user info or whose path fails {@link checkProxyPath} give
 * undefined.
 */
export function rewriteUpstreamUrl(
  target: string,
  routes: readonly LinkRoute[],
  stripped: readonly string[] = [],
): string | undefined {
  // WHATWG parsing resolves dot segments, so `/github/../x` is judged as `/x`.
  const url = parseAbsoluteHttpUrl(target.trim());
  if (!url || url.username !== '' || url.password !== '') return undefined;
  for (const route of routes) {
    const base = parseAbsoluteHttpUrl(route.baseUrl);
    if (!base || url.origin !== base.origin) continue;
    const basePath = base.pathname.replace(/\/+$/, '');
    if (!url.pathname.startsWith(`${basePath}/`)) continue;
    const rest = url.pathname.slice(basePath.length + 1);
    if (!checkProxyPath(rest).ok) return undefined;
    const query = filterQuery(url.search.slice(1), stripped);
    return `${route.routePrefix}${rest}${query === '' ? '' : `?${query}`}`;
  }
  return undefined;
}

/** Link parameters a caller gets: what the link is (`rel`) and its media type hint. */
const KEPT_LINK_PARAMS: ReadonlySet<string> = new Set(['rel', 'type']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const QUOTED = /^"((?:[^"\\]|\\.)*)"/s;
/** an unquoted value as sent in the wild (`type=application/json`), stricter tokens aside */
const BARE_VALUE = /^[^;,\s"]+/;
/** printable ASCII but `"` and `\`: a kept value is re-quoted as is */
const SAFE_PARAM_VALUE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * The `rel` and `type` parameters of a link-value, re-serialized as `; name="value"`; undefined when
 * the parameters are malformed or a kept value holds anything but printable ASCII (or a quote or
 * backslash, which no registered relation type or media type needs).
 */
function keptLinkParams(params: string): string | undefined {
  let rest = params;
  let out = '';
  for (;;) {
    rest = rest.replace(/^[ \t]+/, '');
    if (rest === '') return out;
    if (rest[0] !== ';') return undefined;
    rest = rest.slice(1).replace(/^[ \t]+/, '');
    if (rest === '') return out;
    const name = TOKEN.exec(rest)?.[0];
    if (name === undefined) return undefined;
    rest = rest.slice(name.length).replace(/^[ \t]+/, '');
    let value: string | undefined;
    if (rest.startsWith('=')) {
      rest = rest.slice(1).replace(/^[ \t]+/, '');
      const quoted = QUOTED.exec(rest);
      const token = quoted === null ? BARE_VALUE.exec(rest) : null;
      if (quoted !== null) value = quoted[1].replace(/\\(.)/gs, '$1');
      else if (token !== null) value = token[0];
      else return undefined;
      rest = rest.slice((quoted ?? token)![0].length);
    }
    const lower = name.toLowerCase();
    if (!KEPT_LINK_PARAMS.has(lower) || value === undefined) continue;
    if (!SAFE_PARAM_VALUE.test(value)) return undefined;
    out += `; ${lower}="${value}"`;
  }
}

/**
 * Rewrites an IdP `Link` header (RFC 8288) for the caller: each URL into one of `routes` becomes the
 * service's absolute URL for it ({@link rewriteUpstreamUrl}), so a client that follows links as
 * given (Octokit's `paginate`) pages through the service; e.g. with the route
 * `{ baseUrl: 'https://api.github.com', routePrefix: 'https://proxy.example/v1/idp/github/api/' }`,
 * `<https://api.github.com/user/repos?page=2>; rel="next"; title="x"` →
 * `<https://proxy.example/v1/idp/github/api/user/repos?page=2>; rel="next"`. Each link keeps only
 * its `rel` and `type` parameters; links to anywhere else, or with malformed parameters, are
 * dropped. Returns undefined when no link is left.
 */
export function rewriteLinkHeader(
  link: string,
  routes: readonly LinkRoute[],
  stripped: readonly string[] = [],
): string | undefined {
  const rewritten: string[] = [];
  for (const value of splitLinkValues(link)) {
    const match = /^\s*<([^>]*)>(.*)$/s.exec(value);
    if (!match) continue;
    const target = rewriteUpstreamUrl(match[1], routes, stripped);
    const params = keptLinkParams(match[2]);
    if (target === undefined || params === undefined) continue;
    rewritten.push(`<${target}>${params}`);
  }
  return rewritten.length > 0 ? rewritten.join(', ') : undefined;
}
