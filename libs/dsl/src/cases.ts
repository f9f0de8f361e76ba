import { parseRate, type Millicredits } from './amounts';
import { checkSchema } from './check-schema';
import { sortDiagnostics, type Diagnostic, type SourceLocation } from './diagnostics';
import type { ParamValue } from './ruleset';
import { isCaseFile, type SourceFile } from './source';
import { YamlFile } from './yaml-source';

/** An expected-result case a PM wrote next to the rules. */
export interface Case {
  readonly note: string;
  readonly plan: string;
  /** Spendable balance; undefined means the plan's allowance. */
  readonly balanceMc?: Millicredits;
  readonly used: Readonly<Record<string, number>>;
  readonly action: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly confirm: boolean;
  readonly want: CaseExpectation;
  readonly at: SourceLocation;
}

/** What a case expects; only the fields given are compared. */
export interface CaseExpectation {
  readonly allowed?: boolean;
  readonly costMc?: Millicredits;
  readonly exempt?: boolean;
  readonly requiresConfirmation?: boolean;
  readonly reasons?: readonly string[];
  readonly breakdown?: readonly string[];
}

/** Reads every `*.test.yaml` file: YAML, schema, then cases. */
export function loadCases(files: readonly SourceFile[]): { cases: Case[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const cases: Case[] = [];
  for (const source of files.filter((f) => isCaseFile(f.path))) {
    const { file, diagnostics: yamlDiagnostics } = YamlFile.parse(source);
    diagnostics.push(...yamlDiagnostics);
    if (!file) continue;
    const schema = checkSchema(file, 'cases');
    diagnostics.push(...schema);
    if (schema.length > 0) continue;
    const data = file.data as { cases: Record<string, unknown>[] };
    data.cases.forEach((raw, i) => {
      const want = raw.want as Record<string, unknown>;
      const balance = raw.balance === undefined ? undefined : parseRate(raw.balance)?.mc;
      const cost = typeof want.cost === 'number' ? parseRate(want.cost)?.mc : undefined;
      // The schema lets any number through; an amount finer than a millicredit must not be dropped silently.
      const invalid: [unknown, (string | number)[]][] = [];
      if (raw.balance !== undefined && balance === undefined) invalid.push([raw.balance, ['cases', i, 'balance']]);
      if (typeof want.cost === 'number' && cost === undefined) invalid.push([want.cost, ['cases', i, 'want', 'cost']]);
      for (const [value, path] of invalid) {
        diagnostics.push({ severity: 'error', code: 'invalid-amount', message: `\`${String(value)}\` is not an amount of credits with at most three decimals`, location: file.locate(path) });
      }
      if (invalid.length > 0) return;
      cases.push({
        note: String(raw.note),
        plan: String(raw.plan),
        ...(balance === undefined ? {} : { balanceMc: balance }),
        used: (raw.used as Record<string, number>) ?? {},
        action: String(raw.action),
        params: (raw.params as Record<string, ParamValue>) ?? {},
        confirm: raw.confirm === true,
        want: {
          ...(typeof want.allowed === 'boolean' ? { allowed: want.allowed } : {}),
          ...(cost !== undefined ? { costMc: cost } : {}),
          ...(typeof want.exempt === 'boolean' ? { exempt: want.exempt } : {}),
          ...(typeof want.requiresConfirmation === 'boolean' ? { requiresConfirmation: want.requiresConfirmation } : {}),
          ...(Array.isArray(want.reasons) ? { reasons: want.reasons as string[] } : {}),
          ...(Array.isArray(want.breakdown) ? { breakdown: want.breakdown as string[] } : {}),
        },
        at: file.locate(['cases', i]),
      });
    });
  }
  return { cases, diagnostics: sortDiagnostics(diagnostics) };
}
