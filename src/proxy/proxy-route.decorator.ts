/**
 * One proxied route, declared once: its path (the caller's or a named user's form; the provider's
 * default root `/api/` or an allowed host's `/hosts/{host}/`), who may call it, and what the OpenAPI
 * document says about it.
 */
import { applyDecorators, Delete, Get, Head, Patch, Post, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import { Caller } from '../auth/auth.guards';
import type { CallerKind } from '../auth/auth.guards';
import { ApiProblems } from '../common/api-problems.decorator';
import type { ProblemCode } from '../common/problem';
import type { ProxyMethod } from './proxy.service';

/** `api`: the provider's default API root; `hosts`: `/hosts/{host}/`, an allowed host of the provider */
export type ProxyForm = 'api' | 'hosts';

export const PROFILE_PROBLEMS: readonly ProblemCode[] = [
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
export const CALLER_PROBLEMS: Record<CallerKind, readonly ProblemCode[]> = {
  user: ['user_token_required'],
  service: ['insufficient_scope', 'invalid_request'],
};

export const providerParam = ApiParam({ name: 'provider', enum: ['google', 'github', 'facebook'] });
export const userParam = ApiParam({
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
    'An API host of the provider, from its allowed list (`GOOGLE_API_HOSTS`, `GITHUB_API_HOSTS`, `FACEBOOK_API_HOSTS`), e.g. `people.googleapis.com`.',
  example: 'people.googleapis.com',
});

const ROUTE_DECORATOR: Record<ProxyMethod, (path: string) => MethodDecorator> = {
  GET: Get,
  HEAD: Head,
  POST: Post,
  PUT: Put,
  PATCH: Patch,
  DELETE: Delete,
};

/** The route path below `/v1` for a form and a kind of caller. */
export function proxyRoutePath(form: ProxyForm, caller: CallerKind): string {
  const user = caller === 'service' ? 'users/:userId/' : '';
  return `${user}idp/:provider/${form === 'api' ? 'api/*' : 'hosts/:host/*'}`;
}

function summary(method: ProxyMethod, form: ProxyForm, caller: CallerKind): string {
  const where = form === 'api' ? "the provider's API" : 'an allowed API host of the provider';
  const who =
    caller === 'user'
      ? 'the caller'
      : 'a named user (service callers with proxy:users or proxy:users:{provider})';
  const body = ['POST', 'PUT', 'PATCH'].includes(method) ? ' (body forwarded as-is, at most 1 MiB)' : '';
  return `${method} on ${where} for ${who}${body}`;
}

export function ProxyRoute(method: ProxyMethod, form: ProxyForm, caller: CallerKind): MethodDecorator {
  const problems: ProblemCode[] = [...API_PROBLEMS, ...CALLER_PROBLEMS[caller]];
  if (form === 'hosts') problems.push('unknown_api_host');
  return applyDecorators(
    ROUTE_DECORATOR[method](proxyRoutePath(form, caller)),
    Caller(caller),
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
