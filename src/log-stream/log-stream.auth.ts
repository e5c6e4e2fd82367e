/**
 * The log stream's credential: the request's `Authorization` must equal AUTH0_LOG_STREAM_TOKEN
 * exactly (whatever scheme the stream was configured with, `Bearer …` or a bare value). Both sides
 * are hashed first, so the comparison takes the same time whatever the value and its length.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiProblem } from '../common/problem';

export class LogStreamCredential {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** Throws the 401 problem for a missing or wrong `Authorization`. */
  check(authorization: string | string[] | undefined): void {
    if (authorization === undefined) {
      throw new ApiProblem('missing_token', 'The log stream must send its Authorization token.');
    }
    const given = Array.isArray(authorization) ? authorization.join(',') : authorization;
    if (!timingSafeEqual(digest(given), this.expected)) {
      throw new ApiProblem('invalid_token', "The Authorization value is not the log stream's token.");
    }
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
