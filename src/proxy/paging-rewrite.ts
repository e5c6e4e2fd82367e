/**
 * Paging URLs in a JSON answer (`paging.next`, `paging.previous`, as Graph's are): they carry the
 * IdP token, so the caller gets this service's URL for the same page instead, which it can follow
 * as given. Only those two string values change; every other byte of the body stays as sent.
 */
import { rewriteUpstreamUrl } from './link-rewrite';
import type { LinkRoute } from './link-rewrite';

const PAGING_KEYS = ['next', 'previous'] as const;
/** a JSON string literal; its branches never overlap, so matching is linear */
const JSON_STRING = /"(?:[^"\\]|\\.)*"/gs;

/**
 * The body with its top-level `paging.next` and `paging.previous` rewritten through `routes`
 * ({@link rewriteUpstreamUrl}, dropping `access_token` and `stripped` from the query); a URL into
 * none of the routes, a body that is not a JSON object, or one without paging URLs is returned as is.
 */
export function rewriteJsonPaging(
  body: Buffer,
  routes: readonly LinkRoute[],
  stripped: readonly string[],
): Buffer {
  const text = body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return body;
  }
  const paging =
    typeof json === 'object' && json !== null ? (json as { paging?: unknown }).paging : undefined;
  if (typeof paging !== 'object' || paging === null) return body;
  const replacements = new Map<string, string>();
  for (const key of PAGING_KEYS) {
    const value = (paging as Record<string, unknown>)[key];
    if (typeof value !== 'string') continue;
    const rewritten = rewriteUpstreamUrl(value, routes, stripped);
    if (rewritten !== undefined) replacements.set(value, rewritten);
  }
  if (replacements.size === 0) return body;
  // The URLs may be written with escapes (Graph writes `https:\/\/…`): compare decoded literals.
  const out = text.replace(JSON_STRING, (literal) => {
    if (!literal.includes('http')) return literal;
    const replacement = replacements.get(JSON.parse(literal) as string);
    return replacement === undefined ? literal : JSON.stringify(replacement);
  });
  return Buffer.from(out, 'utf8');
}
