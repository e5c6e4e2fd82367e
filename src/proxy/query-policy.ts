/**
 * The query-string filter (docs/forwarding.md): no parameter whose name reads as a token or an
 * adapter's reserved name reaches the IdP, however it is spelled. Pure functions only.
 */

/** Query names never forwarded, in their normalized form (see {@link normalizeQueryName}). */
const TOKEN_QUERY_NAMES: ReadonlySet<string> = new Set(['accesstoken', 'appsecretproof']);

/** Percent-decodes what decodes: each valid `%XX` run as UTF-8 (invalid bytes become U+FFFD), a stray `%` kept. */
export function lenientDecode(raw: string): string {
  return raw.replace(/(?:%[0-9a-f]{2})+/gi, (run) =>
    Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'),
  );
}

/** Percent-decodes each `%XX` as one Latin-1 character. */
function latin1Decode(raw: string): string {
  return raw.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The readings of a query name a server could compare: `+` as a space, percent-decoded, lower-cased
 * (also up to a `[`, also after an upper-case round trip, which folds look-alikes such as `ſ` (U+017F) to `s`, and
 * after NFKC, which folds fullwidth letters, and with each `%XX` read as one Latin-1 byte, as a
 * server decoding ISO-8859-1 does), then stripped of every character outside `a-z0-9`.
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
      // `%C4%B0access_token` is `İaccess_token` in UTF-8, but `Ä°access_token` byte by byte
      strip(latin1Decode(rawName.replace(/\+/g, ' ')).toLowerCase()),
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
