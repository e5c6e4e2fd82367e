/**
 * The service's one typed configuration. `parseConfig` validates the environment once, at start-up,
 * and reports every problem in one run (one line per variable); everything else receives the
 * resulting object through DI (the `AppConfig` token). Each section below reads its own variables:
 * adding one is one line in its section, plus its field in `Config`, `.env.example` and
 * docs/configuration.md (a test compares that page's table with what this file reads). A provider's
 * variables come from its declaration (src/identity-providers/served-providers.ts).
 */
import { isIP } from 'node:net';
import type {
  ProviderConfig,
  ProviderDeclaration,
  ProviderKey,
} from '../identity-providers/provider-declaration';
import { SERVED_PROVIDERS } from '../identity-providers/served-providers';
import type { CacheKey } from '../cache/cache-key';
import { LOG_LEVELS } from '../logging/log-level';
import type { LogLevel } from '../logging/log-level';
import { ConfigError, EnvReader, isLoopbackHost } from './env-reader';
import {
  readApiHosts,
  readHostOverrides,
  readProviderRoots,
  readTokenVault,
  trimSlash,
} from './provider-config';
import type { ProviderRoots, TokenVaultConfig } from './provider-config';

export { ConfigError, isLoopbackHost };

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
  /** every declared provider by key: API root, allowed `/hosts/{host}/` hosts, own settings */
  providers: Record<ProviderKey, ProviderConfig>;
  tokenVault: TokenVaultConfig;
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
  /** tests and emulators: an allowed host → the loopback base URL (no trailing slash) its calls go to */
  apiHostOverrides: Record<string, string>;
}

/** DI token and type of the validated configuration. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class AppConfig {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface AppConfig extends Config {}

type Env = Record<string, string | undefined>;

export function parseConfig(
  env: Env,
  providers: readonly ProviderDeclaration[] = SERVED_PROVIDERS,
): AppConfig {
  const r = new EnvReader(env);
  const config = readConfig(r, providers);
  r.throwIfAny();
  return Object.assign(Object.create(AppConfig.prototype) as AppConfig, config);
}

/**
 * Every variable the configuration reads, with its default where it has a plain one, in the order
 * read. docs/configuration.md documents exactly these.
 */
export function describeVariables(
  providers: readonly ProviderDeclaration[] = SERVED_PROVIDERS,
): Array<{ name: string; default: string | undefined }> {
  const r = new EnvReader({});
  readConfig(r, providers);
  return [...r.variables].map(([name, fallback]) => ({ name, default: fallback }));
}

function readConfig(r: EnvReader, providers: readonly ProviderDeclaration[]): Config {
  const port = r.integer('PORT', 3000, 0, 65535);
  const head = {
    port,
    host: readHost(r),
    adminPort: readAdminPort(r, port),
    docsEnabled: r.boolean('DOCS_ENABLED', true),
    auth0: readAuth0(r),
    redis: readRedis(r),
  };
  const roots = readProviderRoots(r, providers);
  return {
    ...head,
    tokenVault: readTokenVault(r, providers),
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
    ...readHosts(r, providers, roots),
  };
}

/** `<KEY>_API_HOSTS` and API_HOST_OVERRIDES, read last, joined with each provider's root. */
function readHosts(
  r: EnvReader,
  providers: readonly ProviderDeclaration[],
  roots: ProviderRoots,
): Pick<Config, 'providers' | 'apiHostOverrides'> {
  const apiHosts = readApiHosts(r, providers);
  const configured: Config['providers'] = {};
  for (const { key } of providers) configured[key] = { ...roots[key], apiHosts: apiHosts[key] };
  const allowed = new Set(Object.values(apiHosts).flat());
  return { providers: configured, apiHostOverrides: readHostOverrides(r, allowed) };
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
