/**
 * Octokit (`@octokit/rest`) through the service, written as a user writes it: `baseUrl` our GitHub
 * route, the Auth0 access token as `auth`. Its `paginate` follows `Link` as given, so every page
 * must come back as an absolute URL of the service.
 */
import { Octokit } from '@octokit/rest';
import { expectNoSecretLeaked, startStack } from './support/stack';
import type { Stack } from './support/stack';

describe('Octokit through the service', () => {
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

  /** What a user writes; `request.fetch` only lets the test see each answer and URL. */
  const octokitFor = (route: string, auth: string): Octokit =>
    new Octokit({ baseUrl: `${stack.url}${route}`, auth, request: { fetch: stack.fetch } });

  type Form = 'caller' | 'service-caller';
  const FORMS: Form[] = ['caller', 'service-caller'];
  /** the GitHub route and the token a user (or a service acting for a user) gives Octokit */
  const form = (kind: Form): { route: string; auth: string } =>
    kind === 'caller'
      ? { route: '/v1/idp/github/api', auth: stack.token(stack.emulator.seed.github) }
      : {
          route: `/v1/users/${encodeURIComponent(stack.emulator.seed.github)}/idp/github/api`,
          auth: stack.emulator.mintServiceToken({ permissions: ['proxy:users'] }),
        };

  it.each(FORMS)('should get the authenticated user through the %s route', async (kind) => {
    const { route, auth } = form(kind);
    const { status, data } = await octokitFor(route, auth).users.getAuthenticated();
    expect(status).toBe(200);
    expect(data).toMatchObject({ login: expect.any(String), name: 'Gus GitHub', id: 2002 });
    expect(stack.emulator.requests('github.user')[0].headers.authorization).toBe(
      `Bearer ${stack.emulator.idpToken(stack.emulator.seed.github, 'github')}`,
    );
  });

  it.each(FORMS)(
    'should paginate every repository page by page, every request on our origin, through the %s route',
    async (kind) => {
      const { route, auth } = form(kind);
      const repos = await octokitFor(route, auth).paginate(
        octokitFor(route, auth).repos.listForAuthenticatedUser,
        { per_page: 2 },
      );
      expect(repos.map((repo) => repo.name)).toEqual(
        [1, 2, 3, 4, 5].map((n) => expect.stringContaining(`-project-${n}`)),
      );
      // three pages, each asked of the service in the caller's route form, none elsewhere
      expect(stack.fetched).toHaveLength(3);
      for (const url of stack.fetched) expect(url.startsWith(`${stack.url}${route}/user/repos?`)).toBe(true);
      expect(stack.emulator.requests('github.repos').map((r) => r.query)).toEqual([
        'per_page=2',
        'page=2&per_page=2',
        'page=3&per_page=2',
      ]);
    },
  );

  it('should keep the /hosts/api.github.com/ form the caller used while paginating', async () => {
    const route = '/v1/idp/github/hosts/api.github.com';
    const octokit = octokitFor(route, stack.token(stack.emulator.seed.github));
    const repos = await octokit.paginate(octokit.repos.listForAuthenticatedUser, { per_page: 2 });
    expect(repos).toHaveLength(5);
    expect(stack.fetched).toHaveLength(3);
    for (const url of stack.fetched) expect(url.startsWith(`${stack.url}${route}/user/repos?`)).toBe(true);
  });

  it('should answer a conditional request with 304 Not Modified', async () => {
    const { route, auth } = form('caller');
    const octokit = octokitFor(route, auth);
    const first = await octokit.repos.listForAuthenticatedUser({ per_page: 2 });
    expect(first.headers.etag).toEqual(expect.any(String));
    const conditional = octokit.repos.listForAuthenticatedUser({
      per_page: 2,
      headers: { 'if-none-match': first.headers.etag },
    });
    await expect(conditional).rejects.toMatchObject({ status: 304 });
    expect(stack.emulator.requests('github.repos')[1].headers['if-none-match']).toBe(first.headers.etag);
  });

  it.each(FORMS)('should run a GraphQL query on viewer through the %s route', async (kind) => {
    const { route, auth } = form(kind);
    const result = await octokitFor(route, auth).graphql<{ viewer: { login: string; name: string } }>(
      '{ viewer { login name } }',
    );
    expect(result.viewer).toEqual({ login: expect.any(String), name: 'Gus GitHub' });
    expect(stack.fetched).toEqual([`${stack.url}${route}/graphql`]);
    expect(stack.emulator.count('github.graphql')).toBe(1);
  });
});
