/**
 * Checks the `{path}` of `/…/idp/{provider}/api/{path}` before anything is sent to an IdP.
 *
 * The check runs on the raw request-line path (still percent-encoded), never on the router's decoded
 * parameter, so that what is checked is exactly what the IdP receives. A path that passes is forwarded
 * byte for byte; one that fails answers `400 invalid_path` and never leaves the service.
 *
 * Choices beyond the documented list:
 * - A trailing slash (`user/repos/`) is an empty last segment and is rejected like `a//b`: the IdP
 *   APIs we serve never need one, and `x/` vs `x` can route differently upstream.
 * - `~` is accepted anywhere (`~/x`): it is an RFC 3986 unreserved character with no meaning in an
 *   HTTP path (only shells expand it), so it cannot move the request out of the API root.
 * - Raw characters outside RFC 3986 `pchar` and `/` (space, non-ASCII, `"`, `<`, `>`, `{`, `|`, `#`,
 *   `?`, …) are rejected: a caller must percent-encode them. This keeps the promise that the IdP gets
 *   the raw bytes unchanged (a URL parser would otherwise re-encode them or cut the path at `#`).
 */

export type ProxyPathCheck = { ok: true; path: string } | { ok: false; reason: string };

/** RFC 3986 `pchar` (unreserved / pct-encoded / sub-delims / ":" / "@") plus the segment separator. */
const RAW_ALLOWED = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
const ENCODED_SLASH_OR_BACKSLASH = /%(?:2f|5c)/i;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this matches
const CONTROL = /[\u0000-\u001f\u007f]/;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
/** Segments of RFC 3986 unreserved characters, each non-empty and not starting with a dot. */
const PLAIN_PATH = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*$/;

function reject(reason: string): ProxyPathCheck {
  return { ok: false, reason };
}

/**
 * @param rawPath the part of the raw request-line path after `/api/`, without the query string,
 *   exactly as received.
 * @returns `{ ok: true, path }` with `path === rawPath`, or `{ ok: false, reason }` where `reason` is a
 *   short text for the problem detail that never repeats the input.
 */
export function checkProxyPath(rawPath: string): ProxyPathCheck {
  // Nearly every path is plain segments of unreserved characters, none starting with a dot: such a
  // path passes every rule below (no escape, backslash, control, scheme, '@', empty or dot segment).
  if (PLAIN_PATH.test(rawPath)) return { ok: true, path: rawPath };
  if (rawPath.length === 0) return reject('The API path is empty.');
  if (ENCODED_SLASH_OR_BACKSLASH.test(rawPath)) {
    return reject('The API path must not contain an encoded slash or backslash (%2F, %5C).');
  }
  if (rawPath.includes('\\')) return reject('The API path must not contain a backslash.');
  if (CONTROL.test(rawPath)) return reject('The API path must not contain control characters.');
  if (!RAW_ALLOWED.test(rawPath)) {
    return reject('The API path contains a character that must be percent-encoded.');
  }

  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return reject('The API path has a malformed percent-encoding.');
  }

  // A double-encoded slash (%252F) decodes to %2F, which a second decoding upstream would turn into '/'.
  if (ENCODED_SLASH_OR_BACKSLASH.test(decoded)) {
    return reject('The API path must not contain an encoded slash or backslash (%2F, %5C).');
  }
  if (decoded.includes('\\')) return reject('The API path must not contain a backslash.');
  if (CONTROL.test(decoded)) return reject('The API path must not contain control characters.');

  // %2F is refused above, so the decoded path has exactly the raw path's segments.
  const segments = decoded.split('/');
  const first = segments[0];
  if (SCHEME.test(first)) return reject('The API path must not start with a URL scheme.');
  if (first.includes('@')) return reject("The API path must not contain '@' before the first '/'.");
  for (const segment of segments) {
    if (segment === '') {
      return reject("The API path must not contain an empty segment ('//', or a leading or trailing '/').");
    }
    if (segment === '.' || segment === '..') {
      return reject("The API path must not contain '.' or '..' segments.");
    }
  }
  return { ok: true, path: rawPath };
}
