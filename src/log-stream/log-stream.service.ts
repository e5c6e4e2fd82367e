/**
 * What a log-stream delivery does: drops the named users' cached identities and the IdP tokens
 * refreshed or exchanged for them, in this replica and (through the shared cache's invalidation
 * channel) in every other one. Dropping is idempotent, so a delivery Auth0 sends twice costs nothing
 * more than the first. The tokens are keyed per (user, connection): the connections are those of
 * the user's cached identities, plus each provider's default connection (an entry may have expired
 * while a token refreshed for it lives on). What the recovery budget remembers for the user goes too.
 */
import { Injectable, Logger } from '@nestjs/common';
import { CacheService } from '../cache/cache.service';
import { IdentityProviderRegistry } from '../identity-providers/identity-provider.registry';
import { idpTokenKey } from '../idp-tokens/idp-token-key';
import { RecoveryBudget } from '../users/recovery-budget';
import type { UserIdentities } from '../users/user.types';

/** Users dropped at once; a 5 MiB delivery names a few thousand at most. */
const CONCURRENCY = 16;

@Injectable()
export class LogStreamService {
  private readonly logger = new Logger(LogStreamService.name);

  constructor(
    private readonly cache: CacheService,
    private readonly registry: IdentityProviderRegistry,
    private readonly recovery: RecoveryBudget,
  ) {}

  async drop(userIds: readonly string[]): Promise<void> {
    const queue = [...userIds];
    const worker = async (): Promise<void> => {
      for (let user = queue.shift(); user !== undefined; user = queue.shift()) await this.dropUser(user);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    if (userIds.length > 0) this.logger.log({ users: userIds.length }, 'log stream: cached users dropped');
  }

  private async dropUser(userId: string): Promise<void> {
    const entry = await this.cache.get<UserIdentities>('user', userId);
    const connections = new Set(this.registry.adapters.map((a) => a.defaultConnection));
    for (const identity of entry?.identities ?? []) connections.add(identity.connection);
    await Promise.all(
      [...connections].map((connection) => this.cache.delete('idp_token', idpTokenKey(userId, connection))),
    );
    await this.cache.delete('user', userId);
    // The event may be the remedy itself (the user signed in again, or was changed at Auth0).
    await this.recovery.forget(
      userId,
      this.registry.adapters.map((a) => a.key),
    );
  }
}
