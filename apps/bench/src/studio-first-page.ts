import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import type { CompiledRuleSet } from '@ratecard/engine';
import { chromium as playwright } from 'playwright-core';
import { ADMIN_KEY } from './http/http-section';
import { seedDatabase } from './http/seed';
import { ApiServer } from './http/server';
import type { Settings } from './settings';
import { median } from './stats';

/** How long the Studio's first page takes to become interactive, in a real Chromium on loopback. */
export interface StudioFirstPage {
  /** Navigation start to the sign-in form's button rendered by the app (its JavaScript ran), per load. */
  readonly runsMs: readonly number[];
  /** The median of the warm loads (the first load, a cold browser cache, is reported apart). */
  readonly medianMs: number;
  readonly coldMs: number;
}

/**
 * Loads `/studio/` from the built API in headless Chromium (`@sparticuz/chromium`, as the browser
 * tests do) a few times, each in a fresh browser context, and times navigation start to the
 * moment the sign-in button the app renders is visible. Returns a reason instead when no browser
 * can be started here.
 */
export async function studioFirstPage(settings: Settings, compiled: CompiledRuleSet, log: (line: string) => void): Promise<StudioFirstPage | { readonly error: string }> {
  const work = await mkdtemp(join(tmpdir(), 'ratecard-bench-studio-'));
  let server: ApiServer | undefined;
  try {
    const file = join(work, 'studio.db');
    await seedDatabase({ kind: 'sqlite', file }, 10, compiled, settings.seed, new Date());
    server = await ApiServer.start({ root: settings.root, name: 'studio', databaseUrl: `sqlite:${file}`, adminKey: ADMIN_KEY, logLevel: 'warn', logFile: join(work, 'server-studio.log') });
    const args = chromium.args.filter((a) => a !== '--single-process');
    const browser = await playwright.launch({ executablePath: await chromium.executablePath(), args: [...args, '--no-sandbox', '--disable-gpu'], headless: true });
    try {
      const runsMs: number[] = [];
      for (let i = 0; i < (settings.quick ? 4 : 8); i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
        const page = await context.newPage();
        await page.goto(`${server.url}/studio/`, { waitUntil: 'commit' });
        await page.getByRole('button', { name: 'Sign in' }).waitFor({ state: 'visible' });
        runsMs.push(await page.evaluate(() => performance.now()));
        await context.close();
      }
      const [coldMs, ...warm] = runsMs;
      const medianMs = median(warm);
      log(`first page interactive: ${medianMs.toFixed(0)} ms (median of ${warm.length} loads; cold ${coldMs.toFixed(0)} ms)`);
      return { runsMs, medianMs, coldMs };
    } finally {
      await browser.close();
    }
  } catch (e) {
    const error = (e as Error).message.split('\n')[0];
    log(`first page not timed: ${error}`);
    return { error };
  } finally {
    await server?.stop();
    await rm(work, { recursive: true, force: true });
  }
}
