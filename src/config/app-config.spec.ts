import { ConfigError, describeVariables, parseConfig } from './app-config';

const base = {
  AUTH0_DOMAIN: 'tenant.eu.auth0.com',
  AUTH0_AUDIENCE: 'https://api.example.com',
  AUTH0_CLIENT_ID: 'client',
  AUTH0_CLIENT_SECRET: 'very-secret-value',
};

const failure = (env: Record<string, string | undefined>): ConfigError => {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe(parseConfig.name, () => {
  it('should derive the tenant URLs from a bare domain', () => {
    const config = parseConfig(base);
    expect(config.auth0).toEqual(
      expect.objectContaining({
        domainUrl: 'https://tenant.eu.auth0.com',
        issuer: 'https://tenant.eu.auth0.com/',
        tokenUrl: 'https://tenant.eu.auth0.com/oauth/token',
        managementApiUrl: 'https://tenant.eu.auth0.com/api/v2/',
        jwksUrl: 'https://tenant.eu.auth0.com/.well-known/jwks.json',
      }),
    );
    expect(config.port).toBe(3000);
    expect(config.upstreamTimeoutMs).toBe(10000);
    expect(config.identityCacheTtlS).toBe(3600);
    expect(config.jwksMinRefetchMs).toBe(10000);
    expect(config.requestTimeoutMs).toBe(30000);
    expect(config.redis.keyPrefix).toBe('idp-proxy:');
    expect(config.providers.github.apiBaseUrl).toBe('https://api.github.com');
  });

  it('should take the JWKS from a custom-domain issuer', () => {
    const config = parseConfig({ ...base, AUTH0_ISSUER: 'https://login.example.com/' });
    expect(config.auth0.jwksUrl).toBe('https://login.example.com/.well-known/jwks.json');
    expect(config.auth0.tokenUrl).toBe('https://tenant.eu.auth0.com/oauth/token');
  });

  it('should accept http:// only for loopback hosts', () => {
    expect(parseConfig({ ...base, AUTH0_DOMAIN: 'http://127.0.0.1:4010' }).auth0.domainUrl).toBe(
      'http://127.0.0.1:4010',
    );
    expect(parseConfig({ ...base, AUTH0_DOMAIN: 'http://localhost:4010' }).auth0.issuer).toBe(
      'http://localhost:4010/',
    );
    expect(failure({ ...base, AUTH0_DOMAIN: 'http://tenant.eu.auth0.com' }).variable).toBe('AUTH0_DOMAIN');
    expect(failure({ ...base, GITHUB_API_BASE_URL: 'http://api.github.com' }).variable).toBe(
      'GITHUB_API_BASE_URL',
    );
  });

  it.each([
    [{ AUTH0_DOMAIN: undefined }, 'AUTH0_DOMAIN'],
    [{ AUTH0_AUDIENCE: '' }, 'AUTH0_AUDIENCE'],
    [{ AUTH0_CLIENT_SECRET: undefined }, 'AUTH0_CLIENT_SECRET'],
    [{ AUTH0_DOMAIN: 'tenant.eu.auth0.com/path' }, 'AUTH0_DOMAIN'],
    [{ AUTH0_ISSUER: 'https://login.example.com' }, 'AUTH0_ISSUER'],
    [{ PORT: '70000' }, 'PORT'],
    [{ UPSTREAM_TIMEOUT_MS: 'fast' }, 'UPSTREAM_TIMEOUT_MS'],
    [{ REDIS_URL: 'redis://127.0.0.1:6379' }, 'CACHE_ENCRYPTION_KEY'],
    [{ CACHE_ENCRYPTION_KEY: 'c2hvcnQ=' }, 'CACHE_ENCRYPTION_KEY'],
    [
      { REDIS_URL: 'http://127.0.0.1:6379', CACHE_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') },
      'REDIS_URL',
    ],
    [
      { CACHE_ENCRYPTION_KEY_PREVIOUS: Buffer.alloc(16, 1).toString('base64') },
      'CACHE_ENCRYPTION_KEY_PREVIOUS',
    ],
    [{ TOKEN_VAULT_PROVIDERS: 'google' }, 'TOKEN_VAULT_CLIENT_ID'],
    [{ TOKEN_VAULT_PROVIDERS: 'myspace' }, 'TOKEN_VAULT_PROVIDERS'],
    [{ TOKEN_VAULT_PROVIDERS: 'github,facebook' }, 'TOKEN_VAULT_PROVIDERS'],
    [{ GOOGLE_CLIENT_ID: 'id-only' }, 'GOOGLE_CLIENT_SECRET'],
    [{ CORS_ORIGINS: 'https://app.example.com/path' }, 'CORS_ORIGINS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('should refuse %j naming %s', (override, variable) => {
    const error = failure({ ...base, ...override });
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('should report every problem in one run, one per variable, in the order read', () => {
    const error = failure({
      AUTH0_DOMAIN: 'tenant.eu.auth0.com',
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      GOOGLE_CLIENT_ID: 'id-only',
    });
    expect(error.lines()).toEqual([
      'PORT: must be a whole number from 0 to 65535',
      "AUTH0_AUDIENCE: is required (this API's identifier in Auth0)",
      'AUTH0_CLIENT_ID: is required (the machine-to-machine application of this service)',
      'AUTH0_CLIENT_SECRET: is required (the secret of AUTH0_CLIENT_ID)',
      'GOOGLE_CLIENT_SECRET: must be set together with GOOGLE_CLIENT_ID',
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
    ]);
  });

  it('should refuse an ADMIN_PORT equal to PORT and read DOCS_ENABLED', () => {
    expect(failure({ ...base, PORT: '8080', ADMIN_PORT: '8080' }).variable).toBe('ADMIN_PORT');
    expect(parseConfig({ ...base, ADMIN_PORT: '9100' }).adminPort).toBe(9100);
    expect(parseConfig(base).adminPort).toBeUndefined();
    expect(parseConfig(base).docsEnabled).toBe(true);
    expect(parseConfig({ ...base, DOCS_ENABLED: 'false' }).docsEnabled).toBe(false);
    expect(failure({ ...base, DOCS_ENABLED: 'off' }).variable).toBe('DOCS_ENABLED');
  });

  it('should list every variable it reads, with plain defaults', () => {
    const variables = describeVariables();
    const names = variables.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['AUTH0_DOMAIN', 'PORT', 'ADMIN_PORT', 'DOCS_ENABLED']));
    expect(variables.find((v) => v.name === 'PORT')?.default).toBe('3000');
    expect(variables.find((v) => v.name === 'AUTH0_DOMAIN')?.default).toBeUndefined();
  });

  it('should never put a value in the error message', () => {
    const error = failure({ ...base, CACHE_ENCRYPTION_KEY: 'not-a-valid-key-but-secret' });
    expect(error.message).not.toContain('not-a-valid-key-but-secret');
  });

  it('should give cache keys an id from their SHA-256', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = parseConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379', CACHE_ENCRYPTION_KEY: key });
    expect(config.redis.encryptionKey?.id).toMatch(/^[0-9a-f]{8}$/);
    expect(config.redis.encryptionKey?.key.length).toBe(32);
  });

  describe('public URL and API hosts', () => {
    it('should default to the request origin, not trusting X-Forwarded-*, and the built-in host lists', () => {
      const config = parseConfig(base);
      expect(config.publicUrl).toBeUndefined();
      expect(config.trustProxy).toBe(false);
      expect(config.providers.google.apiHosts).toEqual(
        expect.arrayContaining(['www.googleapis.com', 'people.googleapis.com']),
      );
      expect(config.providers.github.apiHosts).toEqual(['api.github.com', 'uploads.github.com']);
      expect(config.providers.facebook.apiHosts).toEqual(['graph.facebook.com', 'graph-video.facebook.com']);
      expect(config.apiHostOverrides).toEqual({});
    });

    it('should read PUBLIC_URL without its trailing slash, https unless loopback, and TRUST_PROXY', () => {
      const config = parseConfig({
        ...base,
        PUBLIC_URL: 'https://api.example.com/idp/',
        TRUST_PROXY: 'true',
      });
      expect([config.publicUrl, config.trustProxy]).toEqual(['https://api.example.com/idp', true]);
      expect(parseConfig({ ...base, PUBLIC_URL: 'http://127.0.0.1:3000' }).publicUrl).toBe(
        'http://127.0.0.1:3000',
      );
      expect(failure({ ...base, PUBLIC_URL: 'http://api.example.com' }).variable).toBe('PUBLIC_URL');
      expect(failure({ ...base, PUBLIC_URL: 'https://api.example.com/?x=1' }).variable).toBe('PUBLIC_URL');
      expect(failure({ ...base, TRUST_PROXY: 'yes' }).variable).toBe('TRUST_PROXY');
    });

    it('should read the host lists and loopback-only overrides of allowed hosts', () => {
      const config = parseConfig({
        ...base,
        GOOGLE_API_HOSTS: 'People.googleapis.com, sheets.googleapis.com',
        API_HOST_OVERRIDES: 'people.googleapis.com=http://127.0.0.1:4999/',
      });
      expect(config.providers.google.apiHosts).toEqual(['people.googleapis.com', 'sheets.googleapis.com']);
      expect(config.apiHostOverrides).toEqual({ 'people.googleapis.com': 'http://127.0.0.1:4999' });
      expect(failure({ ...base, GITHUB_API_HOSTS: 'api.github.com/x' }).variable).toBe('GITHUB_API_HOSTS');
      expect(
        failure({ ...base, API_HOST_OVERRIDES: 'people.googleapis.com=https://evil.example' }).variable,
      ).toBe('API_HOST_OVERRIDES');
      expect(failure({ ...base, API_HOST_OVERRIDES: 'evil.example=http://127.0.0.1:1' }).variable).toBe(
        'API_HOST_OVERRIDES',
      );
      expect(failure({ ...base, API_HOST_OVERRIDES: 'people.googleapis.com' }).variable).toBe(
        'API_HOST_OVERRIDES',
      );
    });
  });
});
