import { formatCredits, type Case, type WantedAlternative } from '@ratecard/dsl';
import type { Alternative } from './alternatives';
import type { CompiledRuleSet } from './compiled';
import type { Decision } from './decision';
import { decide } from './decide';

/** One field a case expected differently. */
export interface Mismatch {
  readonly field: string;
  readonly want: string;
  readonly got: string;
}

/** The outcome of one expected-result case. */
export interface CaseResult {
  readonly case: Case;
  readonly pass: boolean;
  readonly decision: Decision;
  readonly mismatches: readonly Mismatch[];
}

/** The fields of an alternative a case can name, in one shape (credits as numbers, undefined left out). */
type AlternativeFields = Record<string, unknown>;

function fields(a: WantedAlternative | Alternative): AlternativeFields {
  const x = a as Record<string, unknown>;
  const costMc = (x.costMc ?? x.costMillicredits) as number | undefined;
  const shortfallMc = (x.shortfallMc ?? x.shortfallMillicredits) as number | undefined;
  const all: AlternativeFields = {
    reason: x.reason,
    kind: x.kind,
    params: x.params,
    plan: x.plan,
    cost: costMc === undefined ? undefined : costMc / 1000,
    shortfall: shortfallMc === undefined ? undefined : shortfallMc / 1000,
    pack: x.pack,
    resetsAt: x.resetsAt,
    message: x.message,
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
}

/** `got` as the fields `want` names (null for a field it lacks). */
function only(got: AlternativeFields, want: AlternativeFields): AlternativeFields {
  return Object.fromEntries(Object.keys(want).map((k) => [k, got[k] ?? null]));
}

/**
 * Runs PM-written cases (OPA's `test/cases`) against a compiled rule set, each at its `at:` time or
 * `now`. The account's balance defaults to the plan's allowance; only the fields a case gives are compared.
 */
export function runCases(compiled: CompiledRuleSet, cases: readonly Case[], now: Date): CaseResult[] {
  return cases.map((c) => {
    const plan = compiled.plans.get(c.plan);
    const decision = decide(
      compiled,
      { plan: c.plan, balanceMc: c.balanceMc ?? plan?.plan.allowanceMc ?? 0, usage: c.used, ...(c.cycleEnd ? { cycleEnd: c.cycleEnd } : {}) },
      { action: c.action, params: c.params, confirm: c.confirm },
      c.now ?? now,
    );
    const mismatches: Mismatch[] = [];
    const w = c.want;
    const cmp = (field: string, want: unknown, got: unknown, show: (v: never) => string = String): void => {
      if (want !== undefined && JSON.stringify(want) !== JSON.stringify(got)) mismatches.push({ field, want: show(want as never), got: show(got as never) });
    };
    cmp('allowed', w.allowed, decision.allowed);
    cmp('cost', w.costMc, decision.costMillicredits, (v: number) => formatCredits(v));
    cmp('exempt', w.exempt, decision.exempt);
    cmp('requiresConfirmation', w.requiresConfirmation, decision.requiresConfirmation);
    const codes = [...new Set(decision.reasons.map((r) => r.code))].sort();
    cmp('reasons', w.reasons ? [...new Set(w.reasons)].sort() : undefined, codes, (v: string[]) => (v.length ? v.join(', ') : '(none)'));
    cmp('breakdown', w.breakdown, decision.breakdown.map((b) => b.label), (v: string[]) => v.map((l) => `\n      ${l}`).join(''));
    if (w.alternatives !== undefined) {
      // Each expected alternative compares the fields it gives; the list compares in full.
      const want = w.alternatives.map(fields);
      const got = (decision.alternatives ?? []).map(fields);
      const shown = got.length === want.length ? got.map((g, i) => only(g, want[i])) : got;
      cmp('alternatives', want, shown, (v: AlternativeFields[]) => (v.length ? v.map((a) => `\n      ${JSON.stringify(a)}`).join('') : ' (none)'));
    }
    return { case: c, pass: mismatches.length === 0, decision, mismatches };
  });
}
