/**
 * The frontend scenario end to end, in Chromium: the sample app (`examples/spa/`, Auth0's own SPA
 * SDK) signs in through the emulated tenant (authorization code + PKCE S256), lists the linked
 * identities and profiles through the service, pages through GitHub repositories by following the
 * rewritten `Link` header, offers "Sign in with github again" when GitHub refuses the stored token,
 * and signs out. Every answer the browser received, the page, its storage and its cookies are
 * scanned for every secret the emulator issued. A screenshot per step lands in test/artifacts/.
 *
 * The emulator and the service run in this process (the emulator's switches and secrets are
 * needed), the sample app on its own port through the sandbox's demo server. Needs Debian's
 * chromium (`.ci/run` installs it); outside CI a machine without it skips this file, saying why.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page, Response } from 'playwright-core';
import { startDemoServer } from '../src/sandbox/demo.server';
import type { DemoServer } from '../src/sandbox/demo.server';
import { startStack } from './support/stack';
import type { Stack } from './support/stack';
import { ARTIFACTS, describeWithBrowser, launchBrowser } from './support/browser';
import type { Browser } from './support/browser';

const LINKED_USER = 'auth0|4004';

/** What the browser held at one moment: the pages' HTML, web storage and every cookie. */
interface Snapshot {
  step: string;
  text: string;
}

describeWithBrowser('browser-spa')('The sample app (examples/spa) in Chromium', () => {
  let demo: DemoServer;
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** every answer the browser received: URL, status, headers and body */
  const received: Array<Promise<string>> = [];
  const snapshots: Snapshot[] = [];

  const record = (response: Response): void => {
    received.push(
      (async () => {
        // redirects and aborted loads have no body
        const body = await response.body().catch(() => Buffer.alloc(0));
        const headers = Object.entries(await response.allHeaders())
          .map(([name, value]) => `${name}: ${value}`)
          .join('\n');
        return `${response.status()} ${response.url()}\n${headers}\n\n${body.toString('utf8')}`;
      })(),
    );
  };

  /** Records what the browser holds now (every frame's HTML, storage of the page's origin, cookies). */
  async function snapshot(step: string): Promise<void> {
    const frames = await Promise.all(page.frames().map((frame) => frame.content().catch(() => '')));
    const storage = await page
      .evaluate<string>('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })')
      .catch(() => '');
    const cookies = JSON.stringify(await context.cookies());
    snapshots.push({ step, text: [...frames, storage, cookies].join('\n') });
  }

  async function screenshot(name: string): Promise<void> {
    const path = join(ARTIFACTS, name);
    await page.screenshot({ path, fullPage: true });
    expect(existsSync(path)).toBe(true);
  }

  const status = () => page.getByTestId('status');
  const repoNames = () => page.locator('[data-testid="repos"] li strong').allTextContents();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    demo = await startDemoServer();
    stack = await startStack({ CORS_ORIGINS: demo.origin }, { allowedRedirectUris: [demo.url] });
    const { emulator } = stack;
    demo.configure({
      domain: emulator.tenantUrl,
      clientId: emulator.spaClientId,
      audience: emulator.audience,
      apiBaseUrl: stack.url,
    });
    browser = await launchBrowser({ width: 1100, height: 900 });
    context = browser.context;
    page = context.pages()[0] ?? (await context.newPage());
    context.on('response', record);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await demo?.close();
  });

  it('should sign in as the linked user through the tenant with PKCE S256', async () => {
    await page.goto(demo.url);
    await page.getByTestId('login').waitFor({ state: 'visible' });
    expect(await status().textContent()).toBe('Signed out');
    await snapshot('signed out, before sign-in');

    await page.getByTestId('login').click();
    await page.waitForURL((url) => url.origin === stack.emulator.tenantUrl && url.pathname === '/authorize');
    const authorize = new URL(page.url());
    const q = Object.fromEntries(authorize.searchParams);
    expect(q).toMatchObject({
      client_id: 'sandbox-spa',
      redirect_uri: demo.url,
      audience: stack.emulator.audience,
      response_type: 'code',
      response_mode: 'query',
      code_challenge_method: 'S256',
    });
    expect(q.code_challenge).toMatch(/^[\w-]{43}$/);
    expect(q.state).toEqual(expect.any(String));
    expect(q.nonce).toEqual(expect.any(String));
    expect(q.scope.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    await screenshot('spa-1-signin.png');
    await snapshot('tenant sign-in page');

    await page.getByTestId(`login-${LINKED_USER}`).click();
    await page.waitForURL((url) => url.origin === demo.origin);
    await page.getByText('Signed in as Linus Linked (auth0|4004)').waitFor();
    // the callback's code and state were removed from the address bar
    expect(page.url()).toBe(demo.url);

    // the SDK redeemed the code with the verifier whose S256 hash it sent to /authorize
    const [redeemed] = stack.emulator.requests('token.authorization_code');
    expect(redeemed.params).toMatchObject({ grant_type: 'authorization_code', redirect_uri: demo.url });
    const verifier = redeemed.params?.code_verifier ?? '';
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(q.code_challenge);
    expect(redeemed.headers.origin).toBe(demo.origin);
  }, 60_000);

  it('should list the linked identities and the profile of each served provider', async () => {
    const rows = page.locator('[data-testid="identities"] tbody tr');
    await rows.nth(2).waitFor();
    const providers = await Promise.all((await rows.all()).map((row) => row.getAttribute('data-provider')));
    expect(providers).toEqual(['auth0', 'google', 'github']);
    expect(await rows.nth(0).textContent()).toContain('Username-Password-Authentication');
    const github = page.getByTestId('profile-github');
    const google = page.getByTestId('profile-google');
    await github.getByText('linus-linked', { exact: true }).waitFor(); // GitHub's username, through /profile
    await google.getByText('linus-linked@example.com').waitFor();
    expect(await github.locator('dd').first().textContent()).toBe('Linus Linked');
    await screenshot('spa-2-identities.png');
    await snapshot('identities and profiles');
  }, 30_000);

  it('should show the first page of GitHub repositories, with the Link header rewritten to the proxy', async () => {
    await page.getByText('Page 1').waitFor();
    expect(await repoNames()).toEqual([
      'linus-linked/linus-linked-project-1',
      'linus-linked/linus-linked-project-2',
    ]);
    await page.getByTestId('repos-next').waitFor({ state: 'visible' });

    // what the browser read: the proxy's answer, its Link pointing into the proxy, exposed by CORS
    const answers = await Promise.all(received);
    const first = answers.find((a) =>
      a.startsWith(`200 ${stack.url}/v1/idp/github/api/user/repos?per_page=2\n`),
    );
    expect(first).toBeDefined();
    expect(first).toContain(
      `link: <${stack.url}/v1/idp/github/api/user/repos?page=2&per_page=2>; rel="next", <${stack.url}/v1/idp/github/api/user/repos?page=3&per_page=2>; rel="last"`,
    );
    expect(first).toContain(`access-control-allow-origin: ${demo.origin}`);
    expect(first).toMatch(/access-control-expose-headers: [^\n]*\blink\b/);
    // a cache of this browser keys the answer on the signed-in user, and CORS's origin stays too
    expect(first).toContain('vary: Origin, Authorization');
    await screenshot('spa-3-repos-page1.png');
    await snapshot('repositories, page 1');
  }, 30_000);

  it('should show page 2 by following the rewritten link through the proxy', async () => {
    stack.emulator.resetCounters();
    await page.getByTestId('repos-next').click();
    await page.getByText('Page 2').waitFor();
    expect(await repoNames()).toEqual([
      'linus-linked/linus-linked-project-3',
      'linus-linked/linus-linked-project-4',
    ]);
    // the browser called the proxy, which called GitHub with the page the link named
    const upstream = stack.emulator.requests('github.repos');
    expect(upstream.map((r) => r.query)).toEqual(['page=2&per_page=2']);
    const answers = await Promise.all(received);
    expect(
      answers.some((a) => a.startsWith(`200 ${stack.url}/v1/idp/github/api/user/repos?page=2&per_page=2\n`)),
    ).toBe(true);
    await screenshot('spa-4-repos-page2.png');
    await snapshot('repositories, page 2');
  }, 30_000);

  it('should offer "Sign in with github again" when GitHub refuses the token, and start it with connection=github', async () => {
    // GitHub stops accepting the stored token: the service answers 502 idp_token_rejected
    stack.emulator.expireIdpToken(LINKED_USER, 'github');
    // a reload: the SDK's memory cache is gone; it signs in again silently (prompt=none in an
    // iframe, web_message) thanks to the tenant's session
    stack.emulator.resetCounters();
    await page.reload();
    await page.getByText('Signed in as Linus Linked (auth0|4004)').waitFor();
    const silent = stack.emulator.requests('authorize');
    expect(silent.map((r) => new URLSearchParams(r.query).get('prompt'))).toEqual(['none']);
    expect(new URLSearchParams(silent[0].query).get('response_mode')).toBe('web_message');

    const reconnect = page.getByTestId('reconnect-github');
    await reconnect.waitFor({ state: 'visible' });
    expect(await reconnect.textContent()).toBe('Sign in with github again');
    const problem = page.getByTestId('profile-github').locator('.problem');
    expect(await problem.getAttribute('data-code')).toBe('idp_token_rejected');
    expect(await page.getByTestId('reconnect-github-repos').textContent()).toBe('Sign in with github again');
    // the other provider still works
    await page.getByTestId('profile-google').getByText('linus-linked@example.com').waitFor();
    await screenshot('spa-5-reconnect.png');
    await snapshot('reconnect offered');

    await reconnect.click();
    await page.waitForURL((url) => url.origin === stack.emulator.tenantUrl && url.pathname === '/authorize');
    const authorize = new URL(page.url());
    expect(authorize.searchParams.get('connection')).toBe('github');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    await page.getByText('Requested connection: github').waitFor();
    await snapshot('tenant sign-in page, connection=github');

    // signing in through GitHub again gives Auth0 a fresh GitHub token: the calls work again
    await page.getByTestId(`login-${LINKED_USER}`).click();
    await page.waitForURL((url) => url.origin === demo.origin);
    await page.getByTestId('profile-github').getByText('linus-linked', { exact: true }).waitFor();
    await page.getByText('Page 1').waitFor();
    expect(await page.getByTestId('reconnect-github').count()).toBe(0);
    await snapshot('after reconnecting github');
  }, 60_000);

  it('should sign out through the tenant and come back signed out', async () => {
    await page.getByTestId('logout').click();
    await page.waitForURL((url) => url.origin === demo.origin);
    await page.getByTestId('login').waitFor({ state: 'visible' });
    expect(await status().textContent()).toBe('Signed out');
    expect(await page.locator('#signed-in').isHidden()).toBe(true);
    // the tenant's session and the SDK's "is authenticated" marker are gone
    const cookies = (await context.cookies()).map((c) => c.name);
    expect(cookies).not.toContain('auth0');
    expect(cookies).not.toContain('auth0.sandbox-spa.is.authenticated');
    const logoutAnswer = (await Promise.all(received)).find((a) =>
      a.startsWith(`302 ${stack.emulator.tenantUrl}/v2/logout?`),
    );
    expect(logoutAnswer).toContain(`location: ${demo.url}`);
    await screenshot('spa-6-signed-out.png');
    await snapshot('signed out');
  }, 30_000);

  it('should never let an IdP token or any other emulator secret reach the browser', async () => {
    const answers = await Promise.all(received);
    const corpus = [...answers, ...snapshots.map((s) => s.text)];
    // the recording saw the whole flow: the sign-in, the proxy's answers, the SDK's storage
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.some((a) => a.includes('"identities":[') && a.startsWith(`200 ${stack.url}`))).toBe(true);
    expect(answers.some((a) => a.startsWith(`200 ${stack.emulator.tenantUrl}/oauth/token`))).toBe(true);
    expect(snapshots.some((s) => s.text.includes('auth0.sandbox-spa.is.authenticated'))).toBe(true);

    const secrets = stack.emulator.secrets();
    const idpTokens = secrets.filter((s) => /^(ya29\.emu-|gho_emu|EAAemu|1\/\/emu-)/.test(s));
    // the linked user's Google token, refresh token, and both GitHub tokens (before and after reconnecting)
    expect(idpTokens.length).toBeGreaterThanOrEqual(4);
    expect(idpTokens).toContain(stack.emulator.idpToken(LINKED_USER, 'github'));
    const leaks = secrets.flatMap((secret) =>
      corpus.filter((text) => text.includes(secret)).map((text) => `${secret} in ${text.slice(0, 120)}`),
    );
    expect(leaks).toEqual([]);
  });
});
