/**
 * Owns the OpenAPI document and Swagger UI: the document is built from the controllers and DTOs
 * (the @nestjs/swagger CLI plugin reads their JSDoc), plus the security schemes and the Problem
 * schema; `npm run openapi` writes it with placeholder OAuth2 URLs, the service serves it at
 * /docs/openapi.json with the tenant's, and nothing else differs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject, OperationObject, ParameterObject, SchemaObject } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CODES, PROBLEM_TYPE_BASE } from '../common/problem';
import { PROXIED_OPENAPI_PATHS } from '../common/routes';
import type { AppConfig } from '../config/app-config';
import { PROVIDER_DECLARATIONS } from '../identity-providers/identity-providers.constants';
import { describeProviders } from '../identity-providers/provider-openapi';
import { swaggerUiOptions } from './swagger-ui';

export const DOCS_PATH = '/docs';
export const DOCUMENT_PATH = `${DOCS_PATH}/openapi.json`;
/** Swagger UI's OAuth2 redirect page, served with the UI's assets (allow it at the tenant). */
export const OAUTH2_REDIRECT_PATH = `${DOCS_PATH}/oauth2-redirect.html`;
const DOCS_URL = /^\/docs(?:[/?]|$)/;

/** Security scheme names, as @ApiBearerAuth() and @ApiOAuth2() reference them. */
const BEARER_SCHEME = 'bearer';
const OAUTH2_SCHEME = 'oauth2';

export interface OAuth2Urls {
  authorizationUrl: string;
  tokenUrl: string;
}

/** What the committed openapi.json carries: built with no environment, so no tenant is known. */
export const PLACEHOLDER_OAUTH2_URLS: OAuth2Urls = {
  authorizationUrl: 'https://{AUTH0_DOMAIN}/authorize',
  tokenUrl: 'https://{AUTH0_DOMAIN}/oauth/token',
};

/** The server the committed document lists; the served one lists `PUBLIC_URL` or the request's origin. */
export const COMMITTED_SERVER = 'http://localhost:3000';

/** The tenant's endpoints for a validated `AUTH0_DOMAIN` (already a URL without trailing slash). */
export function oauth2UrlsFor(domainUrl: string): OAuth2Urls {
  return { authorizationUrl: `${domainUrl}/authorize`, tokenUrl: `${domainUrl}/oauth/token` };
}

const DESCRIPTION = `Calls Google, GitHub and Facebook APIs for users signed in with Auth0, with the IdP token Auth0
stored for them, without ever handing that token to the app.

* **Apps** send their Auth0 access token for this API (\`Authorization: Bearer …\`) to \`/v1/identities\`
  and \`/v1/idp/{provider}/…\`.
* **Internal services** send a client-credentials token to \`/v1/users/{userId}/…\`, acting for a
  named user. The permission \`proxy:users\` allows every provider; \`proxy:users:{provider}\`
  (\`proxy:users:github\`) allows that provider's routes only, and \`/v1/users/{userId}/identities\`
  then lists only that provider's identities. Any other token is \`403 insufficient_scope\`.

Every error the service makes itself is \`application/problem+json\` (RFC 9457) with a stable \`code\`;
each operation lists the codes it can answer. Answers of the provider's API pass through with their
own status and body.

Authorize with a bearer token, or (when the service is configured with \`SWAGGER_CLIENT_ID\`) sign in
through the tenant with OAuth2 authorization code + PKCE.`;

function packageVersion(): string {
  // src/openapi and dist/openapi both sit two levels below the package root.
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** RFC 9457 problem details as this service writes them. */
const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'An error the service made itself (RFC 9457 problem details).',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: {
      type: 'string',
      format: 'uri',
      description: 'Identifies the kind of problem; ends with `#error-<code>`.',
      example: `${PROBLEM_TYPE_BASE}user_not_found`,
    },
    title: {
      type: 'string',
      description: 'Short summary of the kind of problem.',
      example: 'User not found',
    },
    status: { type: 'integer', description: 'The HTTP status code.', example: 404 },
    detail: {
      type: 'string',
      description: 'What went wrong on this request, for the app developer. Never a token or secret.',
    },
    code: {
      type: 'string',
      description: 'Stable machine-readable code; see each response for the codes it can carry.',
      enum: Object.keys(PROBLEM_CODES),
    },
    connection: {
      type: 'string',
      description:
        'For `idp_token_rejected` and `idp_account_not_connected`: the Auth0 connection the user must sign in with (or connect) again.',
      example: 'google-oauth2',
    },
  },
};

/** The document for the application's controllers, with the given OAuth2 endpoints. */
export function createOpenApiDocument(
  app: INestApplication,
  urls: OAuth2Urls,
  server = COMMITTED_SERVER,
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('IdP Proxy')
    .setVersion(packageVersion())
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .setDescription(DESCRIPTION)
    .addTag('identities', "The caller's (or a named user's) linked identities")
    .addTag('idp', "Profiles and API calls at the user's identity providers")
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'An Auth0 access token for this API (audience `AUTH0_AUDIENCE`): a user token, or a client-credentials token with `proxy:users` (or `proxy:users:{provider}` for one provider) for `/v1/users/...`.',
      },
      BEARER_SCHEME,
    )
    .addOAuth2(
      {
        type: 'oauth2',
        description:
          "Sign in through the Auth0 tenant (authorization code with PKCE, the SPA client in `SWAGGER_CLIENT_ID`, `audience=<AUTH0_AUDIENCE>`). Allow this UI's `/docs/oauth2-redirect.html` as a callback URL of that client.",
        flows: { authorizationCode: { ...urls, scopes: {} } },
      },
      OAUTH2_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    // Handler names are unique across controllers and read as method names in generated clients.
    operationIdFactory: (_controller, method) => method,
  });
  document.servers = [{ url: server }];
  document.components = {
    ...document.components,
    schemas: { Problem: PROBLEM_SCHEMA, ...document.components?.schemas },
  };
  return describeProviders(completeProxyRoutes(document), app.get(PROVIDER_DECLARATIONS));
}

/** The body of a proxied POST, PUT or PATCH: any content type, forwarded byte for byte. */
const FORWARDED_BODY: OperationObject['requestBody'] = {
  required: false,
  description:
    "Forwarded unchanged to the provider's API, whatever its content type (at most 1,048,576 bytes).",
  content: { 'application/json': { schema: {} }, '*/*': { schema: { type: 'string', format: 'binary' } } },
};

/**
 * What the controllers' metadata cannot say: @nestjs/swagger names the route's wildcard `{path}` in
 * the URL template while the `@ApiParam` describing it is named `*`, so the parameter is renamed to
 * match (a string); the proxied write methods take a raw body of any type.
 */
function completeProxyRoutes(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    if (!PROXIED_OPENAPI_PATHS.has(path)) continue;
    for (const [method, operation] of Object.entries(item) as Array<[string, OperationObject]>) {
      if (typeof operation !== 'object' || operation === null) continue;
      for (const parameter of (operation.parameters ?? []) as ParameterObject[]) {
        if (parameter.name === '*') {
          parameter.name = 'path';
          parameter.schema = { type: 'string', ...parameter.schema };
        }
      }
      if (['post', 'put', 'patch'].includes(method)) operation.requestBody ??= FORWARDED_BODY;
    }
  }
  return document;
}

/** Serves the document at /docs/openapi.json and Swagger UI at /docs. */
export function setupOpenApi(app: NestFastifyApplication, config: AppConfig): void {
  const document = createOpenApiDocument(app, oauth2UrlsFor(config.auth0.domainUrl));
  SwaggerModule.setup(DOCS_PATH, app, document, swaggerUiOptions(config));

  // Chromium may read scripts without a charset as windows-1252 and render a blank page.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done) => {
      const type = reply.getHeader('content-type');
      if (
        DOCS_URL.test(request.url) &&
        typeof type === 'string' &&
        /^(application|text)\/(javascript|css|html|json)/.test(type) &&
        !/charset=/i.test(type)
      ) {
        void reply.header('content-type', `${type}; charset=utf-8`);
      }
      done(null, payload);
    });
}
