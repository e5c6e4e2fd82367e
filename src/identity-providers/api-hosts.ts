/**
 * The hosts a provider's `/hosts/{host}/` routes may reach, and where each one's calls go: the
 * provider's default host to its configured API root, a host named in API_HOST_OVERRIDES to that
 * loopback URL (tests, emulators), any other allowed host to `https://{host}`.
 */

export interface ApiRoot {
  /** the allowed host name, e.g. `people.googleapis.com` */
  host: string;
  /** where its calls go, without a trailing slash */
  baseUrl: string;
}

export class ApiHosts {
  private readonly roots: ReadonlyMap<string, string>;

  /**
   * @param allowed the provider's configured hosts (`<KEY>_API_HOSTS`)
   * @param overrides API_HOST_OVERRIDES: host → loopback base URL
   * @param defaultHost the host of the provider's default API root (`api.github.com`): when allowed
   *   and not overridden, it goes to `apiBaseUrl`, so a configured root applies to both route forms.
   */
  constructor(
    allowed: readonly string[],
    overrides: Readonly<Record<string, string>>,
    defaultHost: string,
    apiBaseUrl: string,
  ) {
    const roots = new Map<string, string>();
    for (const host of allowed) {
      const override = overrides[host];
      roots.set(
        host,
        override ?? (host === defaultHost && apiBaseUrl !== '' ? apiBaseUrl : `https://${host}`),
      );
    }
    this.roots = roots;
  }

  /** The root a `/hosts/{host}/` call goes to, or undefined when the host is not allowed. */
  baseUrl(host: string): string | undefined {
    return this.roots.get(host.toLowerCase());
  }

  /** Every allowed host with its root, in the configured order. */
  list(): ApiRoot[] {
    return [...this.roots].map(([host, baseUrl]) => ({ host, baseUrl }));
  }
}
