/**
 * The system's Chromium, driven by playwright-core: no browser is downloaded. Suites skip, saying why, when
 * there is none (CI installs Debian's chromium package first).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium executable: TRACER_CHROMIUM, else the first of the usual system paths that exists. */
export const CHROMIUM_PATH: string | undefined = process.env.TRACER_CHROMIUM
  ? process.env.TRACER_CHROMIUM
  : CANDIDATES.find((path) => existsSync(path));

if (!CHROMIUM_PATH) {
  process.stderr.write(
    `browser tests skipped: no Chromium at ${CANDIDATES.join(', ')} (install Debian's chromium package, or set TRACER_CHROMIUM)\n`,
  );
}

/** A headless Chromium with a throw-away profile that talks to nothing but the pages it is sent to. */
export interface Headless {
  readonly context: BrowserContext;
  /**
   * Opens `url` in a new tab. An uncaught error of the page fails the test when the tab is closed, so a
   * script that broke behind a screen that still looks right does not pass unseen.
   */
  open(url: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launchHeadless(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Headless> {
  if (!CHROMIUM_PATH) throw new Error('no Chromium on this machine');
  const profile = await mkdtemp(join(tmpdir(), 'tracer-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
  });
  return {
    context,
    open: async (url) => {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(url);
      page.on('close', () => expect(errors).toEqual([]));
      return page;
    },
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
