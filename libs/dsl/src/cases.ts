import { parseRate, type Millicredits } from './amounts';
import { checkSchema } from './check-schema';
import { sortDiagnostics, type Diagnostic, type SourceLocation } from './diagnostics';
import type { ParamValue } from './ruleset';
import { parseInstant } from './normalize-offers';
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
  /** When the request is decided (`at:`); undefined means when the cases run. */
  readonly now?: Date;
  /** The account's next billing date (`cycleEnd:`). */
  readonly cycleEnd?: Date;
  readonly want: CaseExpectation;
  readonly at: SourceLocation;
}

/** One alternative a case expects; only the fields given are compared. */
export interface WantedAlternative {
  readonly reason?: string;
  readonly kind?: string;
  readonly params?: Readonly<Record<string, ParamValue>>;
  readonly plan?: string;
  readonly costMc?: Millicredits;
  readonly shortfallMc?: Millicredits;
  readonly pack?: string;
  /** As an ISO string (`2026-04-01T00:00:00.000Z`). */
  readonly resetsAt?: string;
  readonly message?: string;
}

/** What a case expects; only the fields given are compared. */
export interface CaseExpectation {
  readonly allowed?: boolean;
  readonly costMc?: Millicredits;
  readonly exempt?: boolean;
  readonly requiresConfirmation?: boolean;
  readonly reasons?: readonly string[];
  readonly breakdown?: readonly string[];
  readonly alternatives?: readonly WantedAlternative[];
}

/** An expected alternative as written, amounts in millicredits; amounts that are not are added to `invalid`. */
function wantedAlternative(raw: Record<string, unknown>, path: (string | number)[], invalid: [unknown, (string | number)[]][]): WantedAlternative {
  const amount = (key: 'cost' | 'shortfall'): Millicredits | undefined => {
    if (typeof raw[key] !== 'number') return undefined;
    const mc = parseRate(raw[key])?.mc;
    if (mc === undefined) invalid.push([raw[key], [...path, key]]);
    return mc;
  };
  const costMc = amount('cost');
  const shortfallMc = amount('shortfall');
  const resetsAt = parseInstant(raw.resetsAt);
  const out: Record<string, unknown> = {};
  for (const key of ['reason', 'kind', 'params', 'plan', 'pack', 'message'] as const) if (raw[key] !== undefined) out[key] = raw[key];
  if (costMc !== undefined) out.costMc = costMc;
  if (shortfallMc !== undefined) out.shortfallMc = shortfallMc;
  if (resetsAt !== undefined) out.resetsAt = new Date(resetsAt).toISOString();
  return out as WantedAlternative;
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
      const alternatives = Array.isArray(want.alternatives) ? (want.alternatives as Record<string, unknown>[]).map((a, j) => wantedAlternative(a, ['cases', i, 'want', 'alternatives', j], invalid)) : undefined;
      for (const [value, path] of invalid) {
        diagnostics.push({ severity: 'error', code: 'invalid-amount', message: `\`${String(value)}\` is not an amount of credits with at most three decimals`, location: file.locate(path) });
      }
      const instant = (key: 'at' | 'cycleEnd'): Date | undefined => {
        if (raw[key] === undefined) return undefined;
        const ms = parseInstant(raw[key]);
        if (ms === undefined) diagnostics.push({ severity: 'error', code: 'invalid-date', message: `\`${String(raw[key])}\` is not a date`, location: file.locate(['cases', i, key]) });
        return ms === undefined ? undefined : new Date(ms);
      };
      const now = instant('at');
      const cycleEnd = instant('cycleEnd');
      if (invalid.length > 0 || (raw.at !== undefined && !now) || (raw.cycleEnd !== undefined && !cycleEnd)) return;
      cases.push({
        note: String(raw.note),
        plan: String(raw.plan),
        ...(balance === undefined ? {} : { balanceMc: balance }),
        used: (raw.used as Record<string, number>) ?? {},
        action: String(raw.action),
        params: (raw.params as Record<string, ParamValue>) ?? {},
        confirm: raw.confirm === true,
        ...(now ? { now } : {}),
        ...(cycleEnd ? { cycleEnd } : {}),
        want: {
          ...(typeof want.allowed === 'boolean' ? { allowed: want.allowed } : {}),
          ...(cost !== undefined ? { costMc: cost } : {}),
          ...(typeof want.exempt === 'boolean' ? { exempt: want.exempt } : {}),
          ...(typeof want.requiresConfirmation === 'boolean' ? { requiresConfirmation: want.requiresConfirmation } : {}),
          ...(Array.isArray(want.reasons) ? { reasons: want.reasons as string[] } : {}),
          ...(Array.isArray(want.breakdown) ? { breakdown: want.breakdown as string[] } : {}),
          ...(alternatives ? { alternatives } : {}),
        },
        at: file.locate(['cases', i]),
      });
    });
  }
  return { cases, diagnostics: sortDiagnostics(diagnostics) };
}
