/**
 * Odd IdP answers and disguised requests, as an attacker or a broken IdP would send them: content
 * codings the service must not pass (unknown, stacked, undecodable), response headers carrying the
 * IdP token, query names that read as token names upstream, and a raw `#` in the request target.
 * The emulator answers as each test scripts it (`answer` faults), with the token placed where the
 * test asks. One stack for the suite; at the end, no answer and no log line holds a secret.
 */
import { connect } from 'node:net';
import type { ScriptedAnswer } from '../src/sandbox/emulator/emulator.types';
import { expectProblem, startStack } from './support/stack';
import type { Answer, Stack } from './support/stack';

let stack: Stack;
const logLines: string[] = [];

beforeAll(async () => {
  stack = await startStack(
    { LOG_LEVEL: 'debug' },
    {},
    { logDestination: { write: (line) => logLines.push(line) } },
  );
});

afterAll(async () => {
  // the redaction check: no emulator secret in any answer or log line of this suite
  const secrets = stack.emulator.secrets();
  expect(secrets.length).toBeGreaterThan(0);
  expect(secrets.filter((s) => stack.answers.some((a) => a.includes(s)))).toEqual([]);
  expect(secrets.filter((s) => logLines.some((l) => l.includes(s)))).toEqual([]);
  await stack.close();
});

beforeEach(() => {
  stack.emulator.clearFaults();
  stack.emulator.resetCounters();
});

/** GitHub user whose token the scripted answers echo; `x/y` is a GitHub path with no route of its own. */
async function githubAnswer(script: ScriptedAnswer, path = 'x/y', method = 'GET'): Promise<Answer> {
  stack.emulator.fault('github.other', { kind: 'answer', ...script });
  return stack.call(`/v1/idp/github/api/${path}`, { token: stack.token(stack.emulator.seed.github), method });
}

/** One request written byte for byte on a socket (what fetch would refuse to send); the raw answer. */
function rawRequest(target: string, token: string): Promise<{ status: number; text: string }> {
  const { hostname: host, port } = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      stack.answers.push(text);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    socket.write(
      `GET ${target} HTTP/1.1\r\nHost: ${host}:${port}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
    );
  });
}

describe('content codings of an IdP answer', () => {
  it.each([
    ['gzip, identity', ['gzip'] as const],
    ['identity, gzip', ['gzip'] as const],
    ['gzip, gzip', ['gzip', 'gzip'] as const],
    ['gzip,gzip', ['gzip', 'gzip'] as const],
    ['compress', ['gzip'] as const],
    ['x-compress', ['gzip'] as const],
    ['zstd', ['gzip'] as const],
    ['gzip;q=1', ['gzip'] as const],
    ['aes128gcm', [] as const],
    [',', [] as const],
  ])(
    'should answer 502 idp_unavailable, passing no byte of the body, for the label %j',
    async (label, encode) => {
      const answer = await githubAnswer({
        contentEncoding: label,
        encode: [...encode],
        body: '{"leak":"{token}"}',
      });
      expectProblem(answer, 502, 'idp_unavailable');
      expect(answer.text).not.toContain('leak');
      expect(answer.headers.get('content-encoding')).toBeNull();
      expect(stack.emulator.count('github.other')).toBe(1);
    },
  );

  it('should answer 502 idp_unavailable when content-encoding comes as two header lines', async () => {
    const answer = await githubAnswer({ contentEncoding: ['gzip', 'gzip'], encode: ['gzip', 'gzip'] });
    expectProblem(answer, 502, 'idp_unavailable');
  });

  it.each([
    ['gzip', ['gzip'] as const],
    ['x-gzip', ['gzip'] as const],
    [' GZIP ', ['gzip'] as const],
    ['gzip ', ['gzip'] as const],
    ['Deflate', ['deflate'] as const],
    ['br', ['br'] as const],
    [' BR', ['br'] as const],
    ['identity', [] as const],
    [' Identity ', [] as const],
  ])('should decode %j and redact the token in the decoded body', async (label, encode) => {
    const answer = await githubAnswer({
      contentEncoding: label,
      encode: [...encode],
      body: '{"leak":"{token}","list":["a-{token}-b"]}',
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ leak: 'REDACTED', list: ['a-REDACTED-b'] });
    expect(answer.headers.get('content-encoding')).toBeNull();
  });

  it.each([
    ['raw deflate labelled deflate', 'deflate', ['deflate-raw'] as const],
    ['garbage labelled gzip', 'gzip', ['garbage'] as const],
    ['garbage labelled br', 'br', ['garbage'] as const],
    ['gzip labelled deflate', 'deflate', ['gzip'] as const],
  ])('should answer 502 idp_unavailable, not 500, for %s', async (_name, label, encode) => {
    const answer = await githubAnswer({ contentEncoding: label, encode: [...encode] });
    expectProblem(answer, 502, 'idp_unavailable');
  });

  it('should answer 502 idp_unavailable for a gzip body that ends before its end', async () => {
    const answer = await githubAnswer({ contentEncoding: 'gzip', encode: ['gzip'], truncate: 20 });
    expectProblem(answer, 502, 'idp_unavailable');
  });

  it('should check the coding on the profile route too', async () => {
    stack.emulator.fault('github.user', {
      kind: 'answer',
      contentEncoding: 'gzip, gzip',
      encode: ['gzip', 'gzip'],
    });
    const answer = await stack.call('/v1/idp/github/profile', {
      token: stack.token(stack.emulator.seed.github),
    });
    expectProblem(answer, 502, 'idp_unavailable');
  });

  it('should decode a gzip profile', async () => {
    stack.emulator.fault('github.user', {
      kind: 'answer',
      contentEncoding: 'gzip',
      encode: ['gzip'],
      body: '{"id":2002,"login":"gus","name":"Gus"}',
    });
    const answer = await stack.call('/v1/idp/github/profile', {
      token: stack.token(stack.emulator.seed.github),
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ provider: 'github', id: '2002', username: 'gus' });
  });

  it('should cut the connection when a long coded body fails after its headers went out', async () => {
    stack.emulator.fault('github.other', {
      kind: 'answer',
      contentEncoding: 'gzip',
      encode: ['gzip'],
      // ~2 MB decoded, of which the first half arrives: far past the size read before answering
      body: `{"pad":"${'x'.repeat(2_000_000)}","leak":"{token}"}`,
      truncate: 1500,
      chunkBytes: 256,
    });
    const response = await fetch(`${stack.url}/v1/idp/github/api/x/y`, {
      headers: { authorization: `Bearer ${stack.token(stack.emulator.seed.github)}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBeNull();
    await expect(response.text()).rejects.toThrow();
    // the service goes on serving
    expect((await stack.call('/health/live')).status).toBe(200);
  });
});

describe('IdP response headers holding the token', () => {
  it('should drop every forwarded header whose value holds the token, raw or percent-encoded', async () => {
    const root = stack.emulator.urls.github;
    const answer = await githubAnswer({
      headers: {
        etag: 'W/"{token}"',
        'last-modified': '{token%}',
        'x-ratelimit-remaining': 'left-{token}',
        'x-ratelimit-resource': encodeURIComponent('core'),
        'x-ratelimit-used': '7',
        'cache-control': 'private, max-age=60',
        link: `<${root}/x/{token}/next>; rel="next"`,
        'retry-after': '%7Btoken%7D',
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ token: 'REDACTED' });
    const headers = Object.fromEntries(answer.headers);
    for (const name of ['etag', 'last-modified', 'x-ratelimit-remaining', 'link'])
      expect({ [name]: headers[name] }).toEqual({ [name]: undefined });
    expect(headers).toMatchObject({
      'x-ratelimit-used': '7',
      'x-ratelimit-resource': 'core',
      'cache-control': 'private, max-age=60',
      // holds the text "{token}", not the token
      'retry-after': '%7Btoken%7D',
    });
  });

  it('should drop a link whose rewritten form still holds the token in its query', async () => {
    const root = stack.emulator.urls.github;
    const answer = await githubAnswer({
      headers: {
        link: `<${root}/user/repos?page=2&cursor={token}>; rel="next", <${root}/user/repos?page=1>; rel="first"`,
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('link')).toBeNull();
  });

  it('should keep a link that holds no token, rewritten', async () => {
    const root = stack.emulator.urls.github;
    const answer = await githubAnswer({ headers: { link: `<${root}/user/repos?page=2>; rel="next"` } });
    expect(answer.headers.get('link')).toContain('/v1/idp/github/api/user/repos?page=2');
  });

  it('should drop such headers on answers without a body (304, HEAD) and on IdP errors', async () => {
    const headers = { etag: '"{token}"', 'x-ratelimit-reset': '{token%}', 'x-ratelimit-limit': '60' };
    const notModified = await githubAnswer({ status: 304, body: '', headers });
    const head = await githubAnswer({ headers }, 'x/y', 'HEAD');
    const refused = await githubAnswer({ status: 403, headers, body: '{"message":"no {token}"}' });
    for (const answer of [notModified, head, refused]) {
      expect(answer.headers.get('etag')).toBeNull();
      expect(answer.headers.get('x-ratelimit-reset')).toBeNull();
      expect(answer.headers.get('x-ratelimit-limit')).toBe('60');
    }
    expect([notModified.status, head.status, refused.status]).toEqual([304, 200, 403]);
    expect(refused.json).toEqual({ message: 'no REDACTED' });
  });
});

describe('query names that read as token names', () => {
  it('should drop every disguised access_token and appsecret_proof before the IdP', async () => {
    const query = [
      'access[token=1',
      'access_token%00=2',
      'appsecret%5Bproof=3',
      'ACCESS%5FTOKEN=4',
      'Access-Token=5',
      'access.token=6',
      '%61ccess_token=7',
      'access%2525token=8',
      'app_secret_proof=9',
      'access_token[]=10',
      'a=1',
      'q=access_token',
    ].join('&');
    const answer = await stack.call(`/v1/idp/github/api/echo?${query}`, {
      token: stack.token(stack.emulator.seed.github),
    });
    expect(answer.status).toBe(200);
    expect(stack.emulator.requests('github.echo')[0].query).toBe('access%2525token=8&a=1&q=access_token');
  });

  it('should send Facebook exactly one appsecret_proof, ours, whatever the caller adds', async () => {
    const token = stack.token(stack.emulator.seed.facebook);
    const answer = await stack.call(
      '/v1/idp/facebook/api/me?fields=id&appsecret%5Bproof=x&APPSECRET.PROOF=y',
      { token },
    );
    expect(answer.status).toBe(200);
    const sent = new URLSearchParams(stack.emulator.requests('facebook.me')[0].query);
    expect([...sent.keys()]).toEqual(['fields', 'appsecret_proof']);
    expect(sent.get('appsecret_proof')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('should pass an encoded # (%23) through as data', async () => {
    const answer = await stack.call('/v1/idp/github/api/echo?q=a%23b', {
      token: stack.token(stack.emulator.seed.github),
    });
    expect(answer.status).toBe(200);
    expect(stack.emulator.requests('github.echo')[0].query).toBe('q=a%23b');
  });
});

describe('a raw # in the request target', () => {
  it.each([
    ['/v1/idp/facebook/api/me?fields=id#frag', 'facebook.me' as const, 'facebook'],
    ['/v1/idp/facebook/api/me#?fields=id', 'facebook.me' as const, 'facebook'],
    ['/v1/idp/facebook/profile#x', 'facebook.me' as const, 'facebook'],
    ['/v1/idp/github/api/user#x', 'github.user' as const, 'github'],
    ['/v1/idp/github/api/echo?a=1&#access_token=x', 'github.echo' as const, 'github'],
  ])('should answer %s with 400 invalid_path and no upstream call', async (target, endpoint, provider) => {
    const user = provider === 'facebook' ? stack.emulator.seed.facebook : stack.emulator.seed.github;
    const answer = await rawRequest(target, stack.token(user));
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/content-type: application\/problem\+json/i);
    expect(answer.text).toContain('"code":"invalid_path"');
    expect(answer.text).not.toContain('frag');
    expect(stack.emulator.count(endpoint)).toBe(0);
  });
});
