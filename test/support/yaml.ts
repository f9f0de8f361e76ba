import { formatDiagnostic, loadRuleSet, type Diagnostic, type RuleSet, type SourceFile } from '@ratecard/dsl';

/** Inline YAML files, keyed by path: `{ 'plans.yaml': '...' }`. */
export type YamlFiles = Readonly<Record<string, string>>;

/** Joins lines into a YAML text, so that a line's number in a test is its position in the list. */
export function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** Turns inline YAML into source files. */
export function sources(files: YamlFiles): SourceFile[] {
  return Object.entries(files).map(([path, text]) => ({ path, text }));
}

/** Loads inline YAML that is expected to be clean (no errors) into a rule set. */
export function loadYaml(files: YamlFiles): RuleSet {
  const { ruleset, diagnostics } = loadRuleSet(sources(files));
  if (!ruleset) throw new Error(`rules did not load:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  return ruleset;
}

/** `file:line:col: code` of each diagnostic (`warning code` for warnings): what fixtures and specs compare. */
export function where(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const at = d.location ? `${d.location.file}:${d.location.line}:${d.location.column}: ` : '';
    return `${at}${d.severity === 'warning' ? 'warning ' : ''}${d.code}`;
  });
}

/** A plan ladder for inline rule sets, basic < pro < premium, as `plans.yaml` (lines 1-7). */
export const PLANS_YAML = yaml(
  'plans:',
  '  - id: basic',
  '    allowance: 1,500 cr',
  '  - id: pro',
  '    allowance: 5,000 cr',
  '  - id: premium',
  '    allowance: 15,000 cr',
);
