/**
 * Google's generated clients (`@googleapis/people`) through the service: `rootUrl` our route for the
 * People API's own host, the Auth0 access token in the call's headers. Both go in each call's
 * options: a `rootUrl` given to the client itself keeps only its origin (googleapis-common resolves
 * the API path against it), which drops our route's path.
 */
import { people } from '@googleapis/people';
import { expectNoSecretLeaked, expectProblem, startStack } from './support/stack';
import type { Stack } from './support/stack';

describe('@googleapis/people through the service', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    if (stack !== undefined) expectNoSecretLeaked(stack);
    await stack?.close();
  });

  beforeEach(() => {
    stack.fetched.length = 0;
    stack.emulator.resetCounters();
  });

  const peopleRoot = () => `${stack.url}/v1/idp/google/hosts/people.googleapis.com/`;

  it('should get people/me with the person fields asked for, from the People API host', async () => {
    const client = people({ version: 'v1' });
    const authorization = `Bearer ${stack.token(stack.emulator.seed.google)}`;
    const { status, data } = await client.people.get(
      { resourceName: 'people/me', personFields: 'names,emailAddresses' },
      // `fetchImplementation` only lets the test see each answer and URL
      { rootUrl: peopleRoot(), headers: { authorization }, fetchImplementation: stack.fetch },
    );
    expect(status).toBe(200);
    expect(data.resourceName).toBe('people/1001');
    expect(data.names?.[0].displayName).toBe('Grace Google');
    expect(data.emailAddresses?.[0].value).toEqual(expect.stringContaining('@'));
    expect(stack.fetched).toEqual([expect.stringMatching(new RegExp(`^${peopleRoot()}v1/people/me\\?`))]);
    const [upstream] = stack.emulator.requests('google.people');
    expect(upstream.headers.authorization).toBe(
      `Bearer ${stack.emulator.idpToken(stack.emulator.seed.google, 'google')}`,
    );
    expect(new URLSearchParams(upstream.query).get('personFields')).toBe('names,emailAddresses');
    expect(stack.emulator.count('google.userinfo') + stack.emulator.count('google.other')).toBe(0);
  });

  it("should pass Google's 400 through when personFields is missing", async () => {
    const client = people({ version: 'v1' });
    const authorization = `Bearer ${stack.token(stack.emulator.seed.google)}`;
    const failed = client.people.get(
      { resourceName: 'people/me' },
      { rootUrl: peopleRoot(), headers: { authorization }, fetchImplementation: stack.fetch },
    );
    await expect(failed).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('personFields mask is required'),
    });
  });

  it('should reach the People API through the service-caller route too', async () => {
    const user = encodeURIComponent(stack.emulator.seed.google);
    const client = people({ version: 'v1' });
    const rootUrl = `${stack.url}/v1/users/${user}/idp/google/hosts/people.googleapis.com/`;
    const authorization = `Bearer ${stack.emulator.mintServiceToken({ permissions: ['proxy:users'] })}`;
    const { data } = await client.people.get(
      { resourceName: 'people/me', personFields: 'names' },
      { rootUrl, headers: { authorization }, fetchImplementation: stack.fetch },
    );
    expect(data.names?.[0].displayName).toBe('Grace Google');
  });

  it('should refuse a host off the provider list with 404 unknown_api_host and no upstream call', async () => {
    const token = stack.token(stack.emulator.seed.google);
    for (const host of [
      'evil.example',
      'api.github.com',
      'people.googleapis.com.evil.example',
      '127.0.0.1',
    ]) {
      const answer = await stack.call(`/v1/idp/google/hosts/${host}/v1/people/me`, { token });
      expectProblem(answer, 404, 'unknown_api_host');
    }
    expect(stack.emulator.count('users')).toBe(0);
    expect(stack.emulator.count('google.people') + stack.emulator.count('google.other')).toBe(0);
  });

  describe('the hosts routes', () => {
    const people = '/v1/idp/google/hosts/people.googleapis.com/v1/people/me?personFields=names';

    it('should apply the path policy before any upstream call', async () => {
      const token = stack.token(stack.emulator.seed.google);
      for (const path of ['v1/a%2Fb', 'v1//people', 'v1/a%5Cb']) {
        expectProblem(
          await stack.call(`/v1/idp/google/hosts/people.googleapis.com/${path}`, { token }),
          400,
          'invalid_path',
        );
      }
      expect(stack.emulator.count('users')).toBe(0);
    });

    it('should recover from a rejected token as the /api/ routes do (re-lookup, refresh)', async () => {
      const token = stack.token(stack.emulator.seed.google);
      stack.emulator.expireIdpToken(stack.emulator.seed.google, 'google');
      const answer = await stack.call(people, { token });
      expect(answer.status).toBe(200);
      expect(stack.emulator.count('google.token')).toBe(1);
      const sent = stack.emulator.requests('google.people').map((r) => r.headers.authorization);
      expect(sent).toHaveLength(2);
      expect(sent[0]).not.toBe(sent[1]);
    });

    it('should tell an unknown method (405) from an unknown route (404)', async () => {
      const token = stack.token(stack.emulator.seed.google);
      expectProblem(await stack.call(people, { token, method: 'OPTIONS' }), 405, 'method_not_allowed');
      expectProblem(
        await stack.call('/v1/idp/google/hosts/people.googleapis.com', { token }),
        404,
        'not_found',
      );
    });
  });
});
