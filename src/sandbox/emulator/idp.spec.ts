import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { startEmulator } from './emulator';
import type { EmulatorWithExtras } from './emulator.types';

let emu: EmulatorWithExtras;

beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.resetCounters();
  emu.clearFaults();
});

const bearer = (token: string | undefined): RequestInit => ({
  headers: { authorization: `Bearer ${token}` },
});

/** Raw GET with node:http: body chunks as they arrived, undecoded. */
function rawGet(url: string, token: string): Promise<{ headers: Record<string, unknown>; chunks: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, chunks }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Google', () => {
  it('serves userinfo for a stored token', async () => {
    const token = emu.idpToken(emu.seed.google, 'google');
    expect(token).toMatch(/^ya29\.emu-[0-9a-f]+$/);
    const res = await fetch(`${emu.urls.google}/oauth2/v3/userinfo`, bearer(token));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      sub: '1001',
      name: 'Grace Google',
      given_name: 'Grace',
      family_name: 'Google',
      email_verified: true,
    });
    expect(emu.count('google.userinfo')).toBe(1);
  });

  it('answers 401 with www-authenticate for unknown, expired and rotated tokens', async () => {
    const res = await fetch(`${emu.urls.google}/oauth2/v3/userinfo`, bearer('ya29.nope'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'Invalid Credentials' });

    const user = emu.addUser({ providers: ['google'] });
    const first = emu.idpToken(user.user_id, 'google');
    emu.expireIdpToken(user.user_id, 'google');
    expect(emu.idpToken(user.user_id, 'google')).toBe(first);
    expect((await fetch(`${emu.urls.google}/oauth2/v3/userinfo`, bearer(first))).status).toBe(401);
    const second = emu.rotateIdpToken(user.user_id, 'google');
    expect(second).not.toBe(first);
    expect(emu.idpToken(user.user_id, 'google')).toBe(second);
    expect((await fetch(`${emu.urls.google}/oauth2/v3/userinfo`, bearer(second))).status).toBe(200);
    expect(emu.secrets()).toEqual(expect.arrayContaining([first, second]));
  });

  it('refreshes with a stored refresh token and the Google client', async () => {
    const user = emu.addUser({ providers: ['google'], name: 'Rita Refresh' });
    const refresh = user.identities[0].refresh_token!;
    emu.expireIdpToken(user.user_id, 'google');
    const refreshWith = (secret: string, refreshToken: string) =>
      fetch(emu.urls.googleToken, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: emu.googleClient.clientId,
          client_secret: secret,
          refresh_token: refreshToken,
        }).toString(),
      });
    expect((await refreshWith('wrong', refresh)).status).toBe(401);
    const unknown = await refreshWith(emu.googleClient.clientSecret, '1//emu-unknown');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toBe('invalid_grant');
    const ok = await refreshWith(emu.googleClient.clientSecret, refresh);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { access_token: string; expires_in: number };
    expect(body.expires_in).toBe(3599);
    const me = await fetch(`${emu.urls.google}/oauth2/v3/userinfo`, bearer(body.access_token));
    expect(((await me.json()) as { name: string }).name).toBe('Rita Refresh');
    expect(emu.count('google.token')).toBe(3);
    emu.revokeRefreshToken(user.user_id);
    expect((await refreshWith(emu.googleClient.clientSecret, refresh)).status).toBe(400);
  });
});

describe('GitHub', () => {
  const token = () => emu.idpToken(emu.seed.github, 'github')!;

  it('serves /user with Bearer and token schemes', async () => {
    expect(token()).toMatch(/^gho_emu/);
    for (const scheme of ['Bearer', 'token']) {
      const res = await fetch(`${emu.urls.github}/user`, {
        headers: { authorization: `${scheme} ${token()}` },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        login: 'gus-github',
        id: 2002,
        name: 'Gus GitHub',
        type: 'User',
      });
    }
    expect(emu.count('github.user')).toBe(2);
    const bad = await fetch(`${emu.urls.github}/user`, bearer('gho_nope'));
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
    });
  });

  it('refuses a user whose identity holds no token', () => {
    expect(emu.idpToken(emu.seed.noToken, 'github')).toBeUndefined();
  });

  it('paginates repos with absolute link URLs, etag and rate-limit headers', async () => {
    const res = await fetch(`${emu.urls.github}/user/repos?page=2&per_page=2`, bearer(token()));
    expect(res.status).toBe(200);
    const repos = (await res.json()) as Array<{ name: string }>;
    expect(repos.map((r) => r.name)).toEqual(['gus-github-project-3', 'gus-github-project-4']);
    const root = emu.urls.github;
    expect(res.headers.get('link')).toBe(
      `<${root}/user/repos?page=1&per_page=2>; rel="prev", <${root}/user/repos?page=3&per_page=2>; rel="next", ` +
        `<${root}/user/repos?page=3&per_page=2>; rel="last", <${root}/user/repos?page=1&per_page=2>; rel="first"`,
    );
    for (const h of [
      'etag',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'x-github-request-id',
    ]) {
      expect(res.headers.get(h)).toBeTruthy();
    }
    const notModified = await fetch(`${root}/user/repos?page=2&per_page=2`, {
      headers: { authorization: `Bearer ${token()}`, 'if-none-match': res.headers.get('etag')! },
    });
    expect(notModified.status).toBe(304);
    const all = (await (await fetch(`${root}/user/repos`, bearer(token()))).json()) as unknown[];
    expect(all).toHaveLength(5);
    expect(emu.count('github.repos')).toBe(3);
  });

  it('puts a foreign URL in the starred link header', async () => {
    const res = await fetch(`${emu.urls.github}/user/starred`, bearer(token()));
    expect(res.headers.get('link')).toContain('<https://evil.example/x>; rel="next"');
    expect(emu.count('github.other')).toBe(1);
  });
});

describe('Facebook', () => {
  const token = () => emu.idpToken(emu.seed.facebook, 'facebook')!;

  it('serves /me with fields and checks appsecret_proof', async () => {
    expect(token()).toMatch(/^EAAemu/);
    const proof = createHmac('sha256', emu.facebookAppSecret).update(token()).digest('hex');
    const res = await fetch(
      `${emu.urls.facebook}/me?fields=id,name,email,picture&appsecret_proof=${proof}`,
      bearer(token()),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ id: '3003', name: 'Fiona Facebook', email: 'fiona-facebook@example.com' });
    expect(body.picture).toMatchObject({ data: { is_silhouette: false, height: 50, width: 50 } });
    const wrong = await fetch(`${emu.urls.facebook}/me?appsecret_proof=abc`, bearer(token()));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: { code: number } }).error.code).toBe(100);
    const bad = await fetch(`${emu.urls.facebook}/me`, bearer('EAAnope'));
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(190);
    expect(emu.count('facebook.me')).toBe(3);
  });

  it('pages /me/friends as Graph does, with the token and a version in paging URLs', async () => {
    type Page = { data: Array<{ id: string }>; paging: { next?: string; previous?: string } };
    const first = (await (
      await fetch(`${emu.urls.facebook}/me/friends?limit=3`, bearer(token()))
    ).json()) as Page;
    expect(first.data.map((f) => f.id)).toEqual(['3901', '3902', '3903']);
    expect(first.paging.previous).toBeUndefined();
    expect(first.paging.next).toMatch(
      new RegExp(
        `^${emu.urls.facebook}/v19\\.0/me/friends\\?access_token=${token()}&pretty=0&limit=3&after=`,
      ),
    );
    const ids = first.data.map((f) => f.id);
    let page = first;
    while (page.paging.next !== undefined) {
      page = (await (await fetch(page.paging.next)).json()) as Page;
      ids.push(...page.data.map((f) => f.id));
    }
    expect(ids).toEqual(['3901', '3902', '3903', '3904', '3905', '3906', '3907']);
    expect(page.paging.previous).toContain('before=');
    const back = (await (await fetch(page.paging.previous!)).json()) as Page;
    expect(back.data.map((f) => f.id)).toEqual(['3904', '3905', '3906']);
  });
});

describe('Google People API host', () => {
  const token = () => emu.idpToken(emu.seed.google, 'google')!;

  it('answers people/me with the person fields asked for, and 400 without personFields', async () => {
    const person = await fetch(
      `${emu.urls.googlePeople}/v1/people/me?personFields=names,emailAddresses`,
      bearer(token()),
    );
    expect(person.status).toBe(200);
    const body = (await person.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['emailAddresses', 'etag', 'names', 'resourceName']);
    const missing = await fetch(`${emu.urls.googlePeople}/v1/people/me`, bearer(token()));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: {
        code: 400,
        message: expect.stringContaining('personFields mask is required'),
        status: 'INVALID_ARGUMENT',
      },
    });
    expect(
      (await fetch(`${emu.urls.googlePeople}/v1/people/me?personFields=names`, bearer('nope'))).status,
    ).toBe(401);
    expect(emu.count('google.people')).toBe(3);
  });
});

describe('GitHub GraphQL', () => {
  it('answers a viewer query with the fields it names', async () => {
    const token = emu.idpToken(emu.seed.github, 'github')!;
    const answer = await fetch(`${emu.urls.github}/graphql`, {
      method: 'POST',
      headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { login name } }' }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      data: { viewer: { login: expect.any(String), name: 'Gus GitHub' } },
    });
  });
});

describe('shared IdP endpoints', () => {
  const token = () => emu.idpToken(emu.seed.linked, 'github')!;

  it('echoes method, raw path, query, headers and body', async () => {
    const res = await fetch(`${emu.urls.github}/echo/a%2Fb/c?x=1&y=%20`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token()}`, 'content-type': 'text/plain', 'x-custom': 'v' },
      body: 'héllo',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { headers: Record<string, string> };
    expect(body).toMatchObject({
      method: 'PATCH',
      path: '/echo/a%2Fb/c',
      query: 'x=1&y=%20',
      body: 'héllo',
      bodyBytes: 6,
    });
    expect(body.headers['x-custom']).toBe('v');
    expect(emu.count('github.echo')).toBe(1);
    const recorded = emu.requests('github.echo')[0];
    expect(recorded.body.toString()).toBe('héllo');
    const head = await fetch(`${emu.urls.github}/echo/x`, { method: 'HEAD', ...bearer(token()) });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${emu.urls.github}/echo/x`, bearer('nope'))).status).toBe(401);
  });

  it('serves bytes, gzip, status codes and 404', async () => {
    const bytes = await fetch(
      `${emu.urls.google}/bytes?n=5242880`,
      bearer(emu.idpToken(emu.seed.google, 'google')),
    );
    expect(bytes.headers.get('content-length')).toBe('5242880');
    expect((await bytes.arrayBuffer()).byteLength).toBe(5242880);

    const raw = await rawGet(`${emu.urls.github}/gzip`, token());
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(Buffer.concat(raw.chunks)).toString())).toEqual({
      hello: 'world',
      token: token(),
    });

    const created = await fetch(`${emu.urls.github}/status/201`, { method: 'POST', ...bearer(token()) });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ status: 201 });
    expect(
      (await fetch(`${emu.urls.github}/status/204`, { method: 'DELETE', ...bearer(token()) })).status,
    ).toBe(204);
    expect((await fetch(`${emu.urls.github}/nowhere`, bearer(token()))).status).toBe(404);
    expect(emu.count('github.other')).toBe(4);
  });

  it('writes /leak in chunks that split the token', async () => {
    const { chunks } = await rawGet(`${emu.urls.github}/leak`, token());
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(chunks[0].toString()).not.toContain(token());
    expect(chunks[0].toString()).toContain(token().slice(0, 10));
    const text = Buffer.concat(chunks).toString();
    expect(text.split(token()).length - 1).toBeGreaterThanOrEqual(3);
    expect(() => JSON.parse(text) as unknown).not.toThrow();
  });

  it('adds configured headers to every answer of one IdP', async () => {
    emu.setIdpResponseHeaders('github', {
      'set-cookie': 'session=emu',
      'www-authenticate': 'Basic realm="x"',
    });
    try {
      const res = await fetch(`${emu.urls.github}/user`, bearer(token()));
      expect(res.headers.get('set-cookie')).toBe('session=emu');
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="x"');
      const google = await fetch(
        `${emu.urls.google}/oauth2/v3/userinfo`,
        bearer(emu.idpToken(emu.seed.google, 'google')),
      );
      expect(google.headers.get('set-cookie')).toBeNull();
    } finally {
      emu.setIdpResponseHeaders('github', {});
    }
    expect((await fetch(`${emu.urls.github}/user`, bearer(token()))).headers.get('set-cookie')).toBeNull();
  });

  it('creates users with fresh tokens at each IdP', async () => {
    const ids = emu.addUsers(3, { providers: ['github', 'facebook'], withoutToken: ['facebook'] });
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) {
      expect(id).toMatch(/^github\|\d+$/);
      const user = emu.user(id)!;
      expect(user.identities.map((i) => i.provider)).toEqual(['github', 'facebook']);
      expect(user.identities[1].access_token).toBeUndefined();
      const res = await fetch(`${emu.urls.github}/user`, bearer(emu.idpToken(id, 'github')));
      expect(res.status).toBe(200);
    }
  });
});
