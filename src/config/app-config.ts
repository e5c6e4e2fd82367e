/**
 * The service's one typed configuration. `parseConfig` validates the environment once, at start-up,
 * and reports every problem in one run (one line per variable); everything else receives the
 * resulting object through DI (the `AppConfig` token). Each section below reads its own variables:
 * adding one is one line in its section, plus its field in `Config`, `.env.example` and
 * docs/configuration.md (a test compares that page's table with what this file reads).
 */
import { isIP } from 'node:net';
import type { CacheKey } from '../cache/cache-key';
import { LOG_LEVELS } from '../logging/log-level';
import type { LogLevel } from '../logging/log-level';
import { ConfigError, EnvReader, isLoopbackHost } from './env-reader';

export { ConfigError, isLoopbackHost };

export type ProviderKey = 'google' | 'github' | 'facebook';

export interface Config {
  port: number;
  /** listening address; the sandbox sets 127.0.0.1 */
  host: string;
  /** serve /metrics and /health/* on this port instead of `port` (undefined: on `port`) */
  adminPort: number | undefined;
  /** serve Swagger UI and /docs/openapi.json */
  docsEnabled: boolean;
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
  /** the exact `Authorization` value of the tenant's log stream; undefined: POST /auth0/log-stream is 404 */
  logStreamToken: string | undefined;
  /** fleet-wide Management API requests per second; undefined: no budget of our own */
  managementRps: number | undefined;
  /** how long a failed token recovery (idp_token_rejected) or a user_not_found is remembered */
  idpRecoveryIntervalS: number;
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

/** DI token and type of the validated configuration. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class AppConfig {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface AppConfig extends Config {}

export const PROVIDER_KEYS: readonly ProviderKey[] = ['google', 'github', 'facebook'];

type Env = Record<string, string | undefined>;

export function parseConfig(env: Env): AppConfig {
  const r = new EnvReader(env);
  const config = readConfig(r);
  r.throwIfAny();
  return Object.assign(Object.create(AppConfig.prototype) as AppConfig, config);
}

/**
 * Every variable the configuration reads, with its default where it has a plain one, in the order
 * read. docs/configuration.md documents exactly these.
 */
export function describeVariables(): Array<{ name: string; default: string | undefined }> {
  const r = new EnvReader({});
  readConfig(r);
  return [...r.variables].map(([name, fallback]) => ({ name, default: fallback }));
}

function readConfig(r: EnvReader): Config {
  const port = r.integer('PORT', 3000, 0, 65535);
  return {
    port,
    host: readHost(r),
    adminPort: readAdminPort(r, port),
    docsEnabled: r.boolean('DOCS_ENABLED', true),
    auth0: readAuth0(r),
    redis: readRedis(r),
    ...readProviders(r),
    tokenVault: readTokenVault(r),
    upstreamTimeoutMs: r.integer('UPSTREAM_TIMEOUT_MS', 10_000, 100, 300_000),
    identityCacheTtlS: r.integer('IDENTITY_CACHE_TTL_S', 3600, 0, 86_400),
    logStreamToken: r.read('AUTH0_LOG_STREAM_TOKEN'),
    managementRps: r.optionalInteger('AUTH0_MGMT_RPS', 1, 10_000),
    idpRecoveryIntervalS: r.integer('IDP_RECOVERY_INTERVAL_S', 30, 0, 3_600),
    jwksMinRefetchMs: r.integer('JWKS_MIN_REFETCH_MS', 10_000, 0, 3_600_000),
    requestTimeoutMs: r.integer('REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
    corsOrigins: readCorsOrigins(r),
    swaggerClientId: r.read('SWAGGER_CLIENT_ID'),
    log: { level: r.choice('LOG_LEVEL', 'info', LOG_LEVELS), pretty: r.boolean('LOG_PRETTY', false) },
    publicUrl: readPublicUrl(r),
    trustProxy: r.boolean('TRUST_PROXY', false),
    ...readApiHosts(r),
  };
}

function readAuth0(r: EnvReader): Config['auth0'] {
  const domain = r.required(
    'AUTH0_DOMAIN',
    'is required (the Auth0 tenant domain, e.g. tenant.eu.auth0.com)',
  );
  const domainUrl = domain === '' ? 'https://tenant.invalid' : parseDomain(r, domain);
  const issuer = r.read('AUTH0_ISSUER') === undefined ? `${domainUrl}/` : r.url('AUTH0_ISSUER');
  if (!r.failed('AUTH0_ISSUER') && !issuer.endsWith('/')) {
    r.fail('AUTH0_ISSUER', "must end with '/' (it is compared with iss exactly)");
  }
  return {
    domainUrl,
    audience: r.required('AUTH0_AUDIENCE', "is required (this API's identifier in Auth0)"),
    issuer,
    clientId: r.required(
      'AUTH0_CLIENT_ID',
      'is required (the machine-to-machine application of this service)',
    ),
    clientSecret: r.required('AUTH0_CLIENT_SECRET', 'is required (the secret of AUTH0_CLIENT_ID)'),
    tokenUrl: `${domainUrl}/oauth/token`,
    managementApiUrl: `${domainUrl}/api/v2/`,
    jwksUrl: `${issuer}.well-known/jwks.json`,
  };
}

/** `tenant.eu.auth0.com` → `https://tenant.eu.auth0.com`; an http:// URL only for loopback hosts. */
function parseDomain(r: EnvReader, raw: string): string {
  const candidate = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  if (!r.checkUrl('AUTH0_DOMAIN', candidate)) return 'https://tenant.invalid';
  const parsed = new URL(candidate);
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '' || parsed.username !== '') {
    r.fail('AUTH0_DOMAIN', 'must be a bare domain or origin, without path or query');
  }
  return parsed.origin;
}

function readRedis(r: EnvReader): Config['redis'] {
  const url = r.read('REDIS_URL');
  if (url !== undefined && !/^rediss?:\/\/[^\s]+$/.test(url)) {
    r.fail('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }
  const encryptionKey = r.key('CACHE_ENCRYPTION_KEY');
  if (url !== undefined && encryptionKey === undefined && !r.failed('CACHE_ENCRYPTION_KEY')) {
    r.fail('CACHE_ENCRYPTION_KEY', 'is required when REDIS_URL is set (32 bytes, base64)');
  }
  return {
    url,
    keyPrefix: r.text('REDIS_KEY_PREFIX', 'idp-proxy:'),
    encryptionKey,
    previousEncryptionKey: r.key('CACHE_ENCRYPTION_KEY_PREVIOUS'),
  };
}

function readProviders(r: EnvReader): Pick<Config, 'google' | 'github' | 'facebook'> {
  const [clientId, clientSecret] = r.pair('GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET');
  return {
    google: {
      apiBaseUrl: trimSlash(r.url('GOOGLE_API_BASE_URL', 'https://www.googleapis.com')),
      tokenUrl: r.url('GOOGLE_TOKEN_URL', 'https://oauth2.googleapis.com/token'),
      clientId,
      clientSecret,
    },
    github: { apiBaseUrl: trimSlash(r.url('GITHUB_API_BASE_URL', 'https://api.github.com')) },
    facebook: {
      apiBaseUrl: trimSlash(r.url('FACEBOOK_API_BASE_URL', 'https://graph.facebook.com')),
      appSecret: r.read('FACEBOOK_APP_SECRET'),
    },
  };
}

function readTokenVault(r: EnvReader): Config['tokenVault'] {
  const providers = r.list('TOKEN_VAULT_PROVIDERS').map((p) => p.toLowerCase());
  for (const p of providers) {
    if (!PROVIDER_KEYS.includes(p as ProviderKey)) {
      r.fail(
        'TOKEN_VAULT_PROVIDERS',
        `unknown provider '${p.slice(0, 20)}' (use ${PROVIDER_KEYS.join(', ')})`,
      );
    } else if (p === 'facebook') {
      r.fail('TOKEN_VAULT_PROVIDERS', "facebook is not among Token Vault's providers (use google, github)");
    }
  }
  const [clientId, clientSecret] = r.pair('TOKEN_VAULT_CLIENT_ID', 'TOKEN_VAULT_CLIENT_SECRET');
  if (providers.length > 0 && clientId === undefined && !r.failed('TOKEN_VAULT_CLIENT_SECRET')) {
    r.fail('TOKEN_VAULT_CLIENT_ID', 'is required when TOKEN_VAULT_PROVIDERS is set');
  }
  return { providers: [...new Set(providers as ProviderKey[])], clientId, clientSecret };
}

function readCorsOrigins(r: EnvReader): string[] {
  const origins = r.list('CORS_ORIGINS');
  const valid = origins.every((origin) => {
    try {
      return new URL(origin).origin === origin;
    } catch {
      return false;
    }
  });
  if (!valid) r.fail('CORS_ORIGINS', 'must be a comma list of origins like https://app.example.com');
  return origins;
}

/** An IP address to listen on (default all interfaces). */
function readHost(r: EnvReader): string {
  const raw = r.read('HOST', '0.0.0.0');
  if (raw === undefined) return '0.0.0.0';
  if (!isIP(raw) && raw !== 'localhost') r.fail('HOST', 'must be an IP address such as 127.0.0.1 or 0.0.0.0');
  return raw;
}

function readAdminPort(r: EnvReader, port: number): number | undefined {
  const adminPort = r.optionalInteger('ADMIN_PORT', 1, 65535);
  if (adminPort !== undefined && adminPort === port) {
    r.fail('ADMIN_PORT', 'must differ from PORT (unset it to serve /metrics and /health on PORT)');
  }
  return adminPort;
}

function readPublicUrl(r: EnvReader): string | undefined {
  const raw = r.read('PUBLIC_URL');
  if (raw === undefined || !r.checkUrl('PUBLIC_URL', raw)) return undefined;
  const parsed = new URL(raw);
  if (parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '') {
    r.fail('PUBLIC_URL', 'must be a base URL without query, fragment or user info');
  }
  return trimSlash(`${parsed.origin}${parsed.pathname}`);
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
function readApiHosts(r: EnvReader): Pick<Config, 'apiHosts' | 'apiHostOverrides'> {
  const apiHosts = {} as Record<ProviderKey, string[]>;
  for (const key of PROVIDER_KEYS) {
    const name = `${key.toUpperCase()}_API_HOSTS`;
    const raw = r.read(name, DEFAULT_API_HOSTS[key].join(','));
    const hosts = raw === undefined ? [...DEFAULT_API_HOSTS[key]] : r.list(name).map((h) => h.toLowerCase());
    if (!hosts.every((h) => HOST_NAME.test(h))) {
      r.fail(name, 'must be a comma list of host names (people.googleapis.com)');
    }
    apiHosts[key] = [...new Set(hosts)];
  }
  return { apiHosts, apiHostOverrides: readHostOverrides(r, new Set(Object.values(apiHosts).flat())) };
}

function readHostOverrides(r: EnvReader, allowed: ReadonlySet<string>): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const pair of r.list('API_HOST_OVERRIDES')) {
    const eq = pair.indexOf('=');
    const host = pair.slice(0, Math.max(eq, 0)).trim().toLowerCase();
    const target = pair.slice(eq + 1).trim();
    if (eq < 0 || !allowed.has(host)) {
      r.fail('API_HOST_OVERRIDES', 'must be host=http://127.0.0.1:port pairs naming allowed API hosts');
      continue;
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

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
