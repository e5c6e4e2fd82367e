/**
 * Incoming tokens: RS256 only, key chosen by `kid` from the tenant's JWKS; `iss` exact, `aud`
 * contains this API, `exp` and `sub` required, `nbf` honoured, 30 s clock tolerance. Headers that
 * point elsewhere for a key (`jku`, `x5u`, `jwk`) or demand extensions (`crit`) make it invalid:
 * those URLs and keys are never fetched or used.
 */
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type { KeyObject } from 'node:crypto';
import { Strategy } from 'passport-jwt';
import type { SecretOrKeyProvider } from 'passport-jwt';
import { ApiProblem } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { readBearer } from './bearer';
import { JwksService } from './jwks.service';
import { principalFromClaims } from './principal';
import type { Principal } from './principal';

const FORBIDDEN_HEADER_FIELDS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'];

export const invalidToken = (detail = 'The access token is invalid.'): ApiProblem =>
  new ApiProblem('invalid_token', detail, {
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  });

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(config: AppConfig, jwks: JwksService) {
    super({
      // Our own extractor: passport-jwt's is quadratic on a long value without spaces.
      jwtFromRequest: bearerToken,
      algorithms: ['RS256'],
      issuer: config.auth0.issuer,
      audience: config.auth0.audience,
      jsonWebTokenOptions: { clockTolerance: 30 },
      passReqToCallback: true,
      // passport-jwt's types predate KeyObject; jsonwebtoken 9 verifies with one.
      secretOrKeyProvider: ((
        _request: unknown,
        rawJwt: string,
        done: (err: unknown, key?: KeyObject) => void,
      ) => {
        const kid = checkHeader(rawJwt);
        if (kid instanceof ApiProblem) {
          done(kid);
          return;
        }
        jwks.keyFor(kid).then(
          (key) =>
            key === undefined
              ? done(invalidToken('The token was not signed by a key of the tenant.'))
              : done(null, key),
          () => done(invalidToken()),
        );
      }) as SecretOrKeyProvider,
    });
  }

  validate(request: FastifyRequest, claims: Record<string, unknown>): Principal {
    if (typeof claims.exp !== 'number') throw invalidToken('The token has no expiry (exp).');
    if (typeof claims.sub !== 'string' || claims.sub === '')
      throw invalidToken('The token has no subject (sub).');
    const accessToken = bearerToken(request) ?? '';
    return principalFromClaims(claims, accessToken);
  }
}

function bearerToken(request: { headers: FastifyRequest['headers'] }): string | null {
  const bearer = readBearer(request.headers.authorization);
  return bearer.kind === 'token' ? bearer.token : null;
}

/** The `kid` of an acceptable JOSE header, or the problem with it. */
function checkHeader(rawJwt: string): string | ApiProblem {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(rawJwt.split('.', 1)[0], 'base64url').toString('utf8'));
  } catch {
    return invalidToken('The token is malformed.');
  }
  if (typeof header !== 'object' || header === null) return invalidToken('The token is malformed.');
  const fields = header as Record<string, unknown>;
  if (fields.alg !== 'RS256') return invalidToken('Only RS256 tokens are accepted.');
  if (FORBIDDEN_HEADER_FIELDS.some((f) => f in fields)) {
    return invalidToken(
      'The token header carries a key reference or critical extension that is not accepted.',
    );
  }
  if (typeof fields.kid !== 'string' || fields.kid === '')
    return invalidToken('The token header has no kid.');
  return fields.kid;
}
