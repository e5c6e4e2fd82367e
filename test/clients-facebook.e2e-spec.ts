/**
 * Facebook Graph paging through the service: a client follows `paging.next` exactly as given until
 * it ends. Graph's own paging URLs carry the user's token and a version prefix; the service hands
 * out its own URLs for the same pages instead, and signs each page's call with `appsecret_proof`.
 */
import { createHmac } from 'node:crypto';
import { expectNoSecretLeaked, startStack, withStack } from './support/stack';
import type { Stack } from './support/stack';

interface FriendsPage {
  data: Array<{ id: string; name: string }>;
  paging: { cursors: { before: string; after: string }; next?: string; previous?: string };
}

describe('Facebook Graph paging through the service', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    if (stack !== undefined) expectNoSecretLeaked(stack);
    await stack?.close();
  });

  beforeEach(() => stack.emulator.resetCounters());

  /** Every page from `first` on, following `paging.next` as given, with only the Auth0 token added. */
  async function follow(first: string, token: string): Promise<FriendsPage[]> {
    const pages: FriendsPage[] = [];
    let next: string | undefined = first;
    while (next !== undefined) {
      const response = await stack.fetch(next, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const page = (await response.json()) as FriendsPage;
      pages.push(page);
      next = page.paging.next;
      expect(pages.length).toBeLessThan(10);
    }
    return pages;
  }

  const facebookToken = () => stack.emulator.idpToken(stack.emulator.seed.facebook, 'facebook')!;
  const proof = () =>
    createHmac('sha256', stack.emulator.facebookAppSecret).update(facebookToken()).digest('hex');

  it('should deliver every friend, following paging.next as given, each page signed with appsecret_proof', async () => {
    const token = stack.token(stack.emulator.seed.facebook);
    const pages = await follow(`${stack.url}/v1/idp/facebook/api/v19.0/me/friends?limit=3`, token);
    expect(pages.flatMap((page) => page.data.map((friend) => friend.id))).toEqual([
      '3901',
      '3902',
      '3903',
      '3904',
      '3905',
      '3906',
      '3907',
    ]);
    // the service's own URLs, in the caller's route form, without the token or a proof
    for (const page of pages.slice(0, -1)) {
      expect(page.paging.next).toMatch(
        new RegExp(`^${stack.url}/v1/idp/facebook/api/v19\\.0/me/friends\\?pretty=0&limit=3&after=[\\w-]+$`),
      );
    }
    expect(pages[1].paging.previous).toMatch(
      new RegExp(`^${stack.url}/v1/idp/facebook/api/v19\\.0/me/friends\\?pretty=0&limit=3&before=[\\w-]+$`),
    );
    const upstream = stack.emulator.requests('facebook.friends');
    expect(upstream).toHaveLength(3);
    for (const request of upstream) {
      const query = new URLSearchParams(request.query);
      expect(query.getAll('appsecret_proof')).toEqual([proof()]);
      expect(query.getAll('access_token')).toEqual([]);
      expect(request.headers.authorization).toBe(`Bearer ${facebookToken()}`);
    }
  });

  it('should page back with paging.previous, and page for a named user in the service-caller form', async () => {
    const user = encodeURIComponent(stack.emulator.seed.facebook);
    const token = stack.emulator.mintServiceToken({ permissions: ['proxy:users'] });
    const pages = await follow(`${stack.url}/v1/users/${user}/idp/facebook/api/me/friends?limit=4`, token);
    expect(pages.flatMap((page) => page.data.map((friend) => friend.id))).toHaveLength(7);
    const previous = pages[1].paging.previous!;
    expect(previous.startsWith(`${stack.url}/v1/users/${user}/idp/facebook/api/v19.0/me/friends?`)).toBe(
      true,
    );
    const back = await stack.fetch(previous, { headers: { authorization: `Bearer ${token}` } });
    expect(((await back.json()) as FriendsPage).data.map((friend) => friend.id)).toEqual([
      '3901',
      '3902',
      '3903',
      '3904',
    ]);
  });
});

describe('the base URL of the URLs the service hands out (paging URLs, OpenAPI servers)', () => {
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'proxy.example' };
  const path = '/v1/idp/facebook/api/me/friends?limit=3';

  /** `paging.next` of the first friends page, asked with X-Forwarded-* headers */
  async function nextUrl(stack: Stack): Promise<string> {
    const token = stack.token(stack.emulator.seed.facebook);
    const answer = await stack.call(path, { token, headers: forwarded });
    expect(answer.status).toBe(200);
    return answer.json.paging.next as string;
  }

  /** the `servers` of the OpenAPI document the service serves, asked with X-Forwarded-* headers */
  async function servers(stack: Stack): Promise<unknown> {
    const answer = await stack.call('/docs/openapi.json', { headers: forwarded });
    return answer.json.servers;
  }

  it('should be the request origin, ignoring X-Forwarded-* unless TRUST_PROXY is set', async () => {
    await withStack({}, async (stack) => {
      expect(await nextUrl(stack)).toMatch(
        new RegExp(`^${stack.url}/v1/idp/facebook/api/v19\\.0/me/friends\\?`),
      );
      expect(await servers(stack)).toEqual([{ url: stack.url }]);
    });
  });

  it('should follow X-Forwarded-Proto and X-Forwarded-Host with TRUST_PROXY=true', async () => {
    await withStack({ TRUST_PROXY: 'true' }, async (stack) => {
      expect(await nextUrl(stack)).toMatch(
        /^https:\/\/proxy\.example\/v1\/idp\/facebook\/api\/v19\.0\/me\/friends\?/,
      );
      expect(await servers(stack)).toEqual([{ url: 'https://proxy.example' }]);
    });
  });

  it('should be PUBLIC_URL, with its path, whatever the request says', async () => {
    await withStack({ PUBLIC_URL: 'https://api.example.com/idp/', TRUST_PROXY: 'true' }, async (stack) => {
      expect(await nextUrl(stack)).toMatch(
        /^https:\/\/api\.example\.com\/idp\/v1\/idp\/facebook\/api\/v19\.0\/me\/friends\?/,
      );
      expect(await servers(stack)).toEqual([{ url: 'https://api.example.com/idp' }]);
    });
  });
});
