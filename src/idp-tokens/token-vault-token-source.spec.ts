import { Logger } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import type { CacheService } from '../cache/cache.service';
import { ApiProblem } from '../common/problem';
import type { IdentityProviderAdapter } from '../identity-providers/identity-provider.adapter';
import { UpstreamError } from '../upstream/upstream.errors';
import type { RecoveryBudget } from '../users/recovery-budget';
import type { Identity } from '../users/user.types';
import type { UsersService } from '../users/users.service';
import { IdpTokenCache } from './idp-token-cache';
import type { CachedToken } from './idp-token-cache';
import { idpTokenKey } from './idp-token-key';
import type { TokenContext } from './idp-token-source';
import { TokenVaultTokenSource } from './token-vault-token-source';
import { TokenVaultRefusal } from './token-vault.client';
import type { ExchangedToken, TokenVaultClient } from './token-vault.client';
import { fakeCache } from './testing/fake-cache';

const USER = 'auth0|1';
const CONNECTION = 'google-oauth2';

function principalOf(isService = false): Principal {
  return {
    sub: USER,
    clientId: 'app',
    isService,
    permissions: new Set(),
    accessToken: 'caller-token',
    expiresAt: 0,
  };
}

function newTestService(options: { identities?: Identity[]; isService?: boolean } = {}) {
  const cache = fakeCache();
  const users = {
    getUser: jest.fn((userId: string) => Promise.resolve({ userId, identities: options.identities ?? [] })),
  };
  const budget = {
    checkToken: jest.fn(() => Promise.resolve()),
    noteTokenError: jest.fn(() => Promise.resolve()),
  };
  const client = {
    exchange: jest.fn((): Promise<ExchangedToken> =>
      Promise.resolve({ accessToken: 'vault-1', expiresInS: 3600, scopes: ['email', 'profile'] }),
    ),
  };
  const adapter = {
    key: 'google',
    auth0Provider: 'google-oauth2',
    defaultConnection: CONNECTION,
    profileScopes: [['email'], ['profile']],
  };
  const sut = new TokenVaultTokenSource(
    users as unknown as UsersService,
    new IdpTokenCache(cache as unknown as CacheService),
    client as unknown as TokenVaultClient,
    budget as unknown as RecoveryBudget,
  );
  const ctx: TokenContext = {
    principal: principalOf(options.isService),
    userId: USER,
    adapter: adapter as unknown as IdentityProviderAdapter,
    requestId: 'req-1',
  };
  const cached = (token: CachedToken, connection = CONNECTION) =>
    cache.store.set(`idp_token:${idpTokenKey(USER, connection)}`, token);
  return { sut, ctx, cache, users, budget, client, cached };
}

const rejectedAfterExchange = {
  code: 'idp_token_rejected',
  detail:
    'google refused the Token Vault token even after a new exchange; the user must connect the google-oauth2 account again.',
};

describe(TokenVaultTokenSource.name, () => {
  afterEach(() => jest.restoreAllMocks());

  describe('resolve', () => {
    it('should exchange the caller token at the default connection and cache the result', async () => {
      const { sut, ctx, client, cache } = newTestService();
      const token = await sut.resolve(ctx);
      expect(token.credential).toEqual({
        accessToken: 'vault-1',
        connection: CONNECTION,
        source: 'token-vault',
        grantedScopes: ['email', 'profile'],
      });
      expect(client.exchange).toHaveBeenCalledWith('caller-token', CONNECTION, 'req-1');
      expect(cache.set).toHaveBeenCalledWith(
        'idp_token',
        idpTokenKey(USER, CONNECTION),
        { accessToken: 'vault-1', scopes: ['email', 'profile'] },
        (3600 - 30) * 1000,
      );
    });

    it('should exchange once for concurrent requests, inside the cache lock', async () => {
      const { sut, ctx, client, cache } = newTestService();
      const [a, b] = await Promise.all([sut.resolve(ctx), sut.resolve(ctx)]);
      expect([a.credential.accessToken, b.credential.accessToken]).toEqual(['vault-1', 'vault-1']);
      expect(client.exchange).toHaveBeenCalledTimes(1);
      expect(cache.exclusive).toHaveBeenCalledWith(
        'idp_token',
        idpTokenKey(USER, CONNECTION),
        expect.any(Function),
      );
    });

    it("should exchange at the connection of the user's identity and reuse a cached token", async () => {
      const identities: Identity[] = [
        { provider: 'google-oauth2', connection: 'google-work', userId: '1', isSocial: true },
      ];
      const { sut, ctx, client, cached } = newTestService({ identities });
      cached({ accessToken: 'cached-vault' }, 'google-work');
      const token = await sut.resolve(ctx);
      expect(token.credential).toMatchObject({ accessToken: 'cached-vault', connection: 'google-work' });
      expect(client.exchange).not.toHaveBeenCalled();
    });

    it('should answer idp_account_not_connected to a service caller, even with a cached token', async () => {
      const { sut, ctx, client, cached } = newTestService({ isService: true });
      cached({ accessToken: 'cached-vault' });
      const error = (await sut.resolve(ctx).catch((e: unknown) => e)) as ApiProblem;
      expect(error.toBody()).toMatchObject({
        code: 'idp_account_not_connected',
        detail: 'A service caller has no user token to exchange at the Token Vault.',
        connection: CONNECTION,
      });
      expect(client.exchange).not.toHaveBeenCalled();
    });

    it('should answer idp_account_not_connected when the account is not connected (401/403)', async () => {
      const { sut, ctx, client } = newTestService();
      client.exchange.mockRejectedValueOnce(new TokenVaultRefusal('not_connected', 401, 'access_denied'));
      await expect(sut.resolve(ctx)).rejects.toMatchObject({
        code: 'idp_account_not_connected',
        detail:
          'The user has not connected a google-oauth2 account to the Token Vault; start the Connected Accounts flow for it.',
      });
    });

    it('should log a refused client and answer a 502-class upstream error', async () => {
      const log = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const { sut, ctx, client } = newTestService();
      client.exchange.mockRejectedValueOnce(new TokenVaultRefusal('client_refused', 401, 'invalid_client'));
      const error = (await sut.resolve(ctx).catch((e: unknown) => e)) as UpstreamError;
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ failure: 'unavailable', target: 'auth0_token_exchange', status: 401 });
      expect(error.toProblem().status).toBe(502);
      expect(log).toHaveBeenCalledWith(
        { status: 401, error: 'invalid_client', requestId: 'req-1' },
        expect.stringContaining('Auth0 refused the Token Vault client'),
      );
    });

    it('should answer an unavailable exchange as an upstream error, without the operator log', async () => {
      const log = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const { sut, ctx, client } = newTestService();
      client.exchange.mockRejectedValueOnce(new TokenVaultRefusal('unavailable', 500, undefined));
      await expect(sut.resolve(ctx)).rejects.toMatchObject({ failure: 'unavailable', status: 500 });
      expect(log).not.toHaveBeenCalled();
    });

    it('should refuse the profile with a token lacking its scopes, naming them', async () => {
      const { sut, ctx, client } = newTestService();
      client.exchange.mockResolvedValueOnce({ accessToken: 'vault-1', expiresInS: 3600, scopes: ['email'] });
      await expect(sut.resolve({ ...ctx, purpose: 'profile' })).rejects.toMatchObject({
        code: 'idp_account_not_connected',
        detail: expect.stringMatching(
          /^Token Vault granted `email` for google; the google profile needs `profile`\. Connect the google-oauth2 account again/,
        ) as unknown,
      });
    });

    it('should let the profile through with its scopes', async () => {
      const { sut, ctx } = newTestService();
      await expect(sut.resolve({ ...ctx, purpose: 'profile' })).resolves.toBeDefined();
    });

    it('should let the profile through when Token Vault reported no scope list', async () => {
      const { sut, ctx, client } = newTestService();
      client.exchange.mockResolvedValueOnce({ accessToken: 'vault-2', expiresInS: 3600, scopes: undefined });
      await expect(sut.resolve({ ...ctx, purpose: 'profile' })).resolves.toBeDefined();
    });

    it('should answer a remembered rejection without any lookup', async () => {
      const { sut, ctx, users, client, budget } = newTestService();
      const remembered = new ApiProblem('idp_token_rejected', 'remembered');
      budget.checkToken.mockRejectedValueOnce(remembered);
      await expect(sut.resolve(ctx)).rejects.toBe(remembered);
      expect(users.getUser).not.toHaveBeenCalled();
      expect(client.exchange).not.toHaveBeenCalled();
    });
  });

  describe('retry', () => {
    it('should exchange again and take the new token', async () => {
      const { sut, ctx, client, cache } = newTestService();
      const token = await sut.resolve(ctx);
      client.exchange.mockResolvedValueOnce({ accessToken: 'vault-2', expiresInS: 600, scopes: ['email'] });
      const next = await token.retry();
      expect(next.credential).toMatchObject({ accessToken: 'vault-2', grantedScopes: ['email'] });
      expect(client.exchange).toHaveBeenCalledTimes(2);
      expect(cache.delete).toHaveBeenCalledWith('idp_token', idpTokenKey(USER, CONNECTION));
    });

    it('should take a token another request exchanged meanwhile, with no exchange', async () => {
      const { sut, ctx, client, cached } = newTestService();
      const token = await sut.resolve(ctx);
      cached({ accessToken: 'vault-elsewhere' });
      expect((await token.retry()).credential.accessToken).toBe('vault-elsewhere');
      expect(client.exchange).toHaveBeenCalledTimes(1);
    });

    it('should answer idp_token_rejected when the new exchange gives the same token, and note it', async () => {
      const { sut, ctx, budget } = newTestService();
      const token = await sut.resolve(ctx);
      const error = await token.retry().catch((e: unknown) => e);
      expect(error).toMatchObject(rejectedAfterExchange);
      expect(budget.noteTokenError).toHaveBeenCalledWith(USER, 'google', error, 'caller-token');
    });

    it('should exchange only once per request', async () => {
      const { sut, ctx, client } = newTestService();
      const token = await sut.resolve(ctx);
      client.exchange.mockResolvedValueOnce({ accessToken: 'vault-2', expiresInS: 600, scopes: undefined });
      const next = await token.retry();
      await expect(next.retry()).rejects.toMatchObject(rejectedAfterExchange);
      expect(client.exchange).toHaveBeenCalledTimes(2);
    });

    it('should name the missing scopes when the refused vault token lacked them', async () => {
      const { sut, ctx, client } = newTestService();
      client.exchange.mockResolvedValue({ accessToken: 'vault-1', expiresInS: 3600, scopes: [] });
      const token = await sut.resolve(ctx);
      await expect(token.retry()).rejects.toMatchObject({
        code: 'idp_token_rejected',
        detail: `${rejectedAfterExchange.detail} Token Vault granted no scope for google; the google profile needs \`email\`, \`profile\`.`,
      });
    });

    it('should note a not-connected answer to the new exchange', async () => {
      const { sut, ctx, client, budget } = newTestService();
      const token = await sut.resolve(ctx);
      client.exchange.mockRejectedValueOnce(new TokenVaultRefusal('not_connected', 403, undefined));
      const error = await token.retry().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'idp_account_not_connected' });
      expect(budget.noteTokenError).toHaveBeenCalledWith(USER, 'google', error, 'caller-token');
    });

    it('should answer a rejection remembered meanwhile with no exchange, and not note it again', async () => {
      const { sut, ctx, client, budget } = newTestService();
      const token = await sut.resolve(ctx);
      const remembered = new ApiProblem('idp_token_rejected', 'remembered');
      budget.checkToken.mockRejectedValueOnce(remembered);
      await expect(token.retry()).rejects.toBe(remembered);
      expect(client.exchange).toHaveBeenCalledTimes(1);
      expect(budget.noteTokenError).not.toHaveBeenCalled();
    });
  });
});
