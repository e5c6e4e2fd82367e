/**
 * Debian's Chromium through playwright-core, for the browser suites. Outside CI a machine without
 * it skips those suites with one line saying why; with CI=true (`.ci/run` installs it) they must run.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { REPO_ROOT } from './sandbox-process';

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots land here (git ignores it). */
export const ARTIFACTS = join(REPO_ROOT, 'test', 'artifacts');
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

/** `describe`, or `describe.skip` after one line naming `suite` and why. */
export function describeWithBrowser(suite: string): jest.Describe {
  if (existsSync(CHROMIUM) || process.env.CI === 'true') return describe;
  console.warn(
    `${suite}: skipped — no Chromium at ${CHROMIUM} (apt-get install -y chromium); with CI=true it must run.`,
  );
  return describe.skip;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile, removed again by `close`. */
export async function launchBrowser(viewport: { width: number; height: number }): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`CI=true but no Chromium at ${CHROMIUM}: .ci/run installs it with apt-get`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'idp-proxy-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it holds (Playwright's web-first assertions live in @playwright/test). */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
