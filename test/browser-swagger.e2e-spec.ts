/**
 * Swagger UI in a real browser against the sandbox (`npm start`): Authorize with OAuth2
 * (authorization code + PKCE) → the emulated tenant's sign-in page → the linked seed user → back
 * authorized; Try it out on GET /v1/identities → 200 and the identities. Needs Debian's chromium
 * (`.ci/run` installs it); outside CI a machine without it skips this file, saying why.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, describeWithBrowser, launchBrowser, until } from './support/browser';
import type { Browser } from './support/browser';
import { startSandbox } from './support/sandbox-process';
import type { Sandbox } from './support/sandbox-process';

const SCREENSHOT = join(ARTIFACTS, 'swagger-identities.png');
const LINKED_USER = 'auth0|4004';

describeWithBrowser('browser-swagger')('Swagger UI in Chromium (sandbox)', () => {
  let sandbox: Sandbox;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser({ width: 1280, height: 1800 });
    sandbox = await startSandbox();
    page = await browser.context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
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
      browser.context.waitForEvent('page'),
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
    // Tokens stay in memory: nothing a script on this origin could read from localStorage.
    const stored = await page.evaluate<string>('JSON.stringify(Object.assign({}, window.localStorage))');
    expect(Object.keys(JSON.parse(stored) as object)).not.toContain('authorized');
    expect(stored).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);

    // Try it out on GET /v1/identities.
    const operation = page.locator('#operations-identities-getIdentities');
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

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);
  }, 90_000);
});
