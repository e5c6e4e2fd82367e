import type { AppConfig } from '../config/app-config';
import { UpstreamError } from '../upstream/upstream.errors';
import type { UpstreamService } from '../upstream/upstream.service';
import { TokenVaultClient, TokenVaultRefusal } from './token-vault.client';

function newTestService(status: number, json: unknown) {
  const upstream = { requestJson: jest.fn(() => Promise.resolve({ status, headers: {}, json })) };
  const config = {
    auth0: { tokenUrl: 'https://tenant.test/oauth/token' },
    tokenVault: { providers: ['google'], clientId: 'vault-client', clientSecret: 'vault-secret' },
  };
  const sut = new TokenVaultClient(config as unknown as AppConfig, upstream as unknown as UpstreamService);
  return { sut, upstream };
}

async function refusalOf(status: number, json: unknown): Promise<TokenVaultRefusal> {
  const { sut } = newTestService(status, json);
  const error = await sut.exchange('caller-token', 'google-oauth2').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TokenVaultRefusal);
  return error as TokenVaultRefusal;
}

describe(TokenVaultClient.name, () => {
  it('should post the federated-connection token exchange as a form', async () => {
    const { sut, upstream } = newTestService(200, { access_token: 'idp-token' });
    await sut.exchange('caller-token', 'google-oauth2', 'req-1');
    expect(upstream.requestJson).toHaveBeenCalledWith(
      expect.objectContaining({
        target: 'auth0_token_exchange',
        method: 'POST',
        url: 'https://tenant.test/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        retry: 'auth0',
        requestId: 'req-1',
      }),
    );
    const [request] = upstream.requestJson.mock.calls[0] as unknown as [{ body: string }];
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      grant_type: 'urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token',
      client_id: 'vault-client',
      client_secret: 'vault-secret',
      subject_token: 'caller-token',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'http://auth0.com/oauth/token-type/federated-connection-access-token',
      connection: 'google-oauth2',
    });
  });

  it('should read the token, its lifetime and its scopes', async () => {
    const { sut } = newTestService(200, {
      access_token: 'idp-token',
      expires_in: 600,
      scope: 'email  profile',
    });
    await expect(sut.exchange('caller-token', 'google-oauth2')).resolves.toEqual({
      accessToken: 'idp-token',
      expiresInS: 600,
      scopes: ['email', 'profile'],
    });
  });

  it('should default the lifetime to an hour and leave unreported scopes undefined', async () => {
    const { sut } = newTestService(200, { access_token: 'idp-token' });
    await expect(sut.exchange('caller-token', 'google-oauth2')).resolves.toEqual({
      accessToken: 'idp-token',
      expiresInS: 3600,
      scopes: undefined,
    });
  });

  it.each([401, 403])('should call a %i answer not connected', async (status) => {
    const refusal = await refusalOf(status, { error: 'access_denied', error_description: 'No account' });
    expect(refusal).toMatchObject({ reason: 'not_connected', status, error: 'access_denied' });
  });

  it.each([
    [401, { error: 'invalid_client' }],
    [403, { error: 'unauthorized_client' }],
    [401, { error: 'access_denied', error_description: 'Unauthorized' }],
    [400, { error: 'invalid_client' }],
  ])('should call a %i %j answer a refused client', async (status, json) => {
    const refusal = await refusalOf(status, json);
    expect(refusal).toMatchObject({ reason: 'client_refused', status, error: json.error });
  });

  it.each([
    [500, { error: 'server_error' }],
    [400, { error: 'invalid_request' }],
    [200, { token_type: 'Bearer' }],
    [502, undefined],
  ])('should call a %i %j answer unavailable', async (status, json) => {
    const refusal = await refusalOf(status, json);
    expect(refusal).toMatchObject({ reason: 'unavailable', status });
  });

  it('should let an upstream failure through as it came', async () => {
    const { sut, upstream } = newTestService(200, undefined);
    const failure = new UpstreamError('timeout', 'auth0_token_exchange');
    upstream.requestJson.mockRejectedValueOnce(failure);
    await expect(sut.exchange('caller-token', 'google-oauth2')).rejects.toBe(failure);
  });
});
