/**
 * The configuration each declared provider reads: its API root and own variables (read where the
 * provider section stands), its `<KEY>_API_HOSTS` with API_HOST_OVERRIDES (read last), and
 * TOKEN_VAULT_PROVIDERS checked against the declarations.
 */
import type {
  ProviderConfig,
  ProviderDeclaration,
  ProviderKey,
} from '../identity-providers/provider-declaration';
import { apiHostsVariable } from '../identity-providers/provider-declaration';
import { isLoopbackHost } from './env-reader';
import type { EnvReader } from './env-reader';

export type ProviderRoots = Record<ProviderKey, Omit<ProviderConfig, 'apiHosts'>>;

export interface TokenVaultConfig {
  providers: ProviderKey[];
  clientId?: string;
  clientSecret?: string;
}

/** Each provider's API root, then its own settings, in the declared order. */
export function readProviderRoots(r: EnvReader, providers: readonly ProviderDeclaration[]): ProviderRoots {
  const roots: ProviderRoots = {};
  for (const provider of providers) {
    const { variable, default: fallback } = provider.apiBaseUrl;
    const apiBaseUrl = trimSlash(r.url(variable, fallback));
    roots[provider.key] = { apiBaseUrl, settings: provider.readSettings(r) };
  }
  return roots;
}

export function readTokenVault(r: EnvReader, providers: readonly ProviderDeclaration[]): TokenVaultConfig {
  const keys = providers.map((p) => p.key);
  const vaultKeys = providers.filter((p) => p.tokenVault).map((p) => p.key);
  const named = r.list('TOKEN_VAULT_PROVIDERS').map((p) => p.toLowerCase());
  for (const p of named) {
    if (!keys.includes(p)) {
      r.fail('TOKEN_VAULT_PROVIDERS', `unknown provider '${p.slice(0, 20)}' (use ${keys.join(', ')})`);
    } else if (!vaultKeys.includes(p)) {
      r.fail(
        'TOKEN_VAULT_PROVIDERS',
        `${p} is not among Token Vault's providers (use ${vaultKeys.join(', ')})`,
      );
    }
  }
  const [clientId, clientSecret] = r.pair('TOKEN_VAULT_CLIENT_ID', 'TOKEN_VAULT_CLIENT_SECRET');
  if (named.length > 0 && clientId === undefined && !r.failed('TOKEN_VAULT_CLIENT_SECRET')) {
    r.fail('TOKEN_VAULT_CLIENT_ID', 'is required when TOKEN_VAULT_PROVIDERS is set');
  }
  return { providers: [...new Set(named)], clientId, clientSecret };
}

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** `<KEY>_API_HOSTS` of every provider (e.g. GITHUB_API_HOSTS), in the declared order. */
export function readApiHosts(
  r: EnvReader,
  providers: readonly ProviderDeclaration[],
): Record<ProviderKey, string[]> {
  const apiHosts: Record<ProviderKey, string[]> = {};
  for (const { key, defaultApiHosts } of providers) {
    const name = apiHostsVariable(key);
    const raw = r.read(name, defaultApiHosts.join(','));
    const hosts = raw === undefined ? [...defaultApiHosts] : r.list(name).map((h) => h.toLowerCase());
    if (!hosts.every((h) => HOST_NAME.test(h))) {
      r.fail(name, 'must be a comma list of host names (people.googleapis.com)');
    }
    apiHosts[key] = [...new Set(hosts)];
  }
  return apiHosts;
}

/** API_HOST_OVERRIDES: allowed host → loopback base URL (tests and emulators only). */
export function readHostOverrides(r: EnvReader, allowed: ReadonlySet<string>): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const pair of r.list('API_HOST_OVERRIDES')) {
    const eq = pair.indexOf('=');
    const host = pair.slice(0, Math.max(eq, 0)).trim().toLowerCase();
    const target = pair.slice(eq + 1).trim();
    if (eq < 0 || !allowed.has(host)) {
      r.fail('API_HOST_OVERRIDES', 'must be host=http://127.0.0.1:port pairs naming allowed API hosts');
      continue;
    }
    if (!isLoopbackTarget(target)) {
      r.fail(
        'API_HOST_OVERRIDES',
        `the target for ${host} must be a loopback http(s) URL (tests and emulators only)`,
      );
      continue;
    }
    overrides[host] = trimSlash(target);
  }
  return overrides;
}

function isLoopbackTarget(target: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    return false;
  }
  return ['http:', 'https:'].includes(parsed.protocol) && isLoopbackHost(parsed.hostname);
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
