import { resolve } from 'node:path';
import { formatDiagnostic, hasErrors, type Diagnostic, type SourceFile } from '@ratecard/dsl';
import { compileSources, type CompiledRuleSet } from '@ratecard/engine';
import { DirectoryRuleSource } from '@ratecard/sources';
import type { CliIo } from './io';

/**
 * Reads a rule directory; a missing directory is a diagnostic, not a stack trace. Paths are shown
 * relative to the working directory, or to the rules directory itself with `relativeToDir` (what a
 * published version stores).
 */
export async function readRules(io: CliIo, dir: string, options: { relativeToDir?: boolean } = {}): Promise<{ files: readonly SourceFile[]; diagnostics: Diagnostic[] }> {
  try {
    const full = resolve(io.cwd, dir);
    return { files: await new DirectoryRuleSource(full, options.relativeToDir ? full : io.cwd).load(), diagnostics: [] };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `rules directory \`${dir}\` does not exist` : code === 'ENOTDIR' ? `\`${dir}\` is not a directory` : `cannot read \`${dir}\`: ${(e as Error).message}`;
    return { files: [], diagnostics: [{ severity: 'error', code: 'unreadable-rules', message, location: { file: dir, line: 1, column: 1, path: '' } }] };
  }
}

/** Loads and compiles a rule directory, printing every diagnostic to stderr. */
export async function compileDir(io: CliIo, dir: string): Promise<{ compiled?: CompiledRuleSet; files: readonly SourceFile[]; diagnostics: readonly Diagnostic[] }> {
  const read = await readRules(io, dir);
  const result = read.diagnostics.length ? { diagnostics: read.diagnostics } : await compileSources(read.files);
  printDiagnostics(io, result.diagnostics);
  return { ...result, files: read.files };
}

/** Prints diagnostics as `file:line:col: code: message`. */
export function printDiagnostics(io: CliIo, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) io.err(formatDiagnostic(d));
  if (hasErrors(diagnostics)) {
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = diagnostics.length - errors;
    io.err(`${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`);
  }
}
