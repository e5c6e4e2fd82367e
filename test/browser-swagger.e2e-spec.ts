/**
 * Swagger UI in a real browser against the sandbox (`npm start`): Authorize with OAuth2
 * (authorization code + PKCE) → the emulated tenant's sign-in page → the linked seed user → back
 * authorized; Try it out on GET /v1/identities → 200 and the identities. Needs Debian's chromium
 * (`.ci/run` installs it); outside CI a machine without it skips this file, saying why.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT, startSandbox } from './support/sandbox-process';
import type { Sandbox } from './support/sandbox-process';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = join(REPO_ROOT, 'test', 'artifacts', 'swagger-identities.png');
const LINKED_USER = 'auth0|4004';

const available = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';
if (!available && !inCi) {
  console.warn(
    `browser-swagger: skipped — no Chromium at ${CHROMIUM} (apt-get install -y chromium); with CI=true it must run.`,
  );
}
/** Polls `check` until it holds (Playwright's web-first assertions live in @playwright/test). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const describeBrowser = available || inCi ? describe : describe.skip;

describeBrowser('Swagger UI in Chromium (sandbox)', () => {
  let sandbox: Sandbox;
  let context: BrowserContext;
  let userDataDir: string;
  let page: Page;

  beforeAll(async () => {
    if (!available)
      throw new Error(`CI=true but no Chromium at ${CHROMIUM}: .ci/run installs it with apt-get`);
    sandbox = await startSandbox();
    userDataDir = mkdtempSync(join(tmpdir(), 'idp-proxy-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 1800 },
    });
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir !== undefined) rmSync(userDataDir, { recursive: true, force: true });
    await sandbox?.stop();
  });

  it('should authorize through the emulated tenant (PKCE) and run GET /v1/identities with Try it out', async () => {
    await page.goto(`${sandbox.url}/docs`);
    await page.locator('.swagger-ui .info .title', { hasText: 'IdP Proxy' }).waitFor();

    // Authorize → the oauth2 scheme (authorization code; the client id comes from initOAuth).
    await page.locator('.auth-wrapper button.authorize').click();
    const oauth2 = page.locator('.modal-ux .auth-container', { hasText: 'authorizationCode' });
    const clientId = oauth2.locator('input[data-name="clientId"]');
    await until('the client id from initOAuth', async () => (await clientId.inputValue()) === 'sandbox-spa');
    const [popup] = await Promise.all([
      context.waitForEvent('page'),
      oauth2.locator('button.authorize').click(),
    ]);

    // The tenant's sign-in page: choose the linked seed user; the popup returns to
    // /docs/oauth2-redirect.html, hands the code to Swagger UI (which exchanges it) and closes.
    await popup.waitForLoadState();
    expect(new URL(popup.url()).origin).toBe(sandbox.tenantUrl);
    const authorizeUrl = new URL(popup.url());
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('audience')).toBe('https://idp-proxy.local/api');
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(`${sandbox.url}/docs/oauth2-redirect.html`);
    await Promise.all([
      popup.waitForEvent('close'),
      popup.locator(`[data-testid="login-${LINKED_USER}"]`).click(),
    ]);

    await oauth2.locator('button', { hasText: 'Logout' }).waitFor({ state: 'visible' });
    await oauth2.locator('button.btn-done').click();
    await page.locator('.auth-wrapper button.authorize.locked').waitFor({ state: 'visible' });

    // Try it out on GET /v1/identities.
    const operation = page.locator('#operations-identities-Identities_list');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table tr.response .response-col_status').first();
    await status.waitFor({ state: 'visible' });
    expect((await status.textContent())?.trim()).toBe('200');
    const body = operation
      .locator('.live-responses-table tr.response .response-col_description pre.microlight')
      .first();
    const identities = JSON.parse((await body.textContent()) ?? '{}').identities as Array<{
      provider: string;
    }>;
    expect(identities.map((i) => i.provider)).toEqual(['auth0', 'google', 'github']);

    mkdirSync(join(REPO_ROOT, 'test', 'artifacts'), { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);
  }, 90_000);
});
