/**
 * IdP scopes as Token Vault reports them: the exchange's `scope` answer compared with what an
 * adapter's normalized profile needs. A requirement is a list of alternatives (Google accepts the
 * short `profile` and its URL form; GitHub's `user` includes `read:user`).
 */

/** One scope the profile needs, with the names that grant it; the first is the one shown. */
export type ScopeRequirement = readonly [string, ...string[]];

/** The requirements none of whose names is granted (empty when everything needed is there). */
export function missingScopes(
  required: readonly ScopeRequirement[],
  granted: readonly string[],
): ScopeRequirement[] {
  const have = new Set(granted);
  return required.filter((names) => !names.some((name) => have.has(name)));
}

/** A space-separated OAuth `scope` value as a list; undefined when the answer gave none. */
export function parseScope(value: unknown): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  return value.split(' ').filter((scope) => scope !== '');
}

/** `read:user` (or `user`), `email` — for a problem's detail. */
export function describeScopes(requirements: readonly ScopeRequirement[]): string {
  return requirements
    .map(([first, ...others]) =>
      others.length === 0 ? `\`${first}\`` : `\`${first}\` (or ${others.map((o) => `\`${o}\``).join(', ')})`,
    )
    .join(', ');
}
