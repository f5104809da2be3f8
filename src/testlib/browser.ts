// Headless Chromium for tests of the pages netdx writes (the doctor's HTML report): Debian's
// chromium driven by playwright-core, never a browser download. Each launch gets a throw-away
// profile, no background traffic of its own, and pages whose every request is recorded and,
// unless it is the page's own file, refused: a test sees a page as someone offline would.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { installProcessCleanup, registerCleanup } from '../core/cleanup.js';

export const CHROMIUM = '/usr/bin/chromium';
// as in kernel.ts, without importing it (its BPF leak check and netns helpers are not needed here)
const IN_CI = process.env.CI === 'true';
const IS_ROOT = process.getuid?.() === 0;

/**
 * Options for `test(name, browserOpts(), fn)`: skips with a printed reason when chromium is
 * missing, except in CI or as root, where scripts/test.sh installs it, so its absence fails.
 */
export function browserOpts(extra: { timeout?: number } = {}): { skip?: string; timeout?: number } {
  if (existsSync(CHROMIUM) || IN_CI || IS_ROOT) return { timeout: extra.timeout ?? 60_000 };
  return { skip: `browser test: needs Debian's chromium (${CHROMIUM}; apt-get install chromium, or run npm test as root)` };
}

export interface LoadedPage {
  page: Page;
  /** Console errors and uncaught page errors, as text. */
  errors: string[];
  /** Every request the page made, its own file included. */
  requests: string[];
  /** Requests refused because they were not the page's file. */
  refused: string[];
  /** Dialogs (alert, confirm) the page opened: a script ran. */
  dialogs: string[];
}

/** One headless Chromium for a test file; close() (also run after the file) removes its profile. */
export class TestBrowser {
  private constructor(private readonly ctx: BrowserContext, private readonly profile: string, private readonly unregister: () => void) {}

  static async launch(): Promise<TestBrowser> {
    if (!existsSync(CHROMIUM)) throw new Error(`launching chromium: no ${CHROMIUM} (apt-get install chromium)`);
    const profile = mkdtempSync(join(tmpdir(), 'netdx-chromium-'));
    const unregister = registerCleanup(() => rmSync(profile, { recursive: true, force: true }));
    let ctx: BrowserContext;
    try {
      // headless and the profile (--headless, --user-data-dir) are Playwright's options; the rest
      // keep the browser from reaching out on its own (updates, sync, QUIC probes, first-run pages)
      ctx = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM, headless: true, viewport: { width: 1200, height: 900 },
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
          '--disable-component-update', '--disable-sync'],
      });
    } catch (e) {
      rmSync(profile, { recursive: true, force: true });
      unregister();
      throw e;
    }
    const b = new TestBrowser(ctx, profile, unregister);
    after(() => b.close());
    return b;
  }

  /** Opens a file as a person would, refusing every other request. */
  async load(file: string): Promise<LoadedPage> {
    const url = pathToFileURL(file).href;
    const page = await this.ctx.newPage();
    const got: LoadedPage = { page, errors: [], requests: [], refused: [], dialogs: [] };
    page.on('console', (m) => { if (m.type() === 'error') got.errors.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => got.errors.push(`page: ${e.message}`));
    page.on('request', (r) => got.requests.push(r.url()));
    page.on('dialog', (d) => { got.dialogs.push(d.message()); void d.dismiss(); });
    await page.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      got.refused.push(route.request().url());
      return route.abort();
    });
    await page.goto(url, { waitUntil: 'load' });
    return got;
  }

  async close(): Promise<void> {
    await this.ctx.close().catch(() => undefined);
    rmSync(this.profile, { recursive: true, force: true });
    this.unregister();
  }
}

// A test file is a program of its own: the profile goes on exit and on signals too.
installProcessCleanup({ uncaught: false });
