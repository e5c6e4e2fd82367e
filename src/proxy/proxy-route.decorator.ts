/**
 * The proxy's routes, declared once per kind: the profile and the proxied API, each for the caller
 * or a named user (`users/{userId}/`), the API at the provider's default root (`/api/`) or at an
 * allowed host (`/hosts/{host}/`). Each decorator gives the route its path (from the route shapes),
 * who may call it, and what the OpenAPI document says about it.
 */
import { applyDecorators, Delete, Get, Head, Param, Patch, Post, Put, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Caller } from '../auth/auth.guards';
import type { CallerKind } from '../auth/auth.guards';
import { ApiProblems } from '../common/api-problems.decorator';
import type { ProblemCode } from '../common/problem';
import { CALLER_KINDS, PROXY_FORMS, PROXY_METHODS, v1RoutePath } from '../common/routes';
import type { ProxyForm, ProxyMethod } from '../common/routes';
import type { Cancellation } from '../upstream/cancellation';
import { UserIdPipe } from '../users/user-id.pipe';
import { DIRECT_ROUTE_CONFIG } from './direct-routes';
import type { DirectRoute } from './direct-routes';
import { ProfileDto } from './dto/profile.dto';
import { CallerGone, RawTarget } from './proxy-params';
import type { RawTargetValue } from './proxy-params';

const PROFILE_PROBLEMS: readonly ProblemCode[] = [
  'missing_token',
  'invalid_token',
  'unknown_provider',
  'user_not_found',
  'identity_not_found',
  'idp_token_unavailable',
  'idp_account_not_connected',
  'idp_token_rejected',
  'auth0_unavailable',
  'auth0_misconfigured',
  'idp_unavailable',
  'auth0_rate_limited',
  'upstream_timeout',
];
const API_PROBLEMS: readonly ProblemCode[] = [...PROFILE_PROBLEMS, 'invalid_path', 'payload_too_large'];
/** what a caller's own route adds, and what a named user's route adds */
const CALLER_PROBLEMS: Record<CallerKind, readonly ProblemCode[]> = {
  user: ['user_token_required'],
  service: ['insufficient_scope', 'invalid_request'],
};

// its enum, the served providers' keys, is set when the document is built (describeProviders)
const providerParam = ApiParam({ name: 'provider', type: 'string' });
const userParam = ApiParam({
  name: 'userId',
  description: 'Auth0 user id, URL-encoded (`github%7C2002`).',
});
const pathParam = ApiParam({
  name: '*',
  description:
    'The provider API path, e.g. `user/repos`; sent as-is below the API root (checked: no `..`, `//`, encoded slashes, schemes).',
  example: 'user/repos',
});
const hostParam = ApiParam({
  name: 'host',
  description:
    'An API host of the provider, from its allowed list (`<PROVIDER>_API_HOSTS`, e.g. `GOOGLE_API_HOSTS`), e.g. `people.googleapis.com`.',
  example: 'people.googleapis.com',
});

const PROFILE_SUMMARY: Record<CallerKind, string> = {
  user: "The caller's profile at the provider, normalized.",
  service:
    "A named user's profile at the provider, normalized (service callers with `proxy:users` or `proxy:users:{provider}`).",
};

const ROUTE_DECORATOR: Record<ProxyMethod, (path: string) => MethodDecorator> = {
  GET: Get,
  HEAD: Head,
  POST: Post,
  PUT: Put,
  PATCH: Patch,
  DELETE: Delete,
};

function summary(method: ProxyMethod, form: ProxyForm, caller: CallerKind): string {
  const where = form === 'api' ? "the provider's API" : 'an allowed API host of the provider';
  const who =
    caller === 'user'
      ? 'the caller'
      : 'a named user (service callers with proxy:users or proxy:users:{provider})';
  const body = ['POST', 'PUT', 'PATCH'].includes(method) ? ' (body forwarded as-is, at most 1 MiB)' : '';
  return `${method} on ${where} for ${who}${body}`;
}

function ProxyRoute(method: ProxyMethod, form: ProxyForm, caller: CallerKind): MethodDecorator {
  const problems: ProblemCode[] = [...API_PROBLEMS, ...CALLER_PROBLEMS[caller]];
  if (form === 'hosts') problems.push('unknown_api_host');
  return applyDecorators(
    ROUTE_DECORATOR[method](v1RoutePath(form, caller)),
    Caller(caller, directRoute({ handler: 'forward', method })),
    ApiOperation({ summary: summary(method, form, caller) }),
    ...(caller === 'service' ? [userParam] : []),
    providerParam,
    ...(form === 'hosts' ? [hostParam] : []),
    pathParam,
    ApiOkResponse({
      description:
        method === 'HEAD'
          ? "The provider's status and safe headers."
          : "The provider's answer: status, body and safe headers.",
    }),
    ApiProblems(...problems),
  );
}

/** The route config that lets Fastify serve the route without Nest's pipeline (direct-routes.ts). */
function directRoute(route: DirectRoute): Record<string, unknown> {
  return { [DIRECT_ROUTE_CONFIG]: route };
}

/** A profile route: the caller's own, or a named user's (service callers). */
function ProfileRoute(caller: CallerKind): MethodDecorator {
  return applyDecorators(
    Get(v1RoutePath('profile', caller)),
    Caller(caller, directRoute({ handler: 'profile' })),
    ApiOperation({ summary: PROFILE_SUMMARY[caller] }),
    providerParam,
    ...(caller === 'service' ? [userParam] : []),
    ApiOkResponse({ type: ProfileDto }),
    ApiProblems(...PROFILE_PROBLEMS, ...CALLER_PROBLEMS[caller]),
  );
}

/** A proxy handler's parameters: the user id on a named user's route only. */
export type ProxyHandlerArgs = [
  userId: string | undefined,
  target: RawTargetValue,
  gone: Cancellation,
  request: FastifyRequest,
  reply: FastifyReply,
];

/** What a controller with the proxy's routes does for them. */
export interface ProxyHandlers {
  profile(...args: ProxyHandlerArgs): Promise<void>;
  forward(method: ProxyMethod, ...args: ProxyHandlerArgs): Promise<void>;
}

/**
 * Registers the proxy's routes on a controller, from the route shapes: the profile (`getProfile`,
 * `getUserProfile`) and the API, a handler per form, caller kind and method (`proxyGet`, …,
 * `userHostProxyDelete`); Nest gives a handler one method, and the OpenAPI document names each
 * operation after its handler. They call the controller's `profile` and `forward`.
 */
export function ProxyRoutes(): (controller: { prototype: ProxyHandlers }) => void {
  return ({ prototype }) => {
    for (const caller of CALLER_KINDS) {
      const name = caller === 'user' ? 'getProfile' : 'getUserProfile';
      defineHandler(prototype, name, caller, ProfileRoute(caller), function (...args) {
        return this.profile(...args);
      });
    }
    for (const form of PROXY_FORMS)
      for (const caller of CALLER_KINDS)
        for (const method of PROXY_METHODS) {
          const route = ProxyRoute(method, form, caller);
          defineHandler(prototype, handlerName(method, form, caller), caller, route, function (...args) {
            return this.forward(method, ...args);
          });
        }
  };
}

function defineHandler(
  prototype: ProxyHandlers,
  name: string,
  caller: CallerKind,
  route: MethodDecorator,
  handler: (this: ProxyHandlers, ...args: ProxyHandlerArgs) => Promise<void>,
): void {
  Object.defineProperty(handler, 'name', { value: name });
  Object.defineProperty(prototype, name, { value: handler, writable: true, configurable: true });
  // Parameters first, as TypeScript applies a method's decorators; in the order of ProxyHandlerArgs.
  if (caller === 'service') Param('userId', UserIdPipe)(prototype, name, 0);
  RawTarget()(prototype, name, 1);
  CallerGone()(prototype, name, 2);
  Req()(prototype, name, 3);
  Res()(prototype, name, 4);
  route(prototype, name, Object.getOwnPropertyDescriptor(prototype, name) as PropertyDescriptor);
}

/** `proxyGet`, `userProxyGet`, `hostProxyGet`, `userHostProxyGet`, …: the operation ids clients know. */
function handlerName(method: ProxyMethod, form: ProxyForm, caller: CallerKind): string {
  const verb = method.charAt(0) + method.slice(1).toLowerCase();
  const words = [caller === 'service' ? 'user' : '', form === 'hosts' ? 'host' : '', 'proxy', verb];
  const joined = words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
  return joined.charAt(0).toLowerCase() + joined.slice(1);
}
