import { updateCaseFile, type CaseEdit, type CaseUpdate, type SourceFile } from '@ratecard/dsl';
import type { CaseResult } from '@ratecard/engine';

/** What a failing case would have to expect to pass: the decision's values for the fields that differ. */
export function caseUpdate(r: CaseResult): CaseUpdate {
  const d = r.decision;
  const fields = new Set(r.mismatches.map((m) => m.field));
  return {
    line: r.case.at.line,
    column: r.case.at.column,
    want: {
      ...(fields.has('allowed') ? { allowed: d.allowed } : {}),
      ...(fields.has('cost') ? { costMc: d.costMillicredits } : {}),
      ...(fields.has('exempt') ? { exempt: d.exempt } : {}),
      ...(fields.has('requiresConfirmation') ? { requiresConfirmation: d.requiresConfirmation } : {}),
      ...(fields.has('reasons') ? { reasons: [...new Set(d.reasons.map((x) => x.code))] } : {}),
      ...(fields.has('breakdown') ? { breakdown: d.breakdown.map((b) => b.label) } : {}),
    },
  };
}

/**
 * The case files of `files` with the expectations of the failing `results` rewritten in place
 * (comments and layout kept). Returns only the files that changed, with every edit.
 */
export function updatedCaseFiles(files: readonly SourceFile[], results: readonly CaseResult[]): { file: SourceFile; edits: CaseEdit[] }[] {
  const out: { file: SourceFile; edits: CaseEdit[] }[] = [];
  for (const file of files) {
    const updates = results.filter((r) => !r.pass && r.case.at.file === file.path).map(caseUpdate);
    if (updates.length === 0) continue;
    const { text, edits } = updateCaseFile(file, updates);
    if (edits.length) out.push({ file: { path: file.path, text }, edits });
  }
  return out;
}
