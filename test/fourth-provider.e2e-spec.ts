/**
 * Adding a provider is its declaration and adapter: a made-up fourth provider, Acme
 * (test/support/acme-provider.ts, nothing in src/ names it), registered in the app built for this
 * test, gets its profile route, its API route with the user's IdP token, its identities, its place
 * in the OpenAPI document and CORS, and its configuration variables.
 */
import { ConfigError, describeVariables, parseConfig } from '../src/config/app-config';
import { SERVED_PROVIDERS } from '../src/identity-providers/served-providers';
import { ACME_PROVIDER, startAcmeApi } from './support/acme-provider';
import type { AcmeApi } from './support/acme-provider';
import { expectNoSecretLeaked, startStack } from './support/stack';
import type { Stack } from './support/stack';

const PROVIDERS = [...SERVED_PROVIDERS, ACME_PROVIDER];
const ACME_TOKEN = 'acme-idp-token-3f9c1d7e5b';
const ACME_USER = 'auth0|9901';
const APP_ORIGIN = 'https://app.example.com';

describe('A fourth provider', () => {
  let acme: AcmeApi;
  let stack: Stack;

  beforeAll(async () => {
    acme = await startAcmeApi(ACME_TOKEN);
    stack = await startStack(
      { ACME_API_BASE_URL: acme.url, ACME_REGION: 'us', CORS_ORIGINS: APP_ORIGIN },
      {},
      { providers: PROVIDERS },
    );
    stack.emulator.addUser({ userId: ACME_USER, providers: ['auth0'], name: 'Ada Acme' });
    stack.emulator.user(ACME_USER)?.identities.push({
      provider: 'acme',
      connection: 'acme',
      user_id: 'acme-77',
      isSocial: true,
      access_token: ACME_TOKEN,
    });
  });

  afterAll(async () => {
    expectNoSecretLeaked(stack);
    expect(stack.answers.filter((answer) => answer.includes(ACME_TOKEN))).toEqual([]);
    await stack.close();
    await acme.close();
  });

  it('should answer the normalized profile, with the provider field it declares', async () => {
    const answer = await stack.call('/v1/idp/acme/profile', { token: stack.token(ACME_USER) });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      provider: 'acme',
      id: 'acme-77',
      name: 'Ada Acme',
      email: 'ada@acme.example',
      picture: null,
      karma: 42,
    });
    expect(acme.calls.at(-1)?.url).toBe('/me');
  });

  it("should forward an API call to its API root with the user's token and its headers", async () => {
    const answer = await stack.call('/v1/idp/acme/api/things/7?page=2', {
      token: stack.token(ACME_USER),
      headers: { 'x-acme-tenant': 'blue', 'x-other': 'dropped' },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ path: '/things/7?page=2', region: 'us', tenant: 'blue' });
    const seen = acme.calls.at(-1);
    expect(seen?.headers.authorization).toBe(`Bearer ${ACME_TOKEN}`);
    expect(seen?.headers['x-other']).toBeUndefined();
    expect(answer.text).not.toContain(ACME_TOKEN);
  });

  it('should list its identity as supported', async () => {
    const answer = await stack.call('/v1/identities', { token: stack.token(ACME_USER) });
    expect(answer.status).toBe(200);
    expect(answer.json.identities).toContainEqual({
      provider: 'acme',
      connection: 'acme',
      userId: 'acme-77',
      isSocial: true,
      supported: true,
      tokenSource: 'identities',
      hasToken: true,
      canRefresh: false,
    });
  });

  it('should be in the OpenAPI enums and describe its profile field', async () => {
    const answer = await stack.call('/docs/openapi.json');
    expect(answer.status).toBe(200);
    const keys = ['google', 'github', 'facebook', 'acme'];
    for (const path of ['/v1/idp/{provider}/profile', '/v1/idp/{provider}/api/{path}']) {
      const provider = answer.json.paths[path].get.parameters.find(
        (p: { name: string }) => p.name === 'provider',
      );
      expect(provider.schema.enum).toEqual(keys);
    }
    const profile = answer.json.components.schemas.ProfileDto;
    expect(profile.properties.provider.enum).toEqual(keys);
    expect(profile.properties.karma).toEqual({
      type: 'integer',
      nullable: true,
      description: 'Acme only: the karma points.',
    });
    expect(profile.required).not.toContain('karma');
  });

  it('should let a browser app send its extra request header (CORS)', async () => {
    const answer = await stack.call('/v1/idp/acme/api/things', {
      method: 'OPTIONS',
      headers: {
        origin: APP_ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization, x-acme-tenant',
      },
    });
    expect(answer.status).toBe(204);
    const allowed = (answer.headers.get('access-control-allow-headers') ?? '').split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['x-acme-tenant', 'x-github-api-version']));
  });
});

describe('A fourth provider: configuration', () => {
  const base = {
    AUTH0_DOMAIN: 'tenant.eu.auth0.com',
    AUTH0_AUDIENCE: 'https://api.example.com',
    AUTH0_CLIENT_ID: 'client',
    AUTH0_CLIENT_SECRET: 'very-secret-value',
  };
  const problems = (env: Record<string, string>): string[] => {
    try {
      parseConfig({ ...base, ...env }, PROVIDERS);
    } catch (error) {
      if (error instanceof ConfigError) return error.lines();
      throw error;
    }
    return [];
  };

  it('should read its API root, its hosts and its own variables, with their defaults', () => {
    const config = parseConfig({ ...base, ACME_API_HOSTS: 'Files.acme.example' }, PROVIDERS);
    expect(config.providers.acme).toEqual({
      apiBaseUrl: 'https://api.acme.example',
      apiHosts: ['files.acme.example'],
      settings: { region: 'eu' },
    });
    const variables = describeVariables(PROVIDERS);
    expect(variables).toEqual(
      expect.arrayContaining([
        { name: 'ACME_API_BASE_URL', default: 'https://api.acme.example' },
        { name: 'ACME_REGION', default: 'eu' },
        { name: 'ACME_API_HOSTS', default: 'api.acme.example,files.acme.example' },
      ]),
    );
    expect(describeVariables().map((v) => v.name)).not.toContain('ACME_REGION');
  });

  it('should report each of its variables on error, one line each, never a value', () => {
    const lines = problems({
      ACME_API_BASE_URL: 'http://api.acme.example',
      ACME_REGION: 'mars',
      ACME_API_HOSTS: 'api.acme.example/x',
    });
    expect(lines).toEqual([
      'ACME_API_BASE_URL: must use https:// (http:// is accepted only for a loopback host)',
      'ACME_REGION: must be one of eu, us',
      'ACME_API_HOSTS: must be a comma list of host names (people.googleapis.com)',
    ]);
  });

  it('should check TOKEN_VAULT_PROVIDERS against its declaration', () => {
    expect(problems({ TOKEN_VAULT_PROVIDERS: 'acme' })).toEqual([
      "TOKEN_VAULT_PROVIDERS: acme is not among Token Vault's providers (use google, github)",
      'TOKEN_VAULT_CLIENT_ID: is required when TOKEN_VAULT_PROVIDERS is set',
    ]);
    expect(problems({ TOKEN_VAULT_PROVIDERS: 'myspace' })[0]).toBe(
      "TOKEN_VAULT_PROVIDERS: unknown provider 'myspace' (use google, github, facebook, acme)",
    );
  });
});
