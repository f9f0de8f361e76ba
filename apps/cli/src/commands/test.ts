import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadCases, type SourceFile } from '@ratecard/dsl';
import { runCases, type CaseResult } from '@ratecard/engine';
import { updatedCaseFiles } from '../case-updates';
import { EXIT, type CliIo } from '../io';
import { compileDir, printDiagnostics } from '../rules';
import { printCaseFailures } from '../switch-output';

/**
 * `ratecard test`: runs the `*.test.yaml` cases; failures show expected vs actual; exit 1 on any
 * failure. `--update` rewrites the expected values of the failing cases in their files instead,
 * printing each change first.
 */
export async function test(io: CliIo, opts: { rules: string; verbose: boolean; update?: boolean }): Promise<number> {
  const { compiled, files } = await compileDir(io, opts.rules);
  if (!compiled) return EXIT.failed;
  const { cases, diagnostics } = loadCases(files);
  printDiagnostics(io, diagnostics);
  if (diagnostics.some((d) => d.severity === 'error')) return EXIT.failed;
  if (cases.length === 0) {
    io.err(`no cases found: write expected results in \`*.test.yaml\` files next to the rules`);
    return EXIT.failed;
  }
  const results = runCases(compiled, cases, io.now());
  const failed = results.filter((r) => !r.pass);
  if (opts.update && failed.length) return update(io, files, results, compiled.version);
  for (const r of results) if (r.pass && opts.verbose) io.out(`PASS ${r.case.at.file}:${r.case.at.line}:${r.case.at.column} ${r.case.note}`);
  printCaseFailures((l) => io.out(l), failed.map((r) => ({ note: r.case.note, file: r.case.at.file, line: r.case.at.line, column: r.case.at.column, mismatches: r.mismatches, reasons: r.decision.reasons })));
  io.out(`${results.length - failed.length} passed, ${failed.length} failed (${results.length} cases, rules ${compiled.version.slice(0, 12)})`);
  return failed.length ? EXIT.failed : EXIT.ok;
}

/** `--update`: prints each change, then writes the case files. */
function update(io: CliIo, files: readonly SourceFile[], results: readonly CaseResult[], version: string): number {
  const changed = updatedCaseFiles(files, results);
  const edits = changed.flatMap((c) => c.edits.map((e) => ({ ...e, file: c.file.path })));
  const failed = results.filter((r) => !r.pass);
  let updated = 0;
  for (const r of failed) {
    const mine = edits.filter((e) => e.file === r.case.at.file && e.case.line === r.case.at.line && e.case.column === r.case.at.column);
    if (mine.length === 0) continue;
    updated++;
    io.out(`update ${r.case.at.file}:${r.case.at.line}:${r.case.at.column} ${r.case.note}`);
    for (const e of mine) io.out(`  ${e.field}: ${e.before} → ${e.after}`);
  }
  for (const { file } of changed) writeFileSync(resolve(io.cwd, file.path), file.text);
  io.out(`updated ${updated} case${updated === 1 ? '' : 's'} in ${changed.length} file${changed.length === 1 ? '' : 's'} (rules ${version.slice(0, 12)}); review the changes before you commit them`);
  return updated === failed.length ? EXIT.ok : EXIT.failed;
}
