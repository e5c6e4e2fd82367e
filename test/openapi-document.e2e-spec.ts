/**
 * The OpenAPI document: the committed openapi.json is what the built service serves (but for the
 * tenant's OAuth2 URLs), it is valid OpenAPI for an independent validator, and it documents every
 * documented route with the problem codes each can answer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { PROBLEM_CODES } from '../src/common/problem';
import type { ProblemCode } from '../src/common/problem';
import { COMMITTED_SERVER, PLACEHOLDER_OAUTH2_URLS, oauth2UrlsFor } from '../src/openapi/openapi.setup';
import { REPO_ROOT, startSandbox } from './support/sandbox-process';
import type { Sandbox } from './support/sandbox-process';

const COMMITTED = join(REPO_ROOT, 'openapi.json');

function committed(): any {
  return JSON.parse(readFileSync(COMMITTED, 'utf8'));
}

// What each route is documented to answer, besides the codes every route shares.
const EVERY_ROUTE: ProblemCode[] = ['missing_token', 'invalid_token', 'internal_error'];
const AUTH0_READ: ProblemCode[] = [
  'user_not_found',
  'auth0_unavailable',
  'auth0_rate_limited',
  'upstream_timeout',
];
const IDP_CALL: ProblemCode[] = [
  ...AUTH0_READ,
  'unknown_provider',
  'identity_not_found',
  'idp_token_unavailable',
  'idp_account_not_connected',
  'idp_token_rejected',
  'idp_unavailable',
];
const FORWARD: ProblemCode[] = [...IDP_CALL, 'invalid_path', 'payload_too_large'];
const OWN: ProblemCode[] = ['user_token_required'];
const SERVICE: ProblemCode[] = ['insufficient_scope', 'invalid_request'];
const HOSTS: ProblemCode[] = ['unknown_api_host'];
const PROXY_METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete'];

const DOCUMENTED_ROUTES: Array<{ path: string; methods: string[]; codes: ProblemCode[] }> = [
  { path: '/v1/identities', methods: ['get'], codes: [...AUTH0_READ, ...OWN] },
  { path: '/v1/idp/{provider}/profile', methods: ['get'], codes: [...IDP_CALL, ...OWN] },
  { path: '/v1/idp/{provider}/api/{path}', methods: PROXY_METHODS, codes: [...FORWARD, ...OWN] },
  { path: '/v1/users/{userId}/identities', methods: ['get'], codes: [...AUTH0_READ, ...SERVICE] },
  { path: '/v1/users/{userId}/idp/{provider}/profile', methods: ['get'], codes: [...IDP_CALL, ...SERVICE] },
  {
    path: '/v1/users/{userId}/idp/{provider}/api/{path}',
    methods: PROXY_METHODS,
    codes: [...FORWARD, ...SERVICE],
  },
  {
    path: '/v1/idp/{provider}/hosts/{host}/{path}',
    methods: PROXY_METHODS,
    codes: [...FORWARD, ...HOSTS, ...OWN],
  },
  {
    path: '/v1/users/{userId}/idp/{provider}/hosts/{host}/{path}',
    methods: PROXY_METHODS,
    codes: [...FORWARD, ...HOSTS, ...SERVICE],
  },
];

/** code → status as documented by one operation's problem+json responses */
function documentedCodes(operation: any): Map<string, number> {
  const codes = new Map<string, number>();
  for (const [status, response] of Object.entries<any>(operation.responses)) {
    const schema = response.content?.['application/problem+json']?.schema;
    if (schema === undefined) continue;
    expect(schema.allOf[0]).toEqual({ $ref: '#/components/schemas/Problem' });
    for (const code of schema.allOf[1].properties.code.enum as string[]) codes.set(code, Number(status));
  }
  return codes;
}

describe('OpenAPI document', () => {
  describe('the committed openapi.json', () => {
    it('should pass an independent OpenAPI validator (@apidevtools/swagger-parser)', async () => {
      const api = await SwaggerParser.validate(COMMITTED);
      expect(api.info.title).toBe('IdP Proxy');
    });

    it('should list http://localhost:3000 as its server', () => {
      expect(committed().servers).toEqual([{ url: COMMITTED_SERVER }]);
    });

    it('should give every operation a unique, readable operationId', () => {
      const ids = Object.values<any>(committed().paths).flatMap((item) =>
        Object.values<any>(item).map((operation) => operation.operationId as string),
      );
      expect(ids).toHaveLength(DOCUMENTED_ROUTES.reduce((n, route) => n + route.methods.length, 0));
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z]*$/);
      expect(ids).toEqual(
        expect.arrayContaining([
          'getIdentities',
          'getUserIdentities',
          'getProfile',
          'getUserProfile',
          'proxyGet',
        ]),
      );
    });

    it("should carry the package's version and the placeholder OAuth2 URLs", () => {
      const document = committed();
      const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
      expect(document.info.version).toBe(manifest.version);
      expect(document.components.securitySchemes).toEqual({
        bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
        oauth2: expect.objectContaining({
          type: 'oauth2',
          flows: {
            authorizationCode: {
              authorizationUrl: 'https://{AUTH0_DOMAIN}/authorize',
              tokenUrl: 'https://{AUTH0_DOMAIN}/oauth/token',
              scopes: {},
            },
          },
        }),
      });
    });

    it('should define Problem with every code the service can answer', () => {
      const problem = committed().components.schemas.Problem;
      expect(problem.required).toEqual(['type', 'title', 'status', 'detail', 'code']);
      expect([...problem.properties.code.enum].sort()).toEqual(Object.keys(PROBLEM_CODES).sort());
      expect(problem.properties.connection).toEqual(expect.objectContaining({ type: 'string' }));
    });

    it.each(DOCUMENTED_ROUTES)('should document $path ($methods) with its problem codes', (route) => {
      const item = committed().paths[route.path];
      expect(item).toBeDefined();
      expect(Object.keys(item).sort()).toEqual([...route.methods].sort());
      for (const method of route.methods) {
        const operation = item[method];
        expect(operation.security).toEqual(expect.arrayContaining([{ bearer: [] }, { oauth2: [] }]));
        const codes = documentedCodes(operation);
        for (const code of [...EVERY_ROUTE, ...route.codes]) {
          expect({ method, code, status: codes.get(code) }).toEqual({
            method,
            code,
            status: PROBLEM_CODES[code].status,
          });
        }
        const parameters = (operation.parameters as Array<{ name: string; in: string }>)
          .filter((p) => p.in === 'path')
          .map((p) => p.name);
        expect(parameters.sort()).toEqual([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
        if (['post', 'put', 'patch'].includes(method)) expect(operation.requestBody).toBeDefined();
      }
    });

    it('should describe the answers of identities and profiles', () => {
      const { paths, components } = committed();
      expect(paths['/v1/identities'].get.responses['200'].content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/IdentitiesDto',
      });
      expect(
        paths['/v1/idp/{provider}/profile'].get.responses['200'].content['application/json'].schema,
      ).toEqual({ $ref: '#/components/schemas/ProfileDto' });
      expect(Object.keys(components.schemas.IdentityDto.properties).sort()).toEqual(
        [
          'canRefresh',
          'connection',
          'hasToken',
          'isSocial',
          'provider',
          'supported',
          'tokenSource',
          'userId',
        ].sort(),
      );
      expect(components.schemas.ProfileDto.required).toEqual(
        expect.arrayContaining(['provider', 'id', 'name', 'email', 'picture']),
      );
    });
  });

  describe('served by the built service (sandbox)', () => {
    let sandbox: Sandbox;

    beforeAll(async () => {
      sandbox = await startSandbox();
    }, 90_000);

    afterAll(async () => {
      await sandbox?.stop();
    });

    it('should equal the committed openapi.json once the OAuth2 URLs and the server are substituted (else run `npm run openapi`)', async () => {
      const response = await fetch(`${sandbox.url}/docs/openapi.json`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const tenant = oauth2UrlsFor(sandbox.tenantUrl);
      const text = await response.text();
      // the served document names the origin it was fetched from
      expect((JSON.parse(text) as { servers: unknown }).servers).toEqual([{ url: sandbox.url }]);
      const served = text
        .split(JSON.stringify(sandbox.url))
        .join(JSON.stringify(COMMITTED_SERVER))
        .split(JSON.stringify(tenant.authorizationUrl))
        .join(JSON.stringify(PLACEHOLDER_OAUTH2_URLS.authorizationUrl))
        .split(JSON.stringify(tenant.tokenUrl))
        .join(JSON.stringify(PLACEHOLDER_OAUTH2_URLS.tokenUrl));
      expect(JSON.parse(served)).toEqual(committed());
    });

    it('should serve Swagger UI at /docs with its scripts in UTF-8', async () => {
      const html = await fetch(`${sandbox.url}/docs`);
      expect(html.status).toBe(200);
      expect(html.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
      expect(await html.text()).toContain('swagger-ui-bundle.js');
      for (const script of ['swagger-ui-bundle.js', 'swagger-ui-init.js', 'oauth2-redirect.js']) {
        const response = await fetch(`${sandbox.url}/docs/${script}`);
        expect({ script, status: response.status, type: response.headers.get('content-type') }).toEqual({
          script,
          status: 200,
          type: 'application/javascript; charset=utf-8',
        });
      }
      expect((await fetch(`${sandbox.url}/docs/oauth2-redirect.html`)).status).toBe(200);
    });

    it('should configure Authorize for PKCE with the SPA client, the audience and the redirect page under /docs', async () => {
      const init = await (await fetch(`${sandbox.url}/docs/swagger-ui-init.js`)).text();
      expect(init).toContain('"usePkceWithAuthorizationCodeGrant": true');
      expect(init).toContain('"clientId": "sandbox-spa"');
      expect(init).toContain('"audience": "https://idp-proxy.local/api"');
      // Tokens stay in memory only: nothing in localStorage for a script on this origin to read.
      expect(init).not.toMatch(/"persistAuthorization": *true/);
      expect(init).toMatch(/"oauth2RedirectUrl": window\.location\.origin \+ .*'\/oauth2-redirect\.html'/);
    });
  });
});
