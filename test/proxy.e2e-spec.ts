/**
 * The proxy (docs/routes-and-errors.md, docs/forwarding.md): profiles normalized, the
 * provider's API called with the user's token, and only safe things crossing in either direction.
 */
import { request as httpRequest } from 'node:http';
import { CallerGuard } from '../src/auth/auth.guards';
import { expectNoSecretLeaked, startStack } from './support/stack';
import type { Stack } from './support/stack';

describe('Proxy', () => {
  let stack: Stack;
  const appSecretEnv = {};

  beforeAll(async () => {
    stack = await startStack(appSecretEnv);
  });

  afterAll(async () => {
    expectNoSecretLeaked(stack);
    await stack.close();
  });

  const as = (user: keyof Stack['emulator']['seed']): string => stack.token(stack.emulator.seed[user]);

  /** A request with the path bytes exactly as given (fetch would normalize `..` and `\`). */
  const rawCall = (path: string, token: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const { hostname, port } = new URL(stack.url);
      const req = httpRequest(
        { host: hostname, port, path, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            stack.answers.push(body);
            resolve({ status: res.statusCode ?? 0, body });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });

  describe('profiles', () => {
    it('should normalize the Google profile', async () => {
      const answer = await stack.call('/v1/idp/google/profile', { token: as('google') });
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        provider: 'google',
        id: expect.any(String),
        name: expect.any(String),
        email: expect.stringContaining('@'),
        emailVerified: true,
        picture: expect.stringMatching(/^https?:\/\//),
      });
      expect(stack.emulator.requests('google.userinfo').at(-1)?.headers.authorization).toBe(
        `Bearer ${stack.emulator.idpToken(stack.emulator.seed.google, 'google')}`,
      );
    });

    it('should normalize the GitHub profile with a string id and the login as username', async () => {
      const answer = await stack.call('/v1/idp/github/profile', { token: as('github') });
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        provider: 'github',
        id: '2002',
        name: expect.any(String),
        email: expect.any(String),
        picture: expect.stringMatching(/^https?:\/\//),
        username: expect.any(String),
      });
    });

    it('should normalize the Facebook profile with the picture URL', async () => {
      const answer = await stack.call('/v1/idp/facebook/profile', { token: as('facebook') });
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        provider: 'facebook',
        id: expect.any(String),
        name: expect.any(String),
        email: expect.any(String),
        picture: expect.stringMatching(/^https?:\/\//),
      });
      expect(stack.emulator.requests('facebook.me').at(-1)?.query).toContain('fields=id,name,email,picture');
    });

    it('should reach two providers for the account-linked user', async () => {
      const google = await stack.call('/v1/idp/google/profile', { token: as('linked') });
      const github = await stack.call('/v1/idp/github/profile', { token: as('linked') });
      expect([google.status, github.status]).toEqual([200, 200]);
      expect(google.json.provider).toBe('google');
      expect(github.json.provider).toBe('github');
      expect(google.json.name).toBe(github.json.name);
    });

    it('should serve a named user to a service caller', async () => {
      const service = stack.emulator.mintServiceToken({ permissions: ['proxy:users'] });
      const answer = await stack.call(
        `/v1/users/${encodeURIComponent(stack.emulator.seed.github)}/idp/github/profile`,
        {
          token: service,
        },
      );
      expect(answer.status).toBe(200);
      expect(answer.json.id).toBe('2002');
    });

    it('should answer unknown_provider, identity_not_found and idp_token_unavailable', async () => {
      const unknown = await stack.call('/v1/idp/myspace/profile', { token: as('github') });
      expect([unknown.status, unknown.json.code]).toEqual([404, 'unknown_provider']);
      const noIdentity = await stack.call('/v1/idp/facebook/profile', { token: as('github') });
      expect([noIdentity.status, noIdentity.json.code]).toEqual([404, 'identity_not_found']);
      const noToken = await stack.call('/v1/idp/github/profile', { token: as('noToken') });
      expect([noToken.status, noToken.json.code]).toEqual([409, 'idp_token_unavailable']);
    });
  });

  describe('forwarding', () => {
    it("should serve proxied calls without Nest's guards (the authentication hook did their work), other routes with them", async () => {
      const guard = jest.spyOn(CallerGuard.prototype, 'canActivate');
      try {
        expect((await stack.call('/v1/idp/github/api/user', { token: as('github') })).status).toBe(200);
        expect((await stack.call('/v1/idp/github/profile', { token: as('github') })).status).toBe(200);
        expect(guard).not.toHaveBeenCalled();
        // The routes' refusals still come, from the hook: a service token on a caller's route.
        const service = stack.emulator.mintServiceToken({ permissions: ['proxy:users'] });
        const refused = await stack.call('/v1/idp/github/api/user', { token: service });
        expect([refused.status, refused.json.code]).toEqual([403, 'user_token_required']);
        expect((await stack.call('/v1/identities', { token: as('github') })).status).toBe(200);
        expect(guard).toHaveBeenCalledTimes(1);
      } finally {
        guard.mockRestore();
      }
    });

    it('should pass the query, add GitHub headers and never send the caller credentials or access_token', async () => {
      const answer = await stack.call(
        '/v1/idp/github/api/echo/a/b?x=1&access_token=stolen&ACCESS%5FTOKEN=2&y=%20z',
        {
          token: as('github'),
          headers: { cookie: 'session=abc', 'x-custom': 'nope', 'accept-language': 'de' },
        },
      );
      expect(answer.status).toBe(200);
      const seen = stack.emulator.requests('github.echo').at(-1)!;
      expect(seen.path).toBe('/echo/a/b');
      expect(seen.query).toBe('x=1&y=%20z');
      expect(seen.headers.authorization).toBe(
        `Bearer ${stack.emulator.idpToken(stack.emulator.seed.github, 'github')}`,
      );
      expect(seen.headers.cookie).toBeUndefined();
      expect(seen.headers['x-custom']).toBeUndefined();
      expect(seen.headers['accept-language']).toBe('de');
      expect(seen.headers['user-agent']).toBe('idp-proxy');
      expect(seen.headers['x-github-api-version']).toBe('2022-11-28');
      expect(seen.headers['x-request-id']).toBe(answer.headers.get('x-request-id'));
    });

    it("should keep the caller's GitHub accept and API version", async () => {
      await stack.call('/v1/idp/github/api/echo/v', {
        token: as('github'),
        headers: { accept: 'application/vnd.github.raw+json', 'x-github-api-version': '2026-03-10' },
      });
      const seen = stack.emulator.requests('github.echo').at(-1)!;
      expect(seen.headers.accept).toBe('application/vnd.github.raw+json');
      expect(seen.headers['x-github-api-version']).toBe('2026-03-10');
    });

    it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('should send the %s body unchanged', async (method) => {
      const body = JSON.stringify({ title: 'héllo', n: [1, 2, 3] });
      const answer = await stack.call('/v1/idp/github/api/echo/issues', {
        token: as('github'),
        method,
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(answer.status).toBe(200);
      const seen = stack.emulator.requests('github.echo').at(-1)!;
      expect(seen.method).toBe(method);
      expect(seen.body.toString('utf8')).toBe(body);
      expect(seen.headers['content-type']).toBe('application/json');
    });

    it('should send a binary body of another content type byte for byte', async () => {
      const body = Buffer.from([0, 1, 2, 250, 255, 13, 10]);
      await stack.call('/v1/idp/google/api/echo/upload', {
        token: as('google'),
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body,
      });
      expect(stack.emulator.requests('google.echo').at(-1)!.body.equals(body)).toBe(true);
    });

    it('should forward HEAD as HEAD', async () => {
      const answer = await stack.call('/v1/idp/github/api/echo/head', {
        token: as('github'),
        method: 'HEAD',
      });
      expect(answer.status).toBe(200);
      expect(stack.emulator.requests('github.echo').at(-1)!.method).toBe('HEAD');
    });

    it('should pass IdP errors through with their status and body', async () => {
      const answer = await stack.call('/v1/idp/github/api/status/422', {
        token: as('github'),
        method: 'POST',
      });
      expect(answer.status).toBe(422);
      expect(answer.headers.get('content-type')).not.toMatch(/problem/);
    });

    it('should add appsecret_proof for Facebook and strip a caller-sent one', async () => {
      const answer = await stack.call('/v1/idp/facebook/api/echo/me?appsecret_proof=forged&fields=id', {
        token: as('facebook'),
      });
      expect(answer.status).toBe(200);
      const seen = stack.emulator.requests('facebook.echo').at(-1)!;
      const params = new URLSearchParams(seen.query);
      expect(params.getAll('appsecret_proof')).toHaveLength(1);
      expect(params.get('appsecret_proof')).not.toBe('forged');
      expect(params.get('fields')).toBe('id');
      const me = await stack.call('/v1/idp/facebook/api/me?fields=id,name', { token: as('facebook') });
      expect(me.status).toBe(200);
    });
  });

  describe('answers', () => {
    it("should rewrite GitHub's Link to this service and follow it to page 2", async () => {
      const first = await stack.call('/v1/idp/github/api/user/repos?per_page=2', { token: as('github') });
      expect(first.status).toBe(200);
      expect(first.json).toHaveLength(2);
      const link = first.headers.get('link')!;
      expect(link).toContain(`<${stack.url}/v1/idp/github/api/user/repos?page=2&per_page=2>; rel="next"`);
      expect(link).not.toContain(stack.emulator.urls.github);
      const next = /<([^>]+)>; rel="next"/.exec(link)![1];
      const second = await stack.call(next.slice(stack.url.length), { token: as('github') });
      expect(second.status).toBe(200);
      expect(second.json[0].name).not.toBe(first.json[0].name);
      expect(first.headers.get('etag')).toBeTruthy();
      expect(first.headers.get('x-ratelimit-remaining')).toBeTruthy();
    });

    it('should rewrite links into the service-caller route form', async () => {
      const service = stack.emulator.mintServiceToken({ permissions: ['proxy:users'] });
      const user = encodeURIComponent(stack.emulator.seed.github);
      const answer = await stack.call(`/v1/users/${user}/idp/github/api/user/repos?per_page=2`, {
        token: service,
      });
      expect(answer.headers.get('link')).toContain(
        `<${stack.url}/v1/users/${user}/idp/github/api/user/repos?page=2&per_page=2>`,
      );
    });

    it('should drop link URLs outside the provider API root', async () => {
      const answer = await stack.call('/v1/idp/github/api/user/starred', { token: as('github') });
      expect(answer.headers.get('link') ?? '').not.toContain('evil.example');
    });

    it("should mark the IdP's cacheable answers and the service's own as varying by Authorization", async () => {
      stack.emulator.setIdpResponseHeaders('github', { vary: 'Accept' });
      try {
        const answer = await stack.call('/v1/idp/github/api/user', { token: as('github') });
        expect(answer.status).toBe(200);
        // GitHub's `private, max-age=60` reaches the browser: its cache must not serve it to another user.
        expect(answer.headers.get('cache-control')).toBe('private, max-age=60, s-maxage=60');
        expect(answer.headers.get('vary')).toBe('Authorization');
      } finally {
        stack.emulator.setIdpResponseHeaders('github', {});
      }
      const profile = await stack.call('/v1/idp/github/profile', { token: as('github') });
      expect(profile.headers.get('vary')).toBe('Authorization');
      const identities = await stack.call('/v1/identities', { token: as('github') });
      expect(identities.headers.get('vary')).toBe('Authorization');
    });

    it('should never pass Set-Cookie or the IdP WWW-Authenticate back', async () => {
      stack.emulator.setIdpResponseHeaders('github', {
        'set-cookie': 'idp_session=1; Path=/',
        'www-authenticate': 'Bearer realm="github"',
      });
      try {
        const answer = await stack.call('/v1/idp/github/api/user', { token: as('github') });
        expect(answer.status).toBe(200);
        expect(answer.headers.get('set-cookie')).toBeNull();
        expect(answer.headers.get('www-authenticate')).toBeNull();
      } finally {
        stack.emulator.setIdpResponseHeaders('github', {});
      }
    });

    it('should replace the IdP token in bodies, also split across chunks, and decompress', async () => {
      const token = stack.emulator.idpToken(stack.emulator.seed.facebook, 'facebook')!;
      const friends = await stack.call('/v1/idp/facebook/api/me/friends?limit=3', { token: as('facebook') });
      expect(friends.status).toBe(200);
      expect(friends.text).not.toContain(token);
      // Graph's paging URL carries the token: it comes back as this service's URL, without it
      expect(friends.json.paging.next).toMatch(
        new RegExp(`^${stack.url}/v1/idp/facebook/api/v19\\.0/me/friends\\?`),
      );
      expect(friends.json.paging.next).not.toContain('access_token');
      const leak = await stack.call('/v1/idp/facebook/api/leak', { token: as('facebook') });
      expect(leak.text).not.toContain(token);
      expect(leak.text).toContain('REDACTED');
      // Longer than the proxy reads whole (64 KiB): streamed on, the token split across chunks.
      const long = await stack.call('/v1/idp/facebook/api/leak?pad=100000', { token: as('facebook') });
      expect(long.status).toBe(200);
      expect(long.text).not.toContain(token);
      expect(long.json.padding).toHaveLength(100_000);
      expect(long.json.list).toEqual(['prefix-REDACTED-suffix', 'REDACTED']);
      const gzip = await stack.call('/v1/idp/facebook/api/gzip', { token: as('facebook') });
      expect(gzip.headers.get('content-encoding')).toBeNull();
      expect(gzip.json).toEqual({ hello: 'world', token: 'REDACTED' });
    });

    it('should answer 413 to a 2 MiB body without calling the IdP', async () => {
      const before = stack.emulator.count('github.echo');
      const answer = await stack.call('/v1/idp/github/api/echo/big', {
        token: as('github'),
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(2 * 1024 * 1024, 1),
      });
      expect([answer.status, answer.json.code]).toEqual([413, 'payload_too_large']);
      expect(stack.emulator.count('github.echo')).toBe(before);
    });

    it('should accept a body of exactly 1 MiB', async () => {
      const answer = await stack.call('/v1/idp/github/api/echo/exact', {
        token: as('github'),
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(1024 * 1024, 1),
      });
      expect(answer.status).toBe(200);
      expect(stack.emulator.requests('github.echo').at(-1)!.body.length).toBe(1024 * 1024);
    });

    it('should stream a 5 MiB IdP answer whole', async () => {
      const answer = await stack.call('/v1/idp/github/api/bytes?n=5242880', { token: as('github') });
      expect(answer.status).toBe(200);
      expect(Buffer.byteLength(answer.text)).toBe(5 * 1024 * 1024);
    });
  });

  describe('paths', () => {
    const rejected = [
      '../x',
      'a/%2e%2e/b',
      'a%2Fb',
      'a%252Fb',
      '//evil.example/x',
      'a\\b',
      'a%5Cb',
      'user@evil.example/x',
      'http://evil.example/',
      'http:%2F%2Fevil.example/',
      'a%00b',
      'a%0d%0ab',
      './user',
      'user/./repos',
      'user//repos',
    ];

    it.each(rejected)('should answer 400 invalid_path for %s and call nobody', async (path) => {
      const before = ['github.echo', 'github.other', 'github.user', 'github.repos', 'users'].map((e) =>
        stack.emulator.count(e as never),
      );
      const answer = await rawCall(`/v1/idp/github/api/${path}`, as('github'));
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).code).toBe('invalid_path');
      const after = ['github.echo', 'github.other', 'github.user', 'github.repos', 'users'].map((e) =>
        stack.emulator.count(e as never),
      );
      expect(after).toEqual(before);
    });

    it('should send an accepted path with its raw bytes unchanged', async () => {
      const answer = await rawCall('/v1/idp/github/api/echo/a%20b/file%40x.txt', as('github'));
      expect(answer.status).toBe(200);
      expect(stack.emulator.requests('github.echo').at(-1)!.path).toBe('/echo/a%20b/file%40x.txt');
    });
  });
});
