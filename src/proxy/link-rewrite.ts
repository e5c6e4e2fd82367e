/**
 * The `Link` rewrite (docs/forwarding.md): an IdP URL into one of its API roots becomes this
 * service's URL for it, so clients that follow links page through the service. Pure functions only.
 */
import { checkProxyPath } from './path-policy';
import { filterQuery } from './query-policy';

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
/**
 * printable ASCII but `"` and `\` (a kept value is re-quoted as is) and `<` `>`: no relation type,
 * URI or media type holds them, and a value like `", <https://api.example/x"` would read as a
 * second, unrewritten link to a client that splits the header on `, <`
 */
const SAFE_PARAM_VALUE = /^[\x20\x21\x23-\x3b\x3d\x3f-\x5b\x5d-\x7e]*$/;

/**
 * The `rel` and `type` parameters of a link-value, re-serialized as `; name="value"`; undefined when
 * the parameters are malformed or a kept value holds anything but printable ASCII (or a quote,
 * backslash or angle bracket, which no registered relation type or media type needs).
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
