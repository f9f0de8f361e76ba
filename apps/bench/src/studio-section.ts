import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BenchAbort, type Settings } from './settings';

/** One built file of the Studio: raw and gzipped bytes. */
export interface StudioAsset {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

/** What a browser downloads to show the Studio's first page, and what it loads later. */
export interface StudioResult {
  /** Scripts index.html loads (the entry and its modulepreloads). */
  readonly initialJs: readonly StudioAsset[];
  readonly initialJsGzipBytes: number;
  readonly css: readonly StudioAsset[];
  /** Chunks loaded on demand (the editor). */
  readonly lazyJs: readonly StudioAsset[];
}

function asset(dir: string, file: string): StudioAsset {
  const body = readFileSync(join(dir, file));
  return { file, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
}

/**
 * Section 5: the built Studio's weight (dist/studio, from `npm run build:studio`): the JavaScript
 * its index.html loads before the first page is interactive, gzipped as a browser receives it.
 */
export function studioSection(settings: Settings, log: (line: string) => void): StudioResult {
  const dir = join(settings.root, 'dist', 'studio');
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) throw new BenchAbort('the Studio is not built: run `npm run build:studio`');
  const html = readFileSync(indexFile, 'utf8');
  const refs = (re: RegExp) => [...html.matchAll(re)].map((m) => m[1].replace(/^\/studio\//, ''));
  const initial = [...new Set([...refs(/<script[^>]+src="([^"]+)"/g), ...refs(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)])];
  const css = refs(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g);
  const lazy = readdirSync(join(dir, 'assets')).sort().filter((f) => f.endsWith('.js') && !initial.includes(`assets/${f}`)).map((f) => `assets/${f}`);
  const result: StudioResult = {
    initialJs: initial.map((f) => asset(dir, f)),
    initialJsGzipBytes: 0,
    css: css.map((f) => asset(dir, f)),
    lazyJs: lazy.map((f) => asset(dir, f)),
  };
  const total = result.initialJs.reduce((s, a) => s + a.gzipBytes, 0);
  log(`initial JavaScript ${(total / 1024).toFixed(1)} KB gzipped (${result.initialJs.length} file(s)); editor chunk(s) ${result.lazyJs.map((a) => `${(a.gzipBytes / 1024).toFixed(1)} KB`).join(', ')}`);
  return { ...result, initialJsGzipBytes: total };
}
