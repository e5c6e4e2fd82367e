/**
 * Refreshed and exchanged IdP tokens, cached per (user, connection) until their own expiry and used
 * instead of the identities[] token. Shared by the fleet when the cache is Redis.
 */
import { Injectable } from '@nestjs/common';
import { CacheService } from '../cache/cache.service';
import { idpTokenKey } from './idp-token-key';

export interface CachedToken {
  accessToken: string;
  /** the identities[] token this one replaced, which must not be tried again */
  supersedes?: string;
  /** the scopes a Token Vault exchange reported (its `scope`); undefined when it gave none */
  scopes?: string[];
}

/** Dropped this long before the IdP's own expiry, so a token is not sent as it lapses. */
const TOKEN_EXPIRY_MARGIN_S = 30;

@Injectable()
export class IdpTokenCache {
  constructor(private readonly cache: CacheService) {}

  get(userId: string, connection: string): Promise<CachedToken | undefined> {
    return this.cache.get<CachedToken>('idp_token', idpTokenKey(userId, connection));
  }

  store(userId: string, connection: string, token: CachedToken, expiresInS: number): Promise<void> {
    const ttlMs = (expiresInS - TOKEN_EXPIRY_MARGIN_S) * 1000;
    return this.cache.set('idp_token', idpTokenKey(userId, connection), token, ttlMs);
  }

  delete(userId: string, connection: string): Promise<void> {
    return this.cache.delete('idp_token', idpTokenKey(userId, connection));
  }

  /**
   * After the IdP refused a token: what the cache holds for (user, connection), and whether it is
   * a token this request has not tried (another request renewed it meanwhile). A cached token it
   * has tried is dropped, so the next renewal does not find it again.
   */
  async afterRejection(
    userId: string,
    connection: string,
    tried: ReadonlySet<string>,
  ): Promise<{ cached: CachedToken | undefined; untried: CachedToken | undefined }> {
    const cached = await this.get(userId, connection);
    if (cached === undefined || !tried.has(cached.accessToken)) return { cached, untried: cached };
    await this.delete(userId, connection);
    return { cached, untried: undefined };
  }

  /** One holder at a time for this (user, connection): in the fleet with Redis. */
  exclusive<T>(userId: string, connection: string, work: () => Promise<T>): Promise<T> {
    return this.cache.exclusive('idp_token', idpTokenKey(userId, connection), work);
  }
}
