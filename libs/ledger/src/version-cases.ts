import { hasErrors, isCaseFile, loadCases, type Diagnostic, type SourceFile } from '@ratecard/dsl';
import { runCases, type CompiledRuleSet, type Mismatch } from '@ratecard/engine';

/** A case that failed, with what it expected and what the rules gave. */
export interface CaseFailure {
  readonly note: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly mismatches: readonly Mismatch[];
  readonly reasons: readonly { readonly code: string; readonly message: string }[];
}

/** The outcome of running a rule set's cases: how many, which failed, and problems in the case files. */
export interface CaseCheck {
  /** The case files (`*.test.yaml`), as written. */
  readonly files: readonly SourceFile[];
  readonly cases: number;
  readonly failures: readonly CaseFailure[];
  /** Problems in the case files themselves (YAML, schema); an error counts as a failure. */
  readonly diagnostics: readonly Diagnostic[];
  /** True when every case passed and the case files have no error. */
  readonly passed: boolean;
}

/** The case files among `files`, sorted by path. */
export function caseFiles(files: readonly SourceFile[]): SourceFile[] {
  return files.filter((f) => isCaseFile(f.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** True when two sets of case files hold the same paths with the same text. */
export function sameCaseFiles(a: readonly SourceFile[], b: readonly SourceFile[]): boolean {
  const x = caseFiles(a);
  const y = caseFiles(b);
  return x.length === y.length && x.every((f, i) => f.path === y[i].path && f.text === y[i].text);
}

/** Runs the cases of `files` (their `*.test.yaml`) against `compiled`, as `ratecard test` does. */
export function checkCases(compiled: CompiledRuleSet, files: readonly SourceFile[], now: Date): CaseCheck {
  const own = caseFiles(files);
  const { cases, diagnostics } = loadCases(own);
  const failures: CaseFailure[] = [];
  for (const r of runCases(compiled, cases, now)) {
    if (r.pass) continue;
    const { file, line, column } = r.case.at;
    failures.push({ note: r.case.note, file, line, column, mismatches: r.mismatches, reasons: r.decision.reasons.map((x) => ({ code: x.code, message: x.message })) });
  }
  return { files: own, cases: cases.length, failures, diagnostics, passed: failures.length === 0 && !hasErrors(diagnostics) };
}
