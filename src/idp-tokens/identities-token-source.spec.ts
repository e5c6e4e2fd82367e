import type { Principal } from '../auth/principal';
import type { CacheService } from '../cache/cache.service';
import { ApiProblem } from '../common/problem';
import { RefreshRefusedError } from '../identity-providers/identity-provider.adapter';
import type { IdentityProviderAdapter } from '../identity-providers/identity-provider.adapter';
import { UpstreamError } from '../upstream/upstream.errors';
import type { RecoveryBudget } from '../users/recovery-budget';
import type { Identity } from '../users/user.types';
import type { UsersService } from '../users/users.service';
import { IdentitiesTokenSource } from './identities-token-source';
import { IdpTokenCache } from './idp-token-cache';
import type { CachedToken } from './idp-token-cache';
import { idpTokenKey } from './idp-token-key';
import type { TokenContext } from './idp-token-source';
import { fakeCache } from './testing/fake-cache';

const USER = 'github|1';
const principal: Principal = {
  sub: USER,
  clientId: 'app',
  isService: false,
  permissions: new Set(),
  accessToken: 'caller-token',
  expiresAt: 0,
};

function identity(overrides: Partial<Identity> = {}): Identity {
  return {
    provider: 'github',
    connection: 'github',
    userId: '1',
    isSocial: true,
    accessToken: 'stored',
    refreshToken: 'refresh',
    ...overrides,
  };
}

function newTestService(identities: Identity[] = [identity()], canRefresh = true) {
  const cache = fakeCache();
  const users = {
    getUser: jest.fn((userId: string) => Promise.resolve({ userId, identities })),
  };
  const budget = {
    checkToken: jest.fn(() => Promise.resolve()),
    noteTokenError: jest.fn(() => Promise.resolve()),
  };
  const adapter = {
    key: 'github',
    auth0Provider: 'github',
    defaultConnection: 'github',
    canRefresh,
    refresh: jest.fn(() => Promise.resolve({ accessToken: 'refreshed', expiresInS: 3600 })),
  };
  const sut = new IdentitiesTokenSource(
    users as unknown as UsersService,
    new IdpTokenCache(cache as unknown as CacheService),
    budget as unknown as RecoveryBudget,
  );
  const ctx: TokenContext = {
    principal,
    userId: USER,
    adapter: adapter as unknown as IdentityProviderAdapter,
    requestId: 'req-1',
  };
  const cached = (token: CachedToken) => cache.store.set(`idp_token:${idpTokenKey(USER, 'github')}`, token);
  return { sut, ctx, cache, users, budget, adapter, cached };
}

const rejectedProblem = {
  code: 'idp_token_rejected',
  detail:
    'github refused the stored token even after a new lookup and refresh; the user must sign in with github again.',
};

describe(IdentitiesTokenSource.name, () => {
  describe('resolve', () => {
    it('should hand back the identity token of the adapter provider', async () => {
      const { sut, ctx, users } = newTestService();
      const token = await sut.resolve(ctx);
      expect(token.credential).toEqual({ accessToken: 'stored', connection: 'github', source: 'identities' });
      expect(users.getUser).toHaveBeenCalledWith(USER, { requestId: 'req-1' });
    });

    it('should prefer a refreshed token cached for the connection', async () => {
      const { sut, ctx, cached } = newTestService();
      cached({ accessToken: 'renewed', supersedes: 'stored' });
      expect((await sut.resolve(ctx)).credential.accessToken).toBe('renewed');
    });

    it('should answer identity_not_found when the user has no identity of the provider', async () => {
      const { sut, ctx } = newTestService([identity({ provider: 'google-oauth2' })]);
      await expect(sut.resolve(ctx)).rejects.toMatchObject({
        code: 'identity_not_found',
        detail: 'The user has no github identity linked in Auth0.',
      });
    });

    it('should answer idp_token_unavailable when Auth0 holds no access token', async () => {
      const { sut, ctx } = newTestService([identity({ accessToken: undefined, refreshToken: undefined })]);
      const error = (await sut.resolve(ctx).catch((e: unknown) => e)) as ApiProblem;
      expect(error).toBeInstanceOf(ApiProblem);
      expect(error.toBody()).toMatchObject({
        code: 'idp_token_unavailable',
        detail: 'Auth0 holds no github access token for this user; the user must sign in with github again.',
        connection: 'github',
      });
    });

    it('should refresh an expired token before the first call, once for concurrent requests', async () => {
      const { sut, ctx, adapter, cache } = newTestService([identity({ expiresAt: Date.now() - 1000 })]);
      const [a, b] = await Promise.all([sut.resolve(ctx), sut.resolve(ctx)]);
      expect([a.credential.accessToken, b.credential.accessToken]).toEqual(['refreshed', 'refreshed']);
      expect(adapter.refresh).toHaveBeenCalledTimes(1);
      expect(adapter.refresh).toHaveBeenCalledWith('refresh', 'req-1');
      expect(cache.set).toHaveBeenCalledWith(
        'idp_token',
        idpTokenKey(USER, 'github'),
        { accessToken: 'refreshed', supersedes: 'stored' },
        (3600 - 30) * 1000,
      );
    });

    it('should answer a remembered rejection without any lookup', async () => {
      const { sut, ctx, users, budget } = newTestService();
      const remembered = new ApiProblem('idp_token_rejected', 'remembered');
      budget.checkToken.mockRejectedValueOnce(remembered);
      await expect(sut.resolve(ctx)).rejects.toBe(remembered);
      expect(budget.checkToken).toHaveBeenCalledWith(USER, 'github', 'caller-token');
      expect(users.getUser).not.toHaveBeenCalled();
    });
  });

  describe('retry', () => {
    it('should take a new token a fresh lookup finds', async () => {
      const { sut, ctx, users, adapter } = newTestService();
      const token = await sut.resolve(ctx);
      users.getUser.mockResolvedValueOnce({
        userId: USER,
        identities: [identity({ accessToken: 'new-login' })],
      });
      const next = await token.retry();
      expect(next.credential).toEqual({
        accessToken: 'new-login',
        connection: 'github',
        source: 'identities',
      });
      expect(users.getUser).toHaveBeenLastCalledWith(USER, { fresh: true, requestId: 'req-1' });
      expect(adapter.refresh).not.toHaveBeenCalled();
    });

    it('should take a token another request renewed meanwhile, with no lookup', async () => {
      const { sut, ctx, users, cached } = newTestService();
      const token = await sut.resolve(ctx);
      cached({ accessToken: 'renewed-elsewhere', supersedes: 'stored' });
      expect((await token.retry()).credential.accessToken).toBe('renewed-elsewhere');
      expect(users.getUser).toHaveBeenCalledTimes(1);
    });

    it('should refresh when the lookup gives the same token, then give up once that is refused too', async () => {
      const { sut, ctx, adapter, budget } = newTestService();
      const token = await sut.resolve(ctx);
      const refreshed = await token.retry();
      expect(refreshed.credential.accessToken).toBe('refreshed');
      expect(adapter.refresh).toHaveBeenCalledTimes(1);
      const error = await refreshed.retry().catch((e: unknown) => e);
      expect(error).toMatchObject(rejectedProblem);
      expect(adapter.refresh).toHaveBeenCalledTimes(1);
      expect(budget.noteTokenError).toHaveBeenCalledWith(USER, 'github', error, 'caller-token');
    });

    it('should drop a refused cached token and not take back the token it replaced', async () => {
      const { sut, ctx, cache, cached, adapter } = newTestService();
      cached({ accessToken: 'renewed', supersedes: 'stored' });
      const token = await sut.resolve(ctx);
      adapter.refresh.mockResolvedValueOnce({ accessToken: 'refreshed-again', expiresInS: 600 });
      const next = await token.retry();
      expect(cache.delete).toHaveBeenCalledWith('idp_token', idpTokenKey(USER, 'github'));
      expect(next.credential.accessToken).toBe('refreshed-again');
    });

    it('should answer idp_token_rejected when the refresh token is refused', async () => {
      const { sut, ctx, adapter, budget } = newTestService();
      adapter.refresh.mockRejectedValueOnce(new RefreshRefusedError(400));
      const token = await sut.resolve(ctx);
      const error = (await token.retry().catch((e: unknown) => e)) as ApiProblem;
      expect(error).toMatchObject(rejectedProblem);
      expect(error.toBody()).toMatchObject({ connection: 'github' });
      expect(budget.noteTokenError).toHaveBeenCalledWith(USER, 'github', error, 'caller-token');
    });

    it('should give up after the lookup when the adapter cannot refresh', async () => {
      const { sut, ctx, adapter } = newTestService([identity()], false);
      const token = await sut.resolve(ctx);
      await expect(token.retry()).rejects.toMatchObject(rejectedProblem);
      expect(adapter.refresh).not.toHaveBeenCalled();
    });

    it('should give up when the identity has no refresh token', async () => {
      const { sut, ctx, adapter } = newTestService([identity({ refreshToken: undefined })]);
      const token = await sut.resolve(ctx);
      await expect(token.retry()).rejects.toMatchObject(rejectedProblem);
      expect(adapter.refresh).not.toHaveBeenCalled();
    });

    it('should note an error that ends the recovery, such as a failed refresh', async () => {
      const { sut, ctx, adapter, budget } = newTestService();
      const failure = new UpstreamError('unavailable', 'idp_refresh', { status: 503 });
      adapter.refresh.mockRejectedValueOnce(failure);
      const token = await sut.resolve(ctx);
      await expect(token.retry()).rejects.toBe(failure);
      expect(budget.noteTokenError).toHaveBeenCalledWith(USER, 'github', failure, 'caller-token');
    });

    it('should answer a rejection remembered meanwhile without any lookup, and not note it again', async () => {
      const { sut, ctx, users, budget } = newTestService();
      const token = await sut.resolve(ctx);
      const remembered = new ApiProblem('idp_token_rejected', 'remembered');
      budget.checkToken.mockRejectedValueOnce(remembered);
      await expect(token.retry()).rejects.toBe(remembered);
      expect(users.getUser).toHaveBeenCalledTimes(1);
      expect(budget.noteTokenError).not.toHaveBeenCalled();
    });
  });
});
