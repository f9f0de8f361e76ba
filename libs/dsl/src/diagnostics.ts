/**
 * Diagnostics are values, collected rather than thrown at the first problem (OPA's `Errors` list).
 * Messages follow Cedar's rules: lowercase, no final period, user input in backticks.
 */

/** Where a diagnostic points: a file, a 1-based line and column, and the YAML path inside the file. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** YAML path, e.g. `actions["image.generate"].price.variants["flux-pro"]`. Empty for the whole file. */
  readonly path: string;
}

/** `error` blocks validation, compilation and publishing; `warning` is shown but does not block. */
export type Severity = 'error' | 'warning';

/** One problem found in a rule set or a case file. */
export interface Diagnostic {
  readonly severity: Severity;
  /** Stable, kebab-case code, e.g. `unknown-plan`. Documented in docs/rules-dsl.md. */
  readonly code: string;
  readonly message: string;
  readonly location?: SourceLocation;
  readonly hint?: string;
  /** A second location involved in the problem, e.g. the first definition of a duplicate. */
  readonly related?: SourceLocation;
}

/** Formats a diagnostic the way compilers do: `file:line:col: code: message`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${d.location.file}:${d.location.line}:${d.location.column}: ` : '';
  const level = d.severity === 'warning' ? 'warning ' : '';
  let text = `${where}${level}${d.code}: ${d.message}`;
  if (d.location?.path) text += ` (at ${d.location.path})`;
  if (d.related) text += `\n  see ${d.related.file}:${d.related.line}:${d.related.column}`;
  if (d.hint) text += `\n  hint: ${d.hint}`;
  return text;
}

/** True when any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by file, line and column so output is stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => {
    const fa = a.location?.file ?? '';
    const fb = b.location?.file ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    const la = a.location?.line ?? 0;
    const lb = b.location?.line ?? 0;
    if (la !== lb) return la - lb;
    return (a.location?.column ?? 0) - (b.location?.column ?? 0);
  });
}
