import { loadCases } from '@ratecard/dsl';
import { runCases } from '@ratecard/engine';
import { EXIT, type CliIo } from '../io';
import { compileDir, printDiagnostics } from '../rules';

/** `ratecard test`: runs the `*.test.yaml` cases; failures show expected vs actual; exit 1 on any failure. */
export async function test(io: CliIo, opts: { rules: string; verbose: boolean }): Promise<number> {
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
  for (const r of results) {
    const where = `${r.case.at.file}:${r.case.at.line}:${r.case.at.column}`;
    if (r.pass) {
      if (opts.verbose) io.out(`PASS ${where} ${r.case.note}`);
      continue;
    }
    io.out(`FAIL ${where} ${r.case.note}`);
    for (const m of r.mismatches) {
      if (m.want.includes('\n') || m.got.includes('\n')) io.out(`  ${m.field}:\n    want:${m.want}\n    got:${m.got}`);
      else io.out(`  ${m.field}: want ${m.want}, got ${m.got}`);
    }
    for (const reason of r.decision.reasons) io.out(`  reason ${reason.code}: ${reason.message}`);
  }
  const failed = results.filter((r) => !r.pass).length;
  io.out(`${results.length - failed} passed, ${failed} failed (${results.length} cases, rules ${compiled.version.slice(0, 12)})`);
  return failed ? EXIT.failed : EXIT.ok;
}
