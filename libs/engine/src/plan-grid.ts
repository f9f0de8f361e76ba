import type { ParamValue } from '@ratecard/dsl';
import type { CompiledRuleSet } from './compiled';
import { decide } from './decide';
import type { ReasonCode } from './reasons';

/** One plan's answer for one option: allowed and at what price, or why not. */
export interface PlanGridCell {
  readonly plan: string;
  readonly allowed: boolean;
  /** Credits; a denied option still shows what it would cost. */
  readonly cost: number;
  readonly costMillicredits: number;
  /** Why not, when denied: the rules' reasons (gates, `deny` conditions, a quota of 0). */
  readonly reasons: readonly { readonly code: ReasonCode; readonly message: string; readonly rule?: string; readonly requiredPlan?: string }[];
  /** The plan's count per billing cycle for the action, when it has one. */
  readonly quota: number | null;
}

/** One option of an action: the action with one parameter set to one of its values (the others at their defaults). */
export interface PlanGridRow {
  readonly action: string;
  readonly name: string;
  readonly group: string | null;
  /** The parameter and value this row sets; null for the action at its defaults. */
  readonly option: { readonly param: string; readonly value: ParamValue; readonly isDefault: boolean } | null;
  readonly requiresConfirmation: boolean;
  readonly exempt: boolean;
  /** In the order of the plan ladder. */
  readonly cells: readonly PlanGridCell[];
}

/** Every plan × option of a rule set. */
export interface PlanGrid {
  readonly rulesetVersion: string;
  readonly plans: readonly { readonly id: string; readonly name: string }[];
  readonly rows: readonly PlanGridRow[];
}

/** A balance no price reaches: the grid shows what the rules allow, not what an account can afford. */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

/**
 * The per-plan grid of a rule set: for every action, its defaults and each value of each
 * enumerated parameter (`values` lists and booleans), decided by `decide` on every plan with an
 * unlimited balance, no usage yet and confirmation given. A cell is denied only by the rules
 * (a gate, a `deny` condition, a quota of 0), never by the account. Actions in the rules' order.
 *
 * @example
 * const grid = planGrid(compiled, new Date());
 * // grid.rows.find((r) => r.option?.value === 'flux-pro')!.cells[0]
 * // → { plan: 'basic', allowed: false, reasons: [{ code: 'PLAN_REQUIRED', … }], … }
 */
export function planGrid(compiled: CompiledRuleSet, now: Date): PlanGrid {
  const plans = compiled.ruleset.plans;
  const rows: PlanGridRow[] = [];
  for (const action of Object.values(compiled.ruleset.actions)) {
    const options: (PlanGridRow['option'])[] = [];
    for (const param of Object.values(action.params)) {
      const values = param.values ?? (param.type === 'boolean' ? [false, true] : undefined);
      for (const value of values ?? []) options.push({ param: param.name, value, isDefault: param.default === value });
    }
    if (options.length === 0) options.push(null);
    for (const option of options) {
      const params = option ? { [option.param]: option.value } : {};
      const cells = plans.map((plan): PlanGridCell => {
        const d = decide(compiled, { plan: plan.id, balanceMc: UNLIMITED, usage: {} }, { action: action.id, params, confirm: true }, now);
        return {
          plan: plan.id,
          allowed: d.allowed,
          cost: d.cost,
          costMillicredits: d.costMillicredits,
          reasons: d.reasons.map((r) => ({ code: r.code, message: r.message, ...(r.rule ? { rule: r.rule } : {}), ...(r.requiredPlan ? { requiredPlan: r.requiredPlan } : {}) })),
          quota: compiled.plans.get(plan.id)?.quotas.get(action.id) ?? null,
        };
      });
      rows.push({ action: action.id, name: action.name, group: action.group ?? null, option, requiresConfirmation: action.confirm !== undefined, exempt: action.kind === 'free', cells });
    }
  }
  return { rulesetVersion: compiled.version, plans: plans.map((p) => ({ id: p.id, name: p.name })), rows };
}
