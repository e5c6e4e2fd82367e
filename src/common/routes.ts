/**
 * The shape of the service's routes, for telling "no such method here" (405) from "no such
 * route" (404) in one place.
 */
const PROXY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
// Fastify's automatic HEAD routes are off (bootstrap.ts): HEAD exists only where declared.
const READ_METHODS = ['GET'];

const ROUTES: Array<{ pattern: RegExp; methods: string[] }> = [
  { pattern: /^\/v1\/(users\/[^/]+\/)?identities$/, methods: READ_METHODS },
  { pattern: /^\/v1\/(users\/[^/]+\/)?idp\/[^/]+\/profile$/, methods: READ_METHODS },
  { pattern: /^\/v1\/(users\/[^/]+\/)?idp\/[^/]+\/api\/.+$/, methods: PROXY_METHODS },
  { pattern: /^\/v1\/(users\/[^/]+\/)?idp\/[^/]+\/hosts\/[^/]+\/.+$/, methods: PROXY_METHODS },
  { pattern: /^\/health\/(live|ready)$/, methods: READ_METHODS },
  { pattern: /^\/metrics$/, methods: READ_METHODS },
];

export function methodNotAllowed(method: string, url: string): boolean {
  const path = url.split('?', 1)[0];
  const route = ROUTES.find((r) => r.pattern.test(path));
  return route !== undefined && !route.methods.includes(method.toUpperCase());
}
