/** The emulated Google, GitHub and Facebook APIs. */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { RequestListener, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Ctx } from './context';
import type { EndpointName, ProviderName } from './emulator.types';
import type { FaultBody } from './faults';
import { authToken, createListener, formParams, later, parseQuery, sendJson } from './http';
import type { Call, Route } from './http';
import type { IdpTokenInfo } from './state';

const GITHUB_DOCS = 'https://docs.github.com/rest';
const GOOGLE_SCOPE_URL = 'https://www.googleapis.com/auth/';
const GOOGLE_SCOPE =
  'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile';
/** lifetime of tokens the Google token endpoint issues */
export const GOOGLE_REFRESHED_TTL_S = 3599;
const REPOS_PER_ACCOUNT = 5;
const MAX_BYTES = 100 * 1024 * 1024;

/** An authenticated IdP call: the token used and whose it is. */
interface Authed extends Call {
  token: string;
  owner: IdpTokenInfo;
}

type AuthedHandler = (call: Authed) => void | Promise<void>;

/** A provider-specific endpoint: behind the bearer check, or open (Google's token endpoint). */
type Specific =
  { endpoint: EndpointName; authed: AuthedHandler } | { endpoint: EndpointName; open: Route['handle'] };

interface ProviderBehaviour {
  schemes: string[];
  /** the token may also come as the `access_token` query parameter (Graph's paging URLs carry it so) */
  queryToken?: boolean;
  unauthorized: (res: ServerResponse) => void;
  notFound: (res: ServerResponse, path: string) => void;
  faultBody: FaultBody;
  /** provider-specific routes on the routing path; undefined: the shared ones */
  route: (call: Call, path: string) => Specific | undefined;
}

function authed(endpoint: EndpointName, handle: AuthedHandler): Specific {
  return { endpoint, authed: handle };
}

function createIdpListener(ctx: Ctx, provider: ProviderName, behaviour: ProviderBehaviour): RequestListener {
  const other = `${provider}.other` as EndpointName;
  const echoName = `${provider}.echo` as EndpointName;
  const root = (): string => ctx.urls[provider];

  const withAuth =
    (handle: AuthedHandler) =>
    (call: Call): void | Promise<void> => {
      const token =
        authToken(call.req, behaviour.schemes) ??
        (behaviour.queryToken === true ? parseQuery(call.query).access_token : undefined);
      const owner = ctx.world.checkIdpToken(provider, token);
      if (!owner || token === undefined) {
        behaviour.unauthorized(call.res);
        return;
      }
      return handle({ ...call, token, owner });
    };

  const shared = (path: string): { endpoint: EndpointName; handle: AuthedHandler } => {
    if (path === '/echo' || path.startsWith('/echo/')) return { endpoint: echoName, handle: echo };
    if (path === '/bytes') return { endpoint: other, handle: bytes };
    if (path === '/gzip') return { endpoint: other, handle: gzip };
    if (path === '/leak') return { endpoint: other, handle: (call) => leak(ctx, call, root()) };
    const status = /^\/status\/(\d{3})$/.exec(path);
    if (status) return { endpoint: other, handle: (call) => statusAnswer(call, Number(status[1])) };
    return { endpoint: other, handle: ({ res }) => behaviour.notFound(res, path) };
  };

  const route = (call: Call): Route => {
    // Graph API paths may carry a version: /v19.0/me
    const path = provider === 'facebook' ? call.path.replace(/^\/v\d+(\.\d+)?(?=\/)/, '') : call.path;
    const specific = behaviour.route(call, path);
    if (specific) {
      if ('authed' in specific) return { endpoint: specific.endpoint, handle: withAuth(specific.authed) };
      return { endpoint: specific.endpoint, handle: specific.open };
    }
    const found = shared(path);
    return { endpoint: found.endpoint, handle: withAuth(found.handle) };
  };

  return createListener(ctx.kit, route, {
    faultBody: behaviour.faultBody,
    decorate: (_req, res) => {
      const extra = ctx.idpHeaders[provider];
      for (const name in extra) res.setHeader(name, extra[name]);
    },
  });
}

/** Whether the token carries one of `names`; a token without known scopes carries everything. */
function hasScope(owner: IdpTokenInfo, ...names: string[]): boolean {
  return owner.scopes === undefined || names.some((name) => owner.scopes?.includes(name));
}

// ---- shared endpoints ------------------------------------------------------------------------

const echo: AuthedHandler = ({ res, method, path, query, req, body }) => {
  sendJson(res, 200, {
    method,
    path,
    query,
    headers: req.headers,
    body: body.toString('utf8'),
    bodyBytes: body.length,
  });
};

const bytes: AuthedHandler = ({ res, query }) => {
  const n = Number(parseQuery(query).n ?? '0');
  if (!Number.isInteger(n) || n < 0 || n > MAX_BYTES) {
    sendJson(res, 400, { error: 'bad_request', message: `n must be an integer 0..${MAX_BYTES}` });
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(n) });
  res.end(Buffer.alloc(n, 0x78));
};

const gzip: AuthedHandler = ({ res, token }) => {
  const zipped = gzipSync(Buffer.from(JSON.stringify({ hello: 'world', token })));
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-encoding': 'gzip',
    'content-length': String(zipped.length),
    vary: 'Accept-Encoding',
  });
  res.end(zipped);
};

/**
 * A JSON body carrying the token several times, written without a length in chunks that split the
 * token; `?pad=N` puts N bytes before the first token (a long answer, streamed by the proxy).
 */
function leak(ctx: Ctx, { res, token, query }: Authed, root: string): void {
  const pad = Math.min(Math.max(Number(parseQuery(query).pad ?? '0') || 0, 0), MAX_BYTES);
  const text = JSON.stringify({
    note: 'this upstream answer leaks the bearer token it received',
    padding: 'x'.repeat(pad),
    token,
    nested: { authorization: `Bearer ${token}` },
    next: `${root}/leak?access_token=${token}&after=abc`,
    list: [`prefix-${token}-suffix`, token],
  });
  const first = text.indexOf(token);
  const cut1 = first + Math.max(1, Math.floor(token.length / 2));
  const second = text.indexOf(token, cut1);
  const cut2 = second < 0 ? cut1 : second + Math.min(3, token.length - 1);
  const chunks = [text.slice(0, cut1), text.slice(cut1, cut2), text.slice(cut2)].filter((c) => c !== '');
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  const writeNext = (i: number): void => {
    if (res.destroyed) return;
    if (i === chunks.length - 1) {
      res.end(chunks[i]);
      return;
    }
    res.write(chunks[i]);
    later(ctx.kit, 20, () => writeNext(i + 1));
  };
  writeNext(0);
}

function statusAnswer({ res, method }: Authed, status: number): void {
  if (status < 200 || status > 599) {
    sendJson(res, 400, { error: 'bad_request', message: 'status must be 200..599' });
    return;
  }
  const headers: Record<string, string> = {};
  if (status === 429 || status === 503) headers['retry-after'] = '1';
  if (status === 204 || status === 304) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  sendJson(res, status, { status, message: STATUS_CODES[status] ?? 'Unknown', method }, headers);
}

// ---- Google ----------------------------------------------------------------------------------

export function createGoogleListener(ctx: Ctx): RequestListener {
  const unauthorized = (res: ServerResponse): void =>
    sendJson(
      res,
      401,
      { error: 'invalid_request', error_description: 'Invalid Credentials' },
      { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
    );

  /** Claims as the token's scopes allow: name and picture with profile, email with email. */
  const userinfo: AuthedHandler = ({ res, owner }) => {
    const account = ctx.world.account(owner.userId, 'google');
    const granted = (short: string): boolean =>
      hasScope(owner, short, `${GOOGLE_SCOPE_URL}userinfo.${short}`);
    const profile = granted('profile');
    const email = granted('email');
    if (!profile && !email && !hasScope(owner, 'openid')) {
      sendJson(
        res,
        403,
        {
          error: {
            code: 403,
            message: 'Request had insufficient authentication scopes.',
            status: 'PERMISSION_DENIED',
          },
        },
        {
          'www-authenticate': `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="${GOOGLE_SCOPE}"`,
        },
      );
      return;
    }
    sendJson(res, 200, {
      sub: account.id,
      ...(profile
        ? {
            name: account.name,
            given_name: account.givenName,
            family_name: account.familyName,
            picture: `https://lh3.googleusercontent.com/a/emu-${account.id}=s96-c`,
          }
        : {}),
      ...(email ? { email: account.email, email_verified: true } : {}),
    });
  };

  const token = ({ req, res, body }: Call): void => {
    const params = formParams(req, body);
    const client = ctx.googleClient;
    const secretOk =
      params.client_secret !== undefined &&
      Buffer.byteLength(params.client_secret) === Buffer.byteLength(client.clientSecret) &&
      timingSafeEqual(Buffer.from(params.client_secret), Buffer.from(client.clientSecret));
    if (params.client_id !== client.clientId || !secretOk) {
      sendJson(res, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
      return;
    }
    if (params.grant_type !== 'refresh_token') {
      sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
      return;
    }
    const userId =
      params.refresh_token === undefined ? undefined : ctx.world.refreshTokenOwner(params.refresh_token);
    if (userId === undefined) {
      sendJson(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      return;
    }
    const accessToken = ctx.world.issueIdpToken(userId, 'google', 'refresh', GOOGLE_REFRESHED_TTL_S);
    sendJson(
      res,
      200,
      {
        access_token: accessToken,
        expires_in: GOOGLE_REFRESHED_TTL_S,
        scope: GOOGLE_SCOPE,
        token_type: 'Bearer',
      },
      { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate' },
    );
  };

  return createIdpListener(ctx, 'google', {
    schemes: ['bearer'],
    unauthorized,
    notFound: (res) =>
      sendJson(res, 404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } }),
    faultBody: (status) =>
      status === 401
        ? { error: 'invalid_request', error_description: 'Invalid Credentials' }
        : { error: { code: status, message: STATUS_CODES[status] ?? 'Error', status: 'INJECTED' } },
    route: (call, path) => {
      if (path === '/oauth2/v3/userinfo' && (call.method === 'GET' || call.method === 'HEAD')) {
        return authed('google.userinfo', userinfo);
      }
      if (path === '/token' && call.method === 'POST') return { endpoint: 'google.token', open: token };
      return undefined;
    },
  });
}

/** Person fields the emulated People API knows (`personFields`). */
const PEOPLE_FIELDS = new Set(['names', 'emailAddresses', 'photos', 'metadata', 'locales']);
const PEOPLE_DOCS = 'https://developers.google.com/people/api/rest/v1/people/get';

/**
 * Google's People API, a second Google host (`people.googleapis.com`): `GET /v1/people/me` with
 * `personFields`, answering as Google does (400 INVALID_ARGUMENT without it or with an unknown field).
 */
export function createGooglePeopleListener(ctx: Ctx): RequestListener {
  const invalid = (res: ServerResponse, message: string): void =>
    sendJson(res, 400, { error: { code: 400, message, status: 'INVALID_ARGUMENT' } });

  const me: AuthedHandler = ({ res, owner, query }) => {
    const mask = parseQuery(query).personFields;
    if (mask === undefined || mask.trim() === '') {
      invalid(
        res,
        `personFields mask is required. Please specify one or more valid paths. Valid paths are documented at ${PEOPLE_DOCS}.`,
      );
      return;
    }
    const fields = mask.split(',').map((f) => f.trim());
    const unknown = fields.find((f) => !PEOPLE_FIELDS.has(f));
    if (unknown !== undefined) {
      invalid(
        res,
        `Invalid personFields mask path: "${unknown}". Valid paths are documented at ${PEOPLE_DOCS}.`,
      );
      return;
    }
    const a = ctx.world.account(owner.userId, 'google');
    const source = { type: 'PROFILE', id: a.id };
    const all: Record<string, unknown> = {
      names: [
        {
          metadata: { primary: true, source },
          displayName: a.name,
          familyName: a.familyName,
          givenName: a.givenName,
          displayNameLastFirst: `${a.familyName}, ${a.givenName}`,
          unstructuredName: a.name,
        },
      ],
      emailAddresses: [{ metadata: { primary: true, verified: true, source }, value: a.email }],
      photos: [
        { metadata: { primary: true, source }, url: `https://lh3.googleusercontent.com/a/emu-${a.id}=s100` },
      ],
      metadata: { sources: [{ ...source, etag: `#emu${a.id}` }], objectType: 'PERSON' },
      locales: [{ metadata: { primary: true, source }, value: 'en' }],
    };
    const person: Record<string, unknown> = { resourceName: `people/${a.id}`, etag: `%Emu${a.id}` };
    for (const f of fields) person[f] = all[f];
    sendJson(res, 200, person);
  };

  return createIdpListener(ctx, 'google', {
    schemes: ['bearer'],
    unauthorized: (res) =>
      sendJson(
        res,
        401,
        {
          error: {
            code: 401,
            message:
              'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
            status: 'UNAUTHENTICATED',
          },
        },
        { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      ),
    notFound: (res) =>
      sendJson(res, 404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } }),
    faultBody: (status) => ({
      error: { code: status, message: STATUS_CODES[status] ?? 'Error', status: 'INJECTED' },
    }),
    route: (call, path) =>
      path === '/v1/people/me' && (call.method === 'GET' || call.method === 'HEAD')
        ? authed('google.people', me)
        : undefined,
  });
}

// ---- GitHub ----------------------------------------------------------------------------------

export function createGithubListener(ctx: Ctx): RequestListener {
  let requestSeq = 0;
  const requestId = (): string =>
    `EMU0:${(++requestSeq).toString(16).toUpperCase()}:${process.pid.toString(16)}`;
  const rateHeaders = (): Record<string, string> => ({
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-used': '1',
    'x-ratelimit-resource': 'core',
    'x-github-request-id': requestId(),
    'x-github-media-type': 'github.v3; format=json',
  });

  const profile = (owner: IdpTokenInfo): Record<string, unknown> => {
    const a = ctx.world.account(owner.userId, 'github');
    const id = Number(a.id);
    return {
      login: a.login,
      id,
      node_id: Buffer.from(`04:User${id}`).toString('base64'),
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url: `${ctx.urls.github}/users/${a.login}`,
      html_url: `https://github.com/${a.login}`,
      repos_url: `${ctx.urls.github}/users/${a.login}/repos`,
      type: 'User',
      site_admin: false,
      name: a.name,
      company: null,
      blog: '',
      location: null,
      email: a.email,
      hireable: null,
      bio: null,
      twitter_username: null,
      public_repos: REPOS_PER_ACCOUNT,
      public_gists: 0,
      followers: 3,
      following: 1,
      created_at: '2019-03-01T12:00:00Z',
      updated_at: '2024-05-01T12:00:00Z',
    };
  };

  // the bench's hot path: serialise each profile once (accounts never change)
  const profileText = new Map<string, string>();
  const user: AuthedHandler = ({ res, owner }) => {
    // Emulator rule (stricter than GitHub, which answers public fields): a token with known scopes
    // needs `read:user` or `user` for /user.
    if (!hasScope(owner, 'read:user', 'user')) {
      sendJson(
        res,
        403,
        { message: 'Resource not accessible by integration', documentation_url: GITHUB_DOCS },
        {
          ...rateHeaders(),
          'x-oauth-scopes': (owner.scopes ?? []).join(', '),
          'x-accepted-oauth-scopes': 'read:user, user',
        },
      );
      return;
    }
    let text = profileText.get(owner.userId);
    if (text === undefined) {
      text = JSON.stringify(profile(owner));
      profileText.set(owner.userId, text);
    }
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      'cache-control': 'private, max-age=60, s-maxage=60',
    });
    res.end(text);
  };

  const repoList = (owner: IdpTokenInfo): Array<Record<string, unknown>> => {
    const a = ctx.world.account(owner.userId, 'github');
    const ownerId = Number(a.id);
    return Array.from({ length: REPOS_PER_ACCOUNT }, (_, index) => {
      const n = index + 1;
      const name = `${a.login}-project-${n}`;
      const id = ownerId * 10 + n;
      return {
        id,
        node_id: Buffer.from(`010:Repository${id}`).toString('base64'),
        name,
        full_name: `${a.login}/${name}`,
        private: n === REPOS_PER_ACCOUNT,
        owner: { login: a.login, id: ownerId, type: 'User', site_admin: false },
        html_url: `https://github.com/${a.login}/${name}`,
        description: `Emulated repository ${n} of ${a.name}`,
        fork: false,
        url: `${ctx.urls.github}/repos/${a.login}/${name}`,
        created_at: `2020-0${n}-01T12:00:00Z`,
        updated_at: `2024-0${n}-01T12:00:00Z`,
        pushed_at: `2024-0${n}-02T12:00:00Z`,
        stargazers_count: n * 3,
        watchers_count: n * 3,
        language: ['TypeScript', 'Go', 'Rust', 'Python', 'Shell'][index],
        forks_count: n - 1,
        open_issues_count: n % 2,
        default_branch: 'main',
        visibility: n === REPOS_PER_ACCOUNT ? 'private' : 'public',
      };
    });
  };

  /** Answers a JSON list with GitHub's caching and rate-limit headers, honouring If-None-Match. */
  const sendList = (call: Authed, list: unknown, link: string | undefined): void => {
    const text = JSON.stringify(list);
    const etag = `W/"${createHash('sha1').update(text).digest('hex')}"`;
    const headers: Record<string, string> = {
      ...rateHeaders(),
      etag,
      'cache-control': 'private, max-age=60, s-maxage=60',
      vary: 'Accept, Authorization, Cookie, X-GitHub-OTP',
    };
    if (link !== undefined) headers.link = link;
    if (call.req.headers['if-none-match'] === etag) {
      call.res.writeHead(304, headers);
      call.res.end();
      return;
    }
    headers['content-type'] = 'application/json; charset=utf-8';
    headers['content-length'] = String(Buffer.byteLength(text));
    call.res.writeHead(200, headers);
    call.res.end(text);
  };

  const repos: AuthedHandler = (call) => {
    const q = parseQuery(call.query);
    const page = Math.max(1, Number.parseInt(q.page ?? '1', 10) || 1);
    const perPage = Math.min(100, Math.max(1, Number.parseInt(q.per_page ?? '30', 10) || 30));
    const all = repoList(call.owner);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const at = (p: number): string => `${ctx.urls.github}/user/repos?page=${p}&per_page=${perPage}`;
    const links: string[] = [];
    if (page > 1) links.push(`<${at(Math.min(page - 1, last))}>; rel="prev"`);
    if (page < last) links.push(`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
    if (page > 1) links.push(`<${at(1)}>; rel="first"`);
    const slice = all.slice((page - 1) * perPage, page * perPage);
    sendList(call, slice, links.length > 0 ? links.join(', ') : undefined);
  };

  /** Starred repos whose link header points outside the GitHub root (must be dropped by the proxy). */
  const starred: AuthedHandler = (call) => {
    const list = repoList(call.owner).slice(0, 2);
    sendList(
      call,
      list,
      `<https://evil.example/x>; rel="next", <${ctx.urls.github}/user/starred?page=2>; rel="last"`,
    );
  };

  /**
   * GraphQL: answers a query on `viewer` with the fields it names (login, name, id, email, url,
   * databaseId, createdAt); anything else gets GraphQL's error shape, with status 200 as GitHub does.
   */
  const graphql: AuthedHandler = ({ res, owner, body }) => {
    let query: unknown;
    try {
      query = (JSON.parse(body.toString('utf8')) as { query?: unknown }).query;
    } catch {
      sendJson(res, 400, { message: 'Problems parsing JSON', documentation_url: `${GITHUB_DOCS}/graphql` });
      return;
    }
    const selection = typeof query === 'string' ? /\bviewer\s*\{([^{}]*)\}/.exec(query) : null;
    if (selection === null) {
      sendJson(
        res,
        200,
        { errors: [{ message: 'The emulator answers queries on viewer only.' }] },
        rateHeaders(),
      );
      return;
    }
    const p = profile(owner);
    const known: Record<string, unknown> = {
      login: p.login,
      name: p.name,
      id: p.node_id,
      databaseId: p.id,
      email: p.email ?? '',
      url: p.html_url,
      createdAt: p.created_at,
    };
    const viewer: Record<string, unknown> = {};
    for (const field of selection[1].split(/[\s,]+/).filter((f) => f !== '')) {
      if (!(field in known)) {
        sendJson(res, 200, {
          errors: [
            { message: `Field '${field}' doesn't exist on type 'User'`, path: ['query', 'viewer', field] },
          ],
        });
        return;
      }
      viewer[field] = known[field];
    }
    sendJson(res, 200, { data: { viewer } }, rateHeaders());
  };

  return createIdpListener(ctx, 'github', {
    schemes: ['bearer', 'token'],
    unauthorized: (res) => sendJson(res, 401, { message: 'Bad credentials', documentation_url: GITHUB_DOCS }),
    notFound: (res) => sendJson(res, 404, { message: 'Not Found', documentation_url: GITHUB_DOCS }),
    faultBody: (status) => ({
      message: status === 401 ? 'Bad credentials' : (STATUS_CODES[status] ?? 'Error'),
      documentation_url: GITHUB_DOCS,
    }),
    route: (call, path) => {
      const get = call.method === 'GET' || call.method === 'HEAD';
      if (path === '/user' && get) return authed('github.user', user);
      if (path === '/user/repos' && get) return authed('github.repos', repos);
      if (path === '/user/starred' && get) return authed('github.other', starred);
      if (path === '/graphql' && call.method === 'POST') return authed('github.graphql', graphql);
      return undefined;
    },
  });
}

// ---- Facebook --------------------------------------------------------------------------------

const FACEBOOK_FIELDS = new Set(['id', 'name', 'email', 'picture', 'first_name', 'last_name']);
/** Every seed user's friends on the emulated Graph (seven, so that small `limit`s page). */
const FRIENDS = ['Frank', 'Fay', 'Felix', 'Flora', 'Finn', 'Freya', 'Fritz'].map((first, i) => ({
  name: `${first} Friend`,
  id: String(3901 + i),
}));

export function createFacebookListener(ctx: Ctx): RequestListener {
  const graphError = (
    res: ServerResponse,
    status: number,
    message: string,
    type: string,
    code: number,
  ): void => sendJson(res, status, { error: { message, type, code, fbtrace_id: 'EmuTrace' } });

  /** true when the request is fine (no proof, or a correct one); otherwise answers 400 */
  const proofOk = ({ res, query, token }: Authed): boolean => {
    const proof = parseQuery(query).appsecret_proof;
    if (proof === undefined) return true;
    const expected = createHmac('sha256', ctx.facebookAppSecret).update(token).digest('hex');
    if (proof === expected) return true;
    graphError(res, 400, 'Invalid appsecret_proof provided in the API argument', 'GraphMethodException', 100);
    return false;
  };

  const me: AuthedHandler = (call) => {
    if (!proofOk(call)) return;
    const a = ctx.world.account(call.owner.userId, 'facebook');
    const fields = (parseQuery(call.query).fields ?? 'id,name')
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '');
    const unknown = fields.find((f) => !FACEBOOK_FIELDS.has(f));
    if (unknown !== undefined) {
      graphError(
        call.res,
        400,
        `(#100) Tried accessing nonexisting field (${unknown}) on node type (User)`,
        'OAuthException',
        100,
      );
      return;
    }
    const all: Record<string, unknown> = {
      id: a.id,
      name: a.name,
      email: a.email,
      first_name: a.givenName,
      last_name: a.familyName,
      picture: {
        data: {
          height: 50,
          width: 50,
          is_silhouette: false,
          url: `https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=${a.id}&height=50&width=50&ext=1700000000&hash=emu`,
        },
      },
    };
    const out: Record<string, unknown> = {};
    for (const f of fields) out[f] = all[f];
    if (!('id' in out)) out.id = a.id; // Graph always adds the id
    sendJson(call.res, 200, out);
  };

  /**
   * A paged edge as Graph pages one: `limit` (default 25) and `after`/`before` cursors; `paging.next`
   * and `paging.previous` are absolute URLs with a version prefix that carry the token, as Graph's do.
   */
  const friends: AuthedHandler = (call) => {
    if (!proofOk(call)) return;
    const q = parseQuery(call.query);
    const limit = Math.min(100, Math.max(1, Number.parseInt(q.limit ?? '25', 10) || 25));
    const cursor = (index: number): string => Buffer.from(`friend:${index}`).toString('base64url');
    const indexOf = (value: string | undefined): number | undefined => {
      const match = /^friend:(\d+)$/.exec(Buffer.from(value ?? '', 'base64url').toString('utf8'));
      return match === null ? undefined : Number(match[1]);
    };
    const after = indexOf(q.after);
    const before = indexOf(q.before);
    const start = after !== undefined ? after + 1 : before !== undefined ? Math.max(0, before - limit) : 0;
    const end = Math.min(
      FRIENDS.length,
      before !== undefined && after === undefined ? before : start + limit,
    );
    const page = FRIENDS.slice(start, end);
    const at = (param: string): string =>
      `${ctx.urls.facebook}/v19.0/me/friends?access_token=${call.token}&pretty=0&limit=${limit}&${param}`;
    const paging: Record<string, unknown> = {
      cursors: { before: cursor(start), after: cursor(Math.max(start, end - 1)) },
    };
    if (start > 0) paging.previous = at(`before=${cursor(start)}`);
    if (end < FRIENDS.length) paging.next = at(`after=${cursor(end - 1)}`);
    sendJson(call.res, 200, { data: page, paging, summary: { total_count: FRIENDS.length } });
  };

  return createIdpListener(ctx, 'facebook', {
    schemes: ['bearer', 'oauth'],
    queryToken: true,
    unauthorized: (res) => graphError(res, 401, 'Invalid OAuth access token.', 'OAuthException', 190),
    notFound: (res, path) => graphError(res, 404, `Unknown path components: ${path}`, 'OAuthException', 2500),
    faultBody: (status) =>
      status === 401
        ? { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } }
        : {
            error: {
              message: STATUS_CODES[status] ?? 'Error',
              type: 'OAuthException',
              code: 2,
              is_transient: true,
            },
          },
    route: (call, path) => {
      if (call.method !== 'GET' && call.method !== 'HEAD') return undefined;
      if (path === '/me') return authed('facebook.me', me);
      if (path === '/me/friends') return authed('facebook.friends', friends);
      return undefined;
    },
  });
}
