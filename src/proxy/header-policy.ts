/**
 * The header allowlists between the caller and the IdP (docs/forwarding.md), and the rule that no
 * header holding a secret reaches the caller. Pure functions only.
 */
import { lenientDecode } from './query-policy';
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
