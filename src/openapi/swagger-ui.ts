/**
 * Swagger UI's options: where it finds the document, the server the served document names, and
 * what runs in the browser (OAuth2 sign-in, the proxied path's slashes kept).
 */
import type { OpenAPIObject, SwaggerCustomOptions } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { publicBaseUrl } from '../common/public-url';
import { PROXIED_URL_SOURCE } from '../common/routes';
import type { AppConfig } from '../config/app-config';
import { COMMITTED_SERVER, DOCUMENT_PATH } from './openapi.setup';

/**
 * A Swagger UI option computed in the browser: @nestjs/swagger writes function-valued options
 * into the UI's init script as their source text, so this "function" is the expression itself.
 */
function browserExpression(source: string): string {
  const expression = (): void => undefined;
  expression.toString = () => source;
  return expression as unknown as string;
}

/**
 * Swagger UI encodes a path parameter's `/` as `%2F`, which the proxy rejects (`invalid_path`):
 * put the slashes of the proxied path back before the request leaves the browser.
 */
const requestInterceptor = browserExpression(`(request) => {
  const match = /${PROXIED_URL_SOURCE}/.exec(request.url);
  if (match) request.url = match[1] + match[2].replace(/%2F/gi, '/') + match[3];
  return request;
}`);

export function swaggerUiOptions(config: AppConfig): SwaggerCustomOptions {
  return {
    jsonDocumentUrl: DOCUMENT_PATH,
    raw: ['json'],
    // The served document names the server its reader reached (or PUBLIC_URL), so generated
    // clients and Swagger UI's "Try it out" call it there.
    patchDocumentOnRequest: <TRequest, TResponse>(
      request: TRequest,
      _response: TResponse,
      document: OpenAPIObject,
    ): OpenAPIObject => {
      const headers = (request as unknown as FastifyRequest).headers;
      const server = publicBaseUrl(config, headers) ?? COMMITTED_SERVER;
      return { ...document, servers: [{ url: server }] };
    },
    customSiteTitle: 'IdP Proxy — API',
    swaggerOptions: {
      // Tokens stay in memory only: `persistAuthorization` would write pasted bearer tokens to
      // localStorage, where any script on this origin could read them.
      persistAuthorization: false,
      // Swagger UI's default is `/oauth2-redirect.html` next to `/docs`, a 404; the page is served under
      // the docs path, on whatever origin (and prefix) the browser opened the UI.
      oauth2RedirectUrl: browserExpression(
        "window.location.origin + window.location.pathname.replace(/\\/(index\\.html)?$/, '') + '/oauth2-redirect.html'",
      ),
      requestInterceptor,
      ...(config.swaggerClientId === undefined
        ? {}
        : {
            initOAuth: {
              clientId: config.swaggerClientId,
              usePkceWithAuthorizationCodeGrant: true,
              additionalQueryStringParams: { audience: config.auth0.audience },
            },
          }),
    },
  };
}
