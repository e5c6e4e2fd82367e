/**
 * The shapes of the service's routes, written once: each shape's path template (in Nest's syntax)
 * and methods. The controllers' route decorators, the raw-path parser of the proxied API, the
 * OpenAPI set-up and the 405/404 decision below all derive from it.
 */
import type { CallerKind } from '../auth/auth.guards';

export const PROXY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type ProxyMethod = (typeof PROXY_METHODS)[number];
// Fastify's automatic HEAD routes are off (bootstrap.ts): HEAD exists only where declared.
const READ_METHODS = ['GET'] as const;

export const CALLER_KINDS: readonly CallerKind[] = ['user', 'service'];

/**
 * The shapes below `/v1`, each served for the caller (`user`) and for a named user (`service`,
 * under `users/:userId/`). `api`: the provider's default API root; `hosts`: an allowed host of the
 * provider. The proxied shapes end in the wildcard `*`, the provider API path.
 */
const V1_SHAPES = {
  identities: { path: 'identities', methods: READ_METHODS },
  profile: { path: 'idp/:provider/profile', methods: READ_METHODS },
  api: { path: 'idp/:provider/api/*', methods: PROXY_METHODS },
  hosts: { path: 'idp/:provider/hosts/:host/*', methods: PROXY_METHODS },
} as const;
export type V1Shape = keyof typeof V1_SHAPES;
/** The shapes that forward to the provider's API. */
export type ProxyForm = 'api' | 'hosts';
export const PROXY_FORMS: readonly ProxyForm[] = ['api', 'hosts'];

export const V1_PREFIX = 'v1';

/** A shape's Nest path below `/v1` for a kind of caller. */
export function v1RoutePath(shape: V1Shape, caller: CallerKind): string {
  return `${caller === 'service' ? 'users/:userId/' : ''}${V1_SHAPES[shape].path}`;
}

/** Every route of the service: its full path template and its methods. */
const ROUTES: ReadonlyArray<{ path: string; methods: readonly string[] }> = [
  ...(Object.keys(V1_SHAPES) as V1Shape[]).flatMap((shape) =>
    CALLER_KINDS.map((caller) => ({
      path: `/${V1_PREFIX}/${v1RoutePath(shape, caller)}`,
      methods: V1_SHAPES[shape].methods,
    })),
  ),
  { path: '/health/live', methods: READ_METHODS },
  { path: '/health/ready', methods: READ_METHODS },
  { path: '/metrics', methods: READ_METHODS },
];

/** A template as a regular expression's source: a parameter is one segment, `*` the rest. */
function templateSource(template: string, param: string, wildcard: string): string {
  // the wildcard first: a parameter's pattern may hold a `*` itself
  return template.replace('*', wildcard).replace(/:[A-Za-z]+/g, param);
}

const MATCHERS = ROUTES.map((route) => ({
  pattern: new RegExp(`^${templateSource(route.path, '[^/]+', '.+')}$`),
  methods: route.methods,
}));

/** Whether a request that found no route names a route of the service with another method (405). */
export function methodNotAllowed(method: string, url: string): boolean {
  const path = url.split('?', 1)[0];
  const route = MATCHERS.find((r) => r.pattern.test(path));
  return route !== undefined && !route.methods.includes(method.toUpperCase());
}

/** The raw request target of a proxied call: the path after `/api/` or `/hosts/{host}/`, and the query. */
export interface RawTarget {
  /** still percent-encoded */
  path: string;
  /** without `?` */
  query: string;
}

/** The parser of each proxied route's raw request line, by its Fastify route URL. */
const RAW_PARSERS = new Map(
  PROXY_FORMS.flatMap((form) =>
    CALLER_KINDS.map((caller): [string, RegExp] => {
      const path = `/${V1_PREFIX}/${v1RoutePath(form, caller)}`;
      return [path, new RegExp(`^${templateSource(path, '[^/?]*', '([^?]*)')}(?:\\?(.*))?$`, 's')];
    }),
  ),
);

/**
 * The raw path and query of a proxied call, read from the raw request line (never from the router's
 * decoded parameter); empty for a route that is not a proxied one.
 */
export function parseRawTarget(routeUrl: string | undefined, rawUrl: string): RawTarget {
  const parser = routeUrl === undefined ? undefined : RAW_PARSERS.get(routeUrl);
  const [, path = '', query = ''] = parser?.exec(rawUrl) ?? [];
  return { path, query };
}

/** The OpenAPI path of a template: `{name}` for a parameter, `{path}` for the wildcard. */
function openApiPath(template: string): string {
  return template.replace(/:([A-Za-z]+)/g, '{$1}').replace('*', '{path}');
}

/** The OpenAPI paths of the proxied routes. */
export const PROXIED_OPENAPI_PATHS: ReadonlySet<string> = new Set(
  PROXY_FORMS.flatMap((form) =>
    CALLER_KINDS.map((caller) => openApiPath(`/${V1_PREFIX}/${v1RoutePath(form, caller)}`)),
  ),
);

/**
 * A pattern for an absolute URL of a proxied route (any caller form), in three groups: up to the
 * provider API path, that path, and the query; for code that runs in the browser (Swagger UI).
 */
export const PROXIED_URL_SOURCE = `^(.*?\\/(?:${PROXY_FORMS.map((form) =>
  templateSource(V1_SHAPES[form].path, '[^/]+', '').replace(/\//g, '\\/'),
).join('|')}))([^?]*)(.*)$`;
