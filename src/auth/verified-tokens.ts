/**
 * Tokens already verified, keyed by the SHA-256 of the token, kept until their `exp`: a repeat
 * request skips the RSA signature check and passport (measured: most of the per-request CPU).
 * Bounded: when full, the oldest entries go first. Only tokens that passed every check enter.
 */
import { hash as digest } from 'node:crypto';
import { makeRoom } from '../common/bounded-map';
import type { Principal } from './principal';

const MAX_ENTRIES = 10_000;

export class VerifiedTokens {
  private readonly entries = new Map<string, Principal>();

  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  get(token: string, nowS = Date.now() / 1000): Principal | undefined {
    const key = hash(token);
    const principal = this.entries.get(key);
    if (principal === undefined) return undefined;
    if (principal.expiresAt <= nowS) {
      this.entries.delete(key);
      return undefined;
    }
    return principal;
  }

  set(token: string, principal: Principal): void {
    // When full, the oldest tenth goes at once.
    makeRoom(this.entries, this.maxEntries);
    this.entries.set(hash(token), principal);
  }
}

function hash(token: string): string {
  // One-shot crypto.hash: no Hash object per request (about a third cheaper than createHash here).
  return digest('sha256', token, 'base64url');
}
