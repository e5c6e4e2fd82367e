/**
 * Turns a request's `Authorization` header into a Principal, or the 401 problem for it. Tokens
 * already verified are answered from memory until their `exp`; others go through the passport JWT
 * strategy (signature, issuer, audience, expiry). Used by the request hook, which runs before the
 * body is read, and by `JwtAuthGuard` when that hook did not run.
 */
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import passport from 'passport';
import { ApiProblem } from '../common/problem';
import { readBearer } from './bearer';
import { invalidToken } from './jwt.strategy';
import type { Principal } from './principal';
import { VerifiedTokens } from './verified-tokens';

const EXPIRED = /expired/i;

export const missingToken = (): ApiProblem =>
  new ApiProblem(
    'missing_token',
    'Send the Auth0 access token in the Authorization header as a Bearer token.',
    {
      headers: { 'www-authenticate': 'Bearer' },
    },
  );

@Injectable()
export class Authenticator {
  private readonly verified = new VerifiedTokens();

  /** The caller, or throws the ApiProblem to answer (401 missing_token or invalid_token). */
  async authenticate(request: FastifyRequest): Promise<Principal> {
    const known = this.known(request);
    if (known !== undefined) return known;
    const principal = await verify(request);
    this.verified.set(bearerOf(request), principal);
    return principal;
  }

  /**
   * Without waiting: the caller of an already verified token; undefined when the token still has to
   * be verified (then `authenticate`). Throws the 401 for a missing or malformed header.
   */
  known(request: FastifyRequest): Principal | undefined {
    return this.verified.get(bearerOf(request));
  }
}

/** The bearer token of the request, or throws the 401 for a missing or malformed header. */
function bearerOf(request: FastifyRequest): string {
  const bearer = readBearer(request.headers.authorization);
  if (bearer.kind === 'missing') throw missingToken();
  if (bearer.kind === 'malformed') {
    throw invalidToken('The Authorization header must be `Bearer <token>`, at most 8192 characters.');
  }
  return bearer.token;
}

/** Runs the `jwt` passport strategy (registered by JwtStrategy) on the request. */
function verify(request: FastifyRequest): Promise<Principal> {
  return new Promise<Principal>((resolve, reject) => {
    const middleware = passport.authenticate(
      'jwt',
      { session: false },
      (err: unknown, user: Principal | false | undefined, info: unknown) => {
        if (err === null && user !== false && user !== undefined) resolve(user);
        else reject(problemOf(err, info));
      },
    ) as (req: unknown, res: unknown, next: (err?: unknown) => void) => void;
    middleware(request, undefined, (err?: unknown) => reject(problemOf(err, undefined)));
  });
}

function problemOf(err: unknown, info: unknown): ApiProblem {
  if (err instanceof ApiProblem) return err;
  if (info instanceof ApiProblem) return info;
  const message = info instanceof Error ? info.message : '';
  return invalidToken(EXPIRED.test(message) ? 'The access token has expired.' : undefined);
}
