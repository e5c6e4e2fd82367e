/**
 * Token Vault providers (contract, TOKEN_VAULT_*, "Upstream behaviour"): the IdP token comes from
 * Auth0's federated-connection token exchange with the caller's own access token, reused per
 * (user, connection) until its expiry; the proxy and the adapters cannot tell the difference.
 */
import { expectNoSecretLeaked, startStack } from './support/stack';
import type { Stack } from './support/stack';

describe('Token Vault', () => {
  let stack: Stack;

  beforeEach(async () => {
    stack = await startStack({ TOKEN_VAULT_PROVIDERS: 'google,github' });
  });

  afterEach(async () => {
    expectNoSecretLeaked(stack);
    await stack.close();
  });

  const vaultUser = (): string => stack.emulator.seed.vault;

  it('should serve the profile and a proxied call with an exchanged token', async () => {
    const token = stack.token(vaultUser());
    const profile = await stack.call('/v1/idp/google/profile', { token });
    expect(profile.status).toBe(200);
    expect(profile.json.provider).toBe('google');
    const repos = await stack.call('/v1/idp/github/api/user/repos?per_page=2', { token });
    expect(repos.status).toBe(200);
    expect(repos.json).toHaveLength(2);
    expect(stack.emulator.count('token.exchange')).toBe(2);
  });

  it('should send exactly the exchange parameters of the contract', async () => {
    const token = stack.token(vaultUser());
    expect((await stack.call('/v1/idp/github/profile', { token })).status).toBe(200);
    const [exchange] = stack.emulator.requests('token.exchange');
    expect(exchange.params).toEqual({
      grant_type: 'urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token',
      subject_token: token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'http://auth0.com/oauth/token-type/federated-connection-access-token',
      connection: 'github',
      client_id: stack.emulator.tokenVaultClient.clientId,
      client_secret: stack.emulator.tokenVaultClient.clientSecret,
    });
  });

  it('should make 1 exchange for 50 concurrent requests of one user, and none more within its expiry', async () => {
    const token = stack.token(vaultUser());
    const first = await Promise.all(
      Array.from({ length: 50 }, () => stack.call('/v1/idp/github/api/user', { token })),
    );
    expect(first.map((a) => a.status)).toEqual(Array.from({ length: 50 }, () => 200));
    expect(stack.emulator.count('token.exchange')).toBe(1);
    const again = await Promise.all(
      Array.from({ length: 10 }, () => stack.call('/v1/idp/github/api/user', { token })),
    );
    expect(again.every((a) => a.status === 200)).toBe(true);
    expect(stack.emulator.count('token.exchange')).toBe(1);
  });

  it('should answer 409 idp_account_not_connected with the connection when the vault holds no account', async () => {
    // The Google seed user signed in with Google but never connected it to the Token Vault.
    const answer = await stack.call('/v1/idp/google/profile', {
      token: stack.token(stack.emulator.seed.google),
    });
    expect(answer.status).toBe(409);
    expect(answer.json).toEqual(
      expect.objectContaining({ code: 'idp_account_not_connected', connection: 'google-oauth2' }),
    );
  });

  it('should answer idp_account_not_connected to a service caller on a Token Vault provider', async () => {
    const service = stack.emulator.mintServiceToken({ permissions: ['proxy:users'] });
    const answer = await stack.call(`/v1/users/${encodeURIComponent(vaultUser())}/idp/github/profile`, {
      token: service,
    });
    expect(answer.status).toBe(409);
    expect(answer.json).toEqual(
      expect.objectContaining({ code: 'idp_account_not_connected', connection: 'github' }),
    );
    expect(stack.emulator.count('token.exchange')).toBe(0);
  });

  it('should exchange once more when the IdP refuses a vault token, and succeed', async () => {
    const token = stack.token(vaultUser());
    expect((await stack.call('/v1/idp/github/api/user', { token })).status).toBe(200);
    stack.emulator.expireVaultToken(vaultUser(), 'github');
    const answer = await stack.call('/v1/idp/github/api/user', { token });
    expect(answer.status).toBe(200);
    expect(stack.emulator.count('token.exchange')).toBe(2);
    expect(stack.emulator.count('github.user')).toBe(3);
  });

  it('should give up with 502 idp_token_rejected when the new exchange is refused too', async () => {
    const token = stack.token(vaultUser());
    stack.emulator.setVaultTokenTtlS(0);
    const answer = await stack.call('/v1/idp/github/api/user', { token });
    expect(answer.status).toBe(502);
    expect(answer.json).toEqual(
      expect.objectContaining({ code: 'idp_token_rejected', connection: 'github' }),
    );
    expect(stack.emulator.count('token.exchange')).toBe(2);
  });

  it('should report the token source per identity', async () => {
    const answer = await stack.call('/v1/identities', { token: stack.token(stack.emulator.seed.linked) });
    expect(answer.status).toBe(200);
    const byProvider = Object.fromEntries(
      answer.json.identities.map((i: { provider: string }) => [i.provider, i]),
    );
    expect(byProvider.google).toEqual(
      expect.objectContaining({ tokenSource: 'token-vault', hasToken: null, canRefresh: null }),
    );
    expect(byProvider.auth0).toEqual(expect.objectContaining({ tokenSource: null, supported: false }));
  });

  it('should leave identities[] providers unchanged', async () => {
    const answer = await stack.call('/v1/idp/facebook/profile', {
      token: stack.token(stack.emulator.seed.facebook),
    });
    expect(answer.status).toBe(200);
    expect(stack.emulator.count('token.exchange')).toBe(0);
  });
});
