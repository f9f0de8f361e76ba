/**
 * A real Chromium for the Studio's end-to-end tests, from npm only: `@sparticuz/chromium` ships a
 * headless build (unpacked to /tmp on first use) and `playwright-core` drives it. One browser per
 * suite; pages are reused. axe-core checks each page for accessibility problems.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './rules';

/** Where `npm run build` puts the Studio, which the API serves at /studio. */
export const STUDIO_DIR = join(REPO_ROOT, 'dist', 'studio');

/** Builds the Studio when it has not been built (a clean clone builds it in `npm ci`). */
export function ensureStudioBuilt(): void {
  if (existsSync(join(STUDIO_DIR, 'index.html'))) return;
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(REPO_ROOT, 'apps', 'studio', 'vite.config.mts')], { cwd: REPO_ROOT, stdio: 'pipe' });
}

/** Launches headless Chromium. */
export async function launchBrowser(): Promise<Browser> {
  // --single-process is for one-shot serverless calls; a suite opens several pages and contexts.
  const args = chromium.args.filter((a) => a !== '--single-process');
  return playwright.launch({ executablePath: await chromium.executablePath(), args: [...args, '--no-sandbox', '--disable-gpu'], headless: true });
}

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** One accessibility problem axe found, as a readable line. */
export interface Violation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly targets: string[];
}

/** Runs axe-core (WCAG 2.1 A and AA rules) on the page; returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<Violation[]> {
  // Evaluated through the DevTools protocol: the Studio's CSP (no inline script) stays on.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE);
  type Axe = { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> };
  const result = await page.evaluate(async () => {
    const page = globalThis as unknown as { axe: Axe; document: unknown };
    return page.axe.run(page.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}
