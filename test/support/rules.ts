import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { formatDiagnostic, loadCases, type SourceFile } from '@ratecard/dsl';
import { compileSources, runCases, type CompiledRuleSet } from '@ratecard/engine';
import { updatedCaseFiles } from '../../apps/cli/src/case-updates';
import { sources, type YamlFiles } from './yaml';

/** The repository root. */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** The bundled price list. */
export const RULES_DIR = join(REPO_ROOT, 'rules');

/** A fixed decision time; nothing in the rules depends on it, but every caller passes one. */
export const NOW = new Date('2026-03-15T12:00:00Z');

/** Every `.yaml` file under `dir`, with paths relative to `base` (as the CLI shows them). */
export function readRuleFiles(dir: string = RULES_DIR, base: string = REPO_ROOT): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.ya?ml$/i.test(name)) files.push({ path: relative(base, full), text: readFileSync(full, 'utf8') });
    }
  };
  walk(dir);
  return files;
}

let bundled: Promise<CompiledRuleSet> | undefined;

/** The bundled rules/, loaded and compiled once per test file. Fails loudly when they do not compile. */
export function compileBundled(): Promise<CompiledRuleSet> {
  bundled ??= compileFiles(readRuleFiles());
  return bundled;
}

/** Compiles files that are expected to be clean; throws with the diagnostics otherwise. */
export async function compileFiles(files: readonly SourceFile[]): Promise<CompiledRuleSet> {
  const { compiled, diagnostics } = await compileSources(files);
  if (!compiled) throw new Error(`rules did not compile:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  return compiled;
}

/** Compiles inline YAML that is expected to be clean. */
export function compileYaml(files: YamlFiles): Promise<CompiledRuleSet> {
  return compileFiles(sources(files));
}

/** A temporary copy of `rules/`; remove it with {@link removeDir}. */
export function copyRules(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ratecard-rules-'));
  cpSync(RULES_DIR, dir, { recursive: true });
  return dir;
}

/** Removes a temporary directory. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * `files` with the expectations of their failing cases rewritten to what the rules give (as
 * `ratecard test --update` does): for tests that change a price and are not about the cases.
 */
export async function withCasesUpdated(files: readonly SourceFile[]): Promise<SourceFile[]> {
  const compiled = await compileFiles(files);
  const results = runCases(compiled, loadCases(files).cases, NOW);
  const updated = new Map(updatedCaseFiles(files, results).map(({ file }) => [file.path, file]));
  return files.map((f) => updated.get(f.path) ?? f);
}

/** Rewrites the failing cases of a rules directory to what its rules give (`ratecard test --update`). */
export async function updateCasesIn(dir: string): Promise<void> {
  const files = readRuleFiles(dir, dir);
  const updated = await withCasesUpdated(files);
  updated.forEach((f, i) => {
    if (f.text !== files[i].text) writeFileSync(join(dir, f.path), f.text);
  });
}
