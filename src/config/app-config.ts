/**
 * The service's one typed configuration. `parseConfig` validates the environment once, at start-up;
 * everything else receives the resulting object through DI (the `AppConfig` token).
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';

export type ProviderKey = 'google' | 'github' | 'facebook';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  /** listening address; the sandbox sets 127.0.0.1 */
  host: string;
  auth0: {
    /** tenant root as a URL without trailing slash: https://tenant.eu.auth0.com */
    domainUrl: string;
    audience: string;
    issuer: string;
    clientId: string;
    clientSecret: string;
    tokenUrl: string;
    /** Management API root with trailing slash; also the management token's audience */
    managementApiUrl: string;
    jwksUrl: string;
  };
  redis: {
    url: string | undefined;
    keyPrefix: string;
    encryptionKey: CacheKey | undefined;
    previousEncryptionKey: CacheKey | undefined;
  };
  google: { apiBaseUrl: string; tokenUrl: string; clientId?: string; clientSecret?: string };
  github: { apiBaseUrl: string };
  facebook: { apiBaseUrl: string; appSecret?: string };
  tokenVault: { providers: ProviderKey[]; clientId?: string; clientSecret?: string };
  upstreamTimeoutMs: number;
  identityCacheTtlS: number;
  /** how long a failed token recovery (idp_token_rejected) or a user_not_found is remembered */
  idpRecoveryIntervalS: number;
  /** the exact `Authorization` value of the tenant's log stream; undefined: POST /auth0/log-stream is 404 */
  logStreamToken: string | undefined;
  /** fleet-wide Management API requests per second; undefined: no budget of our own */
  managementRps: number | undefined;
  jwksMinRefetchMs: number;
  /** headers and body of a request must have arrived within this, else 408 and the connection closes */
  requestTimeoutMs: number;
  corsOrigins: string[];
  swaggerClientId: string | undefined;
  log: { level: LogLevel; pretty: boolean };
  /** external base URL (no trailing slash) every emitted absolute URL starts with; unset: the request's origin */
  publicUrl: string | undefined;
  /** believe X-Forwarded-Proto / X-Forwarded-Host when deriving the request's origin */
  trustProxy: boolean;
  /** hosts the `/hosts/{host}/` routes may reach, per provider (lower-case names) */
  apiHosts: Record<ProviderKey, string[]>;
  /** tests and emulators: an allowed host → the loopback base URL (no trailing slash) its calls go to */
  apiHostOverrides: Record<string, string>;
}

export interface CacheKey {
  key: Buffer;
  /** first 8 hex chars of the SHA-256 of the key */
  id: string;
}

/** DI token and type of the validated configuration. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class AppConfig {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface AppConfig extends Config {}

/** A configuration problem: names the variable, never its (possibly secret) value. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

const PROVIDER_KEYS: readonly ProviderKey[] = ['google', 'github', 'facebook'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

type Env = Record<string, string | undefined>;

export function parseConfig(env: Env): AppConfig {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const required = (name: string, hint = 'is required'): string => {
    const value = read(name);
    if (value === undefined) throw new ConfigError(name, hint);
    return value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new ConfigError(name, `must be a whole number from ${min} to ${max}`);
    }
    return Number(raw);
  };
  const url = (name: string, fallback?: string): string => {
    const raw = read(name) ?? fallback;
    if (raw === undefined) throw new ConfigError(name, 'is required');
    return checkUrl(name, raw);
  };
  const optionalPair = (a: string, b: string): [string, string] | [undefined, undefined] => {
    const [x, y] = [read(a), read(b)];
    if ((x === undefined) !== (y === undefined)) {
      throw new ConfigError(x === undefined ? a : b, `must be set together with ${x === undefined ? b : a}`);
    }
    return [x, y] as [string, string] | [undefined, undefined];
  };

  const domainUrl = parseDomain(
    required('AUTH0_DOMAIN', 'is required (the Auth0 tenant domain, e.g. tenant.eu.auth0.com)'),
  );
  const issuer = read('AUTH0_ISSUER') === undefined ? `${domainUrl}/` : url('AUTH0_ISSUER');
  if (!issuer.endsWith('/'))
    throw new ConfigError('AUTH0_ISSUER', "must end with '/' (it is compared with iss exactly)");

  const redisUrl = read('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }
  const encryptionKey = parseKey('CACHE_ENCRYPTION_KEY', read('CACHE_ENCRYPTION_KEY'));
  if (redisUrl !== undefined && encryptionKey === undefined) {
    throw new ConfigError('CACHE_ENCRYPTION_KEY', 'is required when REDIS_URL is set (32 bytes, base64)');
  }

  const [googleClientId, googleClientSecret] = optionalPair('GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET');
  const vaultProviders = (read('TOKEN_VAULT_PROVIDERS') ?? '')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== '');
  for (const p of vaultProviders) {
    if (!PROVIDER_KEYS.includes(p as ProviderKey)) {
      throw new ConfigError(
        'TOKEN_VAULT_PROVIDERS',
        `unknown provider '${p.slice(0, 20)}' (use ${PROVIDER_KEYS.join(', ')})`,
      );
    }
    if (p === 'facebook') {
      throw new ConfigError(
        'TOKEN_VAULT_PROVIDERS',
        "facebook is not among Token Vault's providers (use google, github)",
      );
    }
  }
  const [vaultClientId, vaultClientSecret] = optionalPair(
    'TOKEN_VAULT_CLIENT_ID',
    'TOKEN_VAULT_CLIENT_SECRET',
  );
  if (vaultProviders.length > 0 && vaultClientId === undefined) {
    throw new ConfigError('TOKEN_VAULT_CLIENT_ID', 'is required when TOKEN_VAULT_PROVIDERS is set');
  }

  const corsOrigins = (read('CORS_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const origin of corsOrigins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== origin) {
      throw new ConfigError('CORS_ORIGINS', 'must be a comma list of origins like https://app.example.com');
    }
  }

  const level = (read('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(level as LogLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const pretty = (read('LOG_PRETTY') ?? 'false').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(pretty))
    throw new ConfigError('LOG_PRETTY', 'must be true or false');

  const config: Config = {
    port: integer('PORT', 3000, 0, 65535),
    host: parseHost(read('HOST')),
    auth0: {
      domainUrl,
      audience: required('AUTH0_AUDIENCE', "is required (this API's identifier in Auth0)"),
      issuer,
      clientId: required('AUTH0_CLIENT_ID'),
      clientSecret: required('AUTH0_CLIENT_SECRET'),
      tokenUrl: `${domainUrl}/oauth/token`,
      managementApiUrl: `${domainUrl}/api/v2/`,
      jwksUrl: `${issuer}.well-known/jwks.json`,
    },
    redis: {
      url: redisUrl,
      keyPrefix: read('REDIS_KEY_PREFIX') ?? 'idp-proxy:',
      encryptionKey,
      previousEncryptionKey: parseKey('CACHE_ENCRYPTION_KEY_PREVIOUS', read('CACHE_ENCRYPTION_KEY_PREVIOUS')),
    },
    google: {
      apiBaseUrl: trimSlash(url('GOOGLE_API_BASE_URL', 'https://www.googleapis.com')),
      tokenUrl: url('GOOGLE_TOKEN_URL', 'https://oauth2.googleapis.com/token'),
      clientId: googleClientId,
      clientSecret: googleClientSecret,
    },
    github: { apiBaseUrl: trimSlash(url('GITHUB_API_BASE_URL', 'https://api.github.com')) },
    facebook: {
      apiBaseUrl: trimSlash(url('FACEBOOK_API_BASE_URL', 'https://graph.facebook.com')),
      appSecret: read('FACEBOOK_APP_SECRET'),
    },
    tokenVault: {
      providers: [...new Set(vaultProviders as ProviderKey[])],
      clientId: vaultClientId,
      clientSecret: vaultClientSecret,
    },
    upstreamTimeoutMs: integer('UPSTREAM_TIMEOUT_MS', 10_000, 100, 300_000),
    idpRecoveryIntervalS: integer('IDP_RECOVERY_INTERVAL_S', 30, 0, 3_600),
    identityCacheTtlS: integer('IDENTITY_CACHE_TTL_S', 3600, 0, 86_400),
    logStreamToken: read('AUTH0_LOG_STREAM_TOKEN'),
    managementRps: read('AUTH0_MGMT_RPS') === undefined ? undefined : integer('AUTH0_MGMT_RPS', 0, 1, 10_000),
    jwksMinRefetchMs: integer('JWKS_MIN_REFETCH_MS', 10_000, 0, 3_600_000),
    requestTimeoutMs: integer('REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
    corsOrigins,
    swaggerClientId: read('SWAGGER_CLIENT_ID'),
    log: { level: level as LogLevel, pretty: pretty === 'true' || pretty === '1' },
    ...parsePublicUrls(read),
    ...parseApiHosts(read),
  };
  return Object.assign(Object.create(AppConfig.prototype) as AppConfig, config);
}

/** PUBLIC_URL and TRUST_PROXY: how the service names itself in the URLs it hands out. */
function parsePublicUrls(
  read: (name: string) => string | undefined,
): Pick<Config, 'publicUrl' | 'trustProxy'> {
  const raw = read('PUBLIC_URL');
  let publicUrl: string | undefined;
  if (raw !== undefined) {
    const parsed = new URL(checkUrl('PUBLIC_URL', raw));
    if (parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '') {
      throw new ConfigError('PUBLIC_URL', 'must be a base URL without query, fragment or user info');
    }
    publicUrl = `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
  }
  const trust = (read('TRUST_PROXY') ?? 'false').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(trust))
    throw new ConfigError('TRUST_PROXY', 'must be true or false');
  return { publicUrl, trustProxy: trust === 'true' || trust === '1' };
}

/** Hosts each provider's `/hosts/{host}/` routes may reach when `*_API_HOSTS` is unset. */
export const DEFAULT_API_HOSTS: Readonly<Record<ProviderKey, readonly string[]>> = {
  google: [
    'www.googleapis.com',
    'people.googleapis.com',
    'gmail.googleapis.com',
    'sheets.googleapis.com',
    'docs.googleapis.com',
    'tasks.googleapis.com',
    'youtube.googleapis.com',
    'photoslibrary.googleapis.com',
  ],
  github: ['api.github.com', 'uploads.github.com'],
  facebook: ['graph.facebook.com', 'graph-video.facebook.com'],
};

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** GOOGLE_API_HOSTS, GITHUB_API_HOSTS, FACEBOOK_API_HOSTS and API_HOST_OVERRIDES. */
function parseApiHosts(
  read: (name: string) => string | undefined,
): Pick<Config, 'apiHosts' | 'apiHostOverrides'> {
  const list = (name: string, raw: string): string[] =>
    raw
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== '')
      .map((h) => {
        if (!HOST_NAME.test(h))
          throw new ConfigError(name, 'must be a comma list of host names (people.googleapis.com)');
        return h;
      });
  const apiHosts = {} as Record<ProviderKey, string[]>;
  for (const key of PROVIDER_KEYS) {
    const name = `${key.toUpperCase()}_API_HOSTS`;
    const raw = read(name);
    apiHosts[key] = raw === undefined ? [...DEFAULT_API_HOSTS[key]] : [...new Set(list(name, raw))];
  }
  const allowed = new Set(Object.values(apiHosts).flat());
  const apiHostOverrides: Record<string, string> = {};
  for (const pair of (read('API_HOST_OVERRIDES') ?? '').split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    const host = pair.slice(0, Math.max(eq, 0)).trim().toLowerCase();
    const target = pair.slice(eq + 1).trim();
    if (eq < 0 || !allowed.has(host)) {
      throw new ConfigError(
        'API_HOST_OVERRIDES',
        'must be host=http://127.0.0.1:port pairs naming allowed API hosts',
      );
    }
    let parsed: URL | undefined;
    try {
      parsed = new URL(target);
    } catch {
      parsed = undefined;
    }
    if (
      parsed === undefined ||
      !['http:', 'https:'].includes(parsed.protocol) ||
      !isLoopbackHost(parsed.hostname)
    ) {
      throw new ConfigError(
        'API_HOST_OVERRIDES',
        `the target for ${host} must be a loopback http(s) URL (tests and emulators only)`,
      );
    }
    apiHostOverrides[host] = trimSlash(target);
  }
  return { apiHosts, apiHostOverrides };
}

/** `tenant.eu.auth0.com` → `https://tenant.eu.auth0.com`; an http:// URL only for loopback hosts. */
function parseDomain(raw: string): string {
  const candidate = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  const checked = checkUrl('AUTH0_DOMAIN', candidate);
  const parsed = new URL(checked);
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '' || parsed.username !== '') {
    throw new ConfigError('AUTH0_DOMAIN', 'must be a bare domain or origin, without path or query');
  }
  return parsed.origin;
}

function checkUrl(name: string, raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be a URL');
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    throw new ConfigError(name, 'must use https:// (http:// is accepted only for a loopback host)');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(name, 'must be an https:// URL');
  }
  return raw;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function parseKey(name: string, raw: string | undefined): CacheKey | undefined {
  if (raw === undefined) return undefined;
  const key = Buffer.from(raw, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(raw) || key.length !== 32) {
    throw new ConfigError(name, 'must be 32 random bytes, base64-encoded (openssl rand -base64 32)');
  }
  return { key, id: createHash('sha256').update(key).digest('hex').slice(0, 8) };
}

/** An IP address to listen on (default all interfaces). */
function parseHost(raw: string | undefined): string {
  if (raw === undefined) return '0.0.0.0';
  if (!isIP(raw) && raw !== 'localhost')
    throw new ConfigError('HOST', 'must be an IP address such as 127.0.0.1 or 0.0.0.0');
  return raw;
}
