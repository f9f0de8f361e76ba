import { checkOffers } from './check-offers';
import { checkReferences } from './check-references';
import { checkSchema } from './check-schema';
import { hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics';
import { normalize } from './normalize';
import { resolveComposites } from './resolve-composites';
import type { RuleSet } from './ruleset';
import { isRuleFile, type SourceFile } from './source';
import { YamlFile } from './yaml-source';

/** The outcome of loading a rule set: the rule set when there is no error, and every diagnostic. */
export interface LoadResult {
  readonly ruleset?: RuleSet;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Loads a rule set from its files (case files are ignored): YAML, JSON Schema, normalisation,
 * composites, references, offers. Every problem of every file is reported; nothing is thrown.
 *
 * @example
 * const { ruleset, diagnostics } = loadRuleSet([{ path: 'rules/plans.yaml', text }]);
 * diagnostics.forEach((d) => console.log(formatDiagnostic(d)));
 */
export function loadRuleSet(files: readonly SourceFile[]): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const ruleFiles = files.filter((f) => isRuleFile(f.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (ruleFiles.length === 0) {
    return { diagnostics: [{ severity: 'error', code: 'no-rule-files', message: 'no rule files found (expected `*.yaml` files other than `*.test.yaml`)' }] };
  }
  const parsed: YamlFile[] = [];
  for (const source of ruleFiles) {
    const { file, diagnostics: yamlDiagnostics } = YamlFile.parse(source);
    diagnostics.push(...yamlDiagnostics);
    if (!file) continue;
    diagnostics.push(...checkSchema(file, 'rules'));
    parsed.push(file);
  }
  const ruleset = normalize(parsed, diagnostics);
  resolveComposites(ruleset, diagnostics);
  checkReferences(ruleset, diagnostics);
  checkOffers(ruleset, diagnostics);
  const sorted = sortDiagnostics(diagnostics);
  return hasErrors(sorted) ? { diagnostics: sorted } : { ruleset, diagnostics: sorted };
}
