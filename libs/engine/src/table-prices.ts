import { formatCredits, type ParamValue, type RuleSet } from '@ratecard/dsl';
import type { CompiledAction, CompiledRuleSet } from './compiled';
import { decide } from './decide';
import { costAndLines, type Cell } from './price';
import type { CreditRange } from './table';

// What the price table reads from the engine: who may use a row, the price of a request, the range
// of prices over cells. The table never prices on its own.

/**
 * Who may use an action (or one value of a parameter): the lowest plan with an allowed cell, read
 * from the settled cells, so gates written as conditions count as much as `requires`.
 */
export function lowestPlan(compiled: CompiledRuleSet, ca: CompiledAction, fact?: string, value?: ParamValue): number | undefined {
  const plans = compiled.ruleset.plans;
  const planDim = ca.dims.find((d) => d.fact === 'plan');
  const factDim = fact === undefined ? undefined : ca.dims.find((d) => d.fact === fact);
  let best = Infinity;
  ca.cells.forEach((cell, i) => {
    if (cell.denials.length > 0) return;
    if (factDim && factDim.values[Math.floor(i / factDim.stride) % factDim.values.length] !== value) return;
    const rank = planDim ? Math.floor(i / planDim.stride) % planDim.values.length : 0;
    if (compiled.plans.get(plans[rank].id)?.quotas.get(ca.action.id) === 0) return;
    best = Math.min(best, rank);
  });
  return best === Infinity ? undefined : best;
}

export function who(rs: RuleSet, rank: number | undefined): { plans: string; lowestPlan: string | null } {
  if (rank === undefined) return { plans: 'not offered', lowestPlan: null };
  return rank === 0 ? { plans: 'all plans', lowestPlan: null } : { plans: `${rs.plans[rank].name}+`, lowestPlan: rs.plans[rank].id };
}

/**
 * The price of a request under the rules themselves (the table never prices on its own): on the
 * lowest plan that may make it, outside every promotion (a plan's own price is shown beside the rate).
 */
export function priceOf(compiled: CompiledRuleSet, action: string, params: Record<string, ParamValue>): number {
  const request = { action, params, confirm: true };
  const plans = compiled.ruleset.plans;
  for (const p of plans) {
    const d = decide(compiled, { plan: p.id, balanceMc: Number.MAX_SAFE_INTEGER, usage: {} }, request, new Date(0));
    if (d.allowed) return d.costMillicredits;
  }
  return decide(compiled, { plan: plans[plans.length - 1].id, balanceMc: Number.MAX_SAFE_INTEGER, usage: {} }, request, new Date(0)).costMillicredits;
}

export function cellCost(ca: CompiledAction, cell: Cell): number {
  if (cell.fixed) return cell.fixed.mc;
  return costAndLines(cell, (name) => Number(ca.params.get(name)?.default ?? 0)).mc;
}

export function cellRange(ca: CompiledAction, cells: readonly Cell[]): CreditRange {
  const costs = cells.map((c) => cellCost(ca, c));
  return { min: Math.min(...costs) / 1000, max: Math.max(...costs) / 1000 };
}

/** The range of a phase action's cost over the combinations its phase leaves open. */
export function phaseRange(compiled: CompiledRuleSet, id: string, fixed: Readonly<Record<string, ParamValue>>): CreditRange {
  const ca = compiled.actions.get(id)!;
  const cells = ca.cells.filter((_, i) => ca.dims.every((d) => d.fact === 'plan' || !(d.fact in fixed) || d.values[Math.floor(i / d.stride) % d.values.length] === fixed[d.fact]));
  const withQuantity = (cell: Cell): number => (cell.fixed ? cell.fixed.mc : costAndLines(cell, (name) => Number(name in fixed ? fixed[name] : ca.params.get(name)?.default ?? 0)).mc);
  const costs = cells.map(withQuantity);
  return { min: Math.min(...costs) / 1000, max: Math.max(...costs) / 1000 };
}

/** `272–304 cr`, or `8 cr` when the range is one price. */
export function showRange(r: CreditRange): string {
  const f = (n: number): string => formatCredits(Math.round(n * 1000), { group: true });
  return r.min === r.max ? `${f(r.min)} cr` : `${f(r.min)}–${f(r.max)} cr`;
}

