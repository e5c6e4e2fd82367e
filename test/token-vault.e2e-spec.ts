/**
 * Token Vault providers (TOKEN_VAULT_*, docs/token-vault.md): the IdP token comes from
 * Auth0's federated-connection token exchange with the caller's own access token, reused per
 * (user, connection) until its expiry; the proxy and the adapters cannot tell the difference.
 *
 * Every stack here logs at level debug into memory; after each test no answer and no log line may
 * hold a secret the emulator issued (exchanged Token Vault tokens included), a caller's bearer
 * token or a client secret.
 */
import { expectNoSecretLeaked, expectProblem } from './support/stack';
import type { Answer } from './support/stack';
import { startOpsStack } from './support/ops';
import type { OpsStack } from './support/ops';

const VAULT_ENV = { TOKEN_VAULT_PROVIDERS: 'google,github' };

describe('Token Vault', () => {
  let stack: OpsStack;
  /** every bearer token a test sent: the subject tokens of the exchanges */
  let bearers: string[];

  const start = async (env: Record<string, string> = VAULT_ENV): Promise<void> => {
    stack = await startOpsStack({ env, logLevel: 'debug' });
  };
  const bearer = (sub: string): string => {
    const token = stack.token(sub);
    bearers.push(token);
    return token;
  };
  const vaultUser = (): string => stack.emulator.seed.vault;
  const upstreamLines = (target: string): Array<Record<string, any>> =>
    stack.logs.lines().filter((line) => line.msg === 'upstream call' && line.target === target);

  beforeEach(() => {
    bearers = [];
  });

  afterEach(async () => {
    if (stack === undefined) return;
    try {
      expectNoSecretLeaked(stack);
      const { emulator } = stack;
      // secrets() holds every IdP token issued, the exchanged ones included (checked here).
      expect(emulator.vaultTokens().filter((token) => !emulator.secrets().includes(token))).toEqual([]);
      const secrets = [...emulator.secrets(), ...bearers, emulator.tokenVaultClient.clientSecret];
      const logs = stack.logs.raw.join('');
      expect(secrets.filter((secret) => logs.includes(secret))).toEqual([]);
      expect(logs).not.toMatch(/bearer\s+\S/i);
    } finally {
      await stack.close();
    }
  });

  describe('with TOKEN_VAULT_PROVIDERS=google,github', () => {
    beforeEach(() => start());

    it('should serve the profile and a proxied call with an exchanged token', async () => {
      const token = bearer(vaultUser());
      const profile = await stack.call('/v1/idp/google/profile', { token });
      expect(profile.status).toBe(200);
      expect(profile.json).toEqual(
        expect.objectContaining({ provider: 'google', id: '7007', email: 'vera-vault@example.com' }),
      );
      const repos = await stack.call('/v1/idp/github/api/user/repos?per_page=2', { token });
      expect(repos.status).toBe(200);
      expect(repos.json).toHaveLength(2);
      expect(stack.emulator.requests('token.exchange').map((r) => r.params?.connection)).toEqual([
        'google-oauth2',
        'github',
      ]);
      // Both exchanged tokens reached the IdPs and nothing else did.
      const vaultTokens = stack.emulator.vaultTokens();
      expect(vaultTokens).toHaveLength(2);
      expect(stack.emulator.requests('google.userinfo')[0].headers.authorization).toBe(
        `Bearer ${vaultTokens[0]}`,
      );
      expect(stack.emulator.requests('github.repos')[0].headers.authorization).toBe(
        `Bearer ${vaultTokens[1]}`,
      );
    });

    it('should send exactly the documented exchange parameters', async () => {
      const token = bearer(vaultUser());
      expect((await stack.call('/v1/idp/github/profile', { token })).status).toBe(200);
      const [exchange] = stack.emulator.requests('token.exchange');
      expect(exchange.method).toBe('POST');
      expect(exchange.path).toBe('/oauth/token');
      expect(exchange.headers['content-type']).toBe('application/x-www-form-urlencoded');
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
      const token = bearer(vaultUser());
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
      expect(stack.emulator.count('github.user')).toBe(60);
    });

    it("should never serve one user's exchanged token to another", async () => {
      const other = stack.emulator.addUser({ providers: ['github'], vault: ['github'], name: 'Otto Other' });
      const [vera, otto] = await Promise.all([
        stack.call('/v1/idp/github/profile', { token: bearer(vaultUser()) }),
        stack.call('/v1/idp/github/profile', { token: bearer(other.user_id) }),
      ]);
      expect(vera.json).toEqual(expect.objectContaining({ username: 'vera-vault' }));
      expect(otto.json).toEqual(expect.objectContaining({ username: 'otto-other' }));
      expect(stack.emulator.count('token.exchange')).toBe(2);
    });

    it('should answer 409 idp_account_not_connected with the connection when the vault holds no account', async () => {
      // The Google seed user signed in with Google but never connected it to the Token Vault.
      const answer = await stack.call('/v1/idp/google/profile', {
        token: bearer(stack.emulator.seed.google),
      });
      expectProblem(answer, 409, 'idp_account_not_connected');
      expect(answer.json.connection).toBe('google-oauth2');
      expect(answer.json.detail).toMatch(/Connected Accounts/);
      expect(stack.emulator.count('token.exchange')).toBe(1);
      expect(stack.emulator.count('google.userinfo')).toBe(0);
    });

    it('should answer idp_account_not_connected to a service caller on a Token Vault provider', async () => {
      const service = stack.emulator.mintServiceToken({ permissions: ['proxy:users'] });
      bearers.push(service);
      const asService = (): Promise<Answer> =>
        stack.call(`/v1/users/${encodeURIComponent(vaultUser())}/idp/github/profile`, { token: service });
      let answer = await asService();
      expectProblem(answer, 409, 'idp_account_not_connected');
      expect(answer.json.connection).toBe('github');
      expect(stack.emulator.count('token.exchange')).toBe(0);
      // Not even the token the user's own call just left in the cache.
      expect((await stack.call('/v1/idp/github/profile', { token: bearer(vaultUser()) })).status).toBe(200);
      answer = await asService();
      expectProblem(answer, 409, 'idp_account_not_connected');
      expect(stack.emulator.count('token.exchange')).toBe(1);
      expect(stack.emulator.count('github.user')).toBe(1);
    });

    it('should exchange once more when the IdP refuses a vault token, and succeed', async () => {
      const token = bearer(vaultUser());
      expect((await stack.call('/v1/idp/github/api/user', { token })).status).toBe(200);
      stack.emulator.expireVaultToken(vaultUser(), 'github');
      const answer = await stack.call('/v1/idp/github/api/user', { token });
      expect(answer.status).toBe(200);
      expect(stack.emulator.count('token.exchange')).toBe(2);
      expect(stack.emulator.count('github.user')).toBe(3);
      // The new token is kept: the next call uses it without another exchange.
      expect((await stack.call('/v1/idp/github/api/user', { token })).status).toBe(200);
      expect(stack.emulator.count('token.exchange')).toBe(2);
    });

    it('should give up with 502 idp_token_rejected when the new exchange is refused too', async () => {
      const token = bearer(vaultUser());
      stack.emulator.setVaultTokenTtlS(0);
      const answer = await stack.call('/v1/idp/github/api/user', { token });
      expectProblem(answer, 502, 'idp_token_rejected');
      expect(answer.json.connection).toBe('github');
      expect(answer.json.detail).toBe(
        'github refused the Token Vault token even after a new exchange; the user must connect the github account again.',
      );
      expect(stack.emulator.count('token.exchange')).toBe(2);
      expect(stack.emulator.count('github.user')).toBe(2);
    });

    it('should report the token source per identity', async () => {
      const answer = await stack.call('/v1/identities', { token: bearer(stack.emulator.seed.linked) });
      expect(answer.status).toBe(200);
      const byProvider = Object.fromEntries(
        answer.json.identities.map((i: { provider: string }) => [i.provider, i]),
      );
      expect(byProvider.google).toEqual(
        expect.objectContaining({ tokenSource: 'token-vault', hasToken: null, canRefresh: null }),
      );
      expect(byProvider.github).toEqual(expect.objectContaining({ tokenSource: 'token-vault' }));
      expect(byProvider.auth0).toEqual(expect.objectContaining({ tokenSource: null, supported: false }));
      expect(stack.emulator.count('token.exchange')).toBe(0);
    });

    it('should leave identities[] providers unchanged', async () => {
      const answer = await stack.call('/v1/idp/facebook/profile', {
        token: bearer(stack.emulator.seed.facebook),
      });
      expect(answer.status).toBe(200);
      expect(stack.emulator.count('token.exchange')).toBe(0);
      const identities = await stack.call('/v1/identities', { token: bearer(stack.emulator.seed.facebook) });
      expect(identities.json.identities[0]).toEqual(
        expect.objectContaining({ provider: 'facebook', tokenSource: 'identities', hasToken: true }),
      );
    });

    it('should wait out a 429 of the exchange and answer 502 auth0_unavailable to a 5xx', async () => {
      const token = bearer(vaultUser());
      stack.emulator.fault('token.exchange', { kind: '429', times: 1, retryAfterS: 1 });
      expect((await stack.call('/v1/idp/github/profile', { token })).status).toBe(200);
      expect(stack.emulator.count('token.exchange')).toBe(2);
      stack.emulator.fault('token.exchange', { kind: '503', times: 1 });
      const failed = await stack.call('/v1/idp/google/profile', { token });
      expectProblem(failed, 502, 'auth0_unavailable');
      expect(stack.emulator.count('token.exchange')).toBe(3);
      expect(stack.emulator.count('google.userinfo')).toBe(0);
    });

    it('should write its exchanges to the log at debug, with no token in any line', async () => {
      const token = bearer(vaultUser());
      expect((await stack.call('/v1/idp/google/profile', { token })).status).toBe(200);
      stack.emulator.expireVaultToken(vaultUser(), 'google-oauth2');
      expect((await stack.call('/v1/idp/google/api/oauth2/v3/userinfo', { token })).status).toBe(200);
      expect(upstreamLines('auth0_token_exchange').map((line) => line.status)).toEqual(['200', '200']);
      expect(stack.emulator.vaultTokens()).toHaveLength(2);
      expect(stack.logs.lines().filter((line) => line.level === 'debug').length).toBeGreaterThan(0);
      // the scan itself runs after each test (afterEach)
    });
  });

  describe('scopes granted narrower than an adapter needs', () => {
    beforeEach(() => start());

    it("should refuse the GitHub profile with a detail naming the missing scope, and pass GitHub's own 403 through on the API", async () => {
      stack.emulator.connectVault(vaultUser(), 'github', { scope: 'repo' });
      const token = bearer(vaultUser());
      const profile = await stack.call('/v1/idp/github/profile', { token });
      expectProblem(profile, 409, 'idp_account_not_connected');
      expect(profile.json.connection).toBe('github');
      expect(profile.json.detail).toBe(
        'Token Vault granted `repo` for github; the github profile needs `read:user` (or `user`). Connect the github account again through the Connected Accounts flow, asking for those scopes.',
      );
      expect(stack.emulator.count('github.user')).toBe(0);

      // What the granted scope allows still works, with the same exchanged token.
      const repos = await stack.call('/v1/idp/github/api/user/repos', { token });
      expect(repos.status).toBe(200);
      expect(repos.json).toHaveLength(5);
      // A proxied call the IdP refuses for its scopes: GitHub's answer, as documented.
      const user = await stack.call('/v1/idp/github/api/user', { token });
      expect(user.status).toBe(403);
      expect(user.json).toEqual(
        expect.objectContaining({ message: 'Resource not accessible by integration' }),
      );
      expect(user.headers.get('x-accepted-oauth-scopes')).toBeNull();
      expect(stack.emulator.count('token.exchange')).toBe(1);
    });

    it('should name the missing Google scope and accept the short scope names', async () => {
      stack.emulator.connectVault(vaultUser(), 'google-oauth2', {
        scope: 'openid https://www.googleapis.com/auth/userinfo.email',
      });
      const narrow = await stack.call('/v1/idp/google/profile', { token: bearer(vaultUser()) });
      expectProblem(narrow, 409, 'idp_account_not_connected');
      expect(narrow.json.connection).toBe('google-oauth2');
      expect(narrow.json.detail).toMatch(
        /^Token Vault granted `openid` `https:\/\/www\.googleapis\.com\/auth\/userinfo\.email` for google; the google profile needs `https:\/\/www\.googleapis\.com\/auth\/userinfo\.profile` \(or `profile`\)\./,
      );
      expect(stack.emulator.count('google.userinfo')).toBe(0);

      const other = stack.emulator.addUser({
        providers: ['google'],
        withoutToken: ['google'],
        vault: ['google-oauth2'],
        vaultScopes: { 'google-oauth2': 'openid email profile' },
      });
      const full = await stack.call('/v1/idp/google/profile', { token: bearer(other.user_id) });
      expect(full.status).toBe(200);
      expect(full.json).toEqual(
        expect.objectContaining({ name: other.name, email: other.email, emailVerified: true }),
      );
    });

    it('should name the missing scopes when the IdP keeps refusing the vault token', async () => {
      stack.emulator.connectVault(vaultUser(), 'github', { scope: 'repo' });
      stack.emulator.setVaultTokenTtlS(0);
      const answer = await stack.call('/v1/idp/github/api/user/repos', { token: bearer(vaultUser()) });
      expectProblem(answer, 502, 'idp_token_rejected');
      expect(answer.json.detail).toBe(
        'github refused the Token Vault token even after a new exchange; the user must connect the github account again. Token Vault granted `repo` for github; the github profile needs `read:user` (or `user`).',
      );
      expect(stack.emulator.count('token.exchange')).toBe(2);
    });
  });

  describe('with TOKEN_VAULT_PROVIDERS empty', () => {
    beforeEach(() => start({}));

    it('should read identities[] as before: no exchange, the vault user has no stored token', async () => {
      const answer = await stack.call('/v1/idp/google/profile', { token: bearer(vaultUser()) });
      expectProblem(answer, 409, 'idp_token_unavailable');
      const linked = await stack.call('/v1/idp/github/profile', {
        token: bearer(stack.emulator.seed.linked),
      });
      expect(linked.status).toBe(200);
      const identities = await stack.call('/v1/identities', { token: bearer(vaultUser()) });
      expect(identities.json.identities[0]).toEqual(
        expect.objectContaining({ provider: 'google', tokenSource: 'identities', hasToken: false }),
      );
      expect(stack.emulator.count('token.exchange')).toBe(0);
    });
  });

  describe('with a Token Vault client Auth0 refuses', () => {
    beforeEach(() => start({ ...VAULT_ENV, TOKEN_VAULT_CLIENT_SECRET: 'not-the-vault-client-secret' }));

    it('should answer 502 auth0_unavailable (not "not connected") and say why in the log', async () => {
      const answer = await stack.call('/v1/idp/github/profile', { token: bearer(vaultUser()) });
      expectProblem(answer, 502, 'auth0_unavailable');
      expect(stack.emulator.count('token.exchange')).toBe(1);
      expect(stack.logs.lines()).toContainEqual(
        expect.objectContaining({
          level: 'error',
          status: 401,
          error: 'access_denied',
          msg: expect.stringContaining('TOKEN_VAULT_CLIENT_ID/SECRET'),
        }),
      );
      expect(stack.logs.raw.join('')).not.toContain('not-the-vault-client-secret');
    });
  });
});
