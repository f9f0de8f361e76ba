import { formatCredits, type Case } from '@ratecard/dsl';
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

/**
 * Runs PM-written cases (OPA's `test/cases`) against a compiled rule set. The account's balance
 * defaults to the plan's allowance; only the fields a case gives are compared.
 */
export function runCases(compiled: CompiledRuleSet, cases: readonly Case[], now: Date): CaseResult[] {
  return cases.map((c) => {
    const plan = compiled.plans.get(c.plan);
    const decision = decide(
      compiled,
      { plan: c.plan, balanceMc: c.balanceMc ?? plan?.plan.allowanceMc ?? 0, usage: c.used },
      { action: c.action, params: c.params, confirm: c.confirm },
      now,
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
    return { case: c, pass: mismatches.length === 0, decision, mismatches };
  });
}
