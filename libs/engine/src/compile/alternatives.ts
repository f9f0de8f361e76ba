import { PLAN_FACT, type ParamValue } from '@ratecard/dsl';
import type { CellAlternatives } from '../alternatives';
import type { CompiledPlan, Dimension } from '../compiled';
import { costAndLines, type Cell } from '../price';

/** Most (denied × allowed) cell pairs compared per plan; beyond it, only one-parameter changes are tried. */
const MAX_PAIRS = 5_000_000;

/**
 * Stage "alternatives": for every cell denied PLAN_REQUIRED, the cheapest allowed cell of the same
 * plan that changes as few parameters as possible, and the lowest plan whose cell at the same
 * parameters is allowed (and whose quota for the action is not 0). Found among the settled cells,
 * so decisions only look them up. Costs compare at each metered parameter's default quantity.
 * Returns the cells with the denied ones replaced by copies that carry their alternatives.
 */
export function withAlternatives(cells: readonly Cell[], dims: readonly Dimension[], plans: ReadonlyMap<string, CompiledPlan>, actionId: string, defaults: (param: string) => number): Cell[] {
  const out = [...cells];
  const p = dims.findIndex((d) => d.fact === PLAN_FACT);
  if (p < 0) return out;
  const planDim = dims[p];
  const others = dims.filter((_, k) => k !== p);
  const at = (i: number, d: Dimension): number => Math.floor(i / d.stride) % d.values.length;
  const allowed = (c: Cell): boolean => c.denials.length === 0;
  const cost = new Map<Cell, number>();
  const costOf = (c: Cell): number => {
    let mc = cost.get(c);
    if (mc === undefined) cost.set(c, (mc = c.fixed ? c.fixed.mc : costAndLines(c, defaults).mc));
    return mc;
  };
  const open = (plan: string): boolean => plans.get(plan)?.quotas.get(actionId) !== 0;

  for (let pv = 0; pv < planDim.values.length; pv++) {
    const plan = String(planDim.values[pv]);
    const slice: number[] = [];
    for (let i = 0; i < cells.length; i++) if (at(i, planDim) === pv) slice.push(i);
    const denied = slice.filter((i) => cells[i].denials.some((r) => r.code === 'PLAN_REQUIRED'));
    if (denied.length === 0) continue;
    // Cheapest first, so the first allowed cell found with the fewest changes is the cheapest of them.
    const candidates = slice.filter((i) => allowed(cells[i])).sort((a, b) => costOf(cells[a]) - costOf(cells[b]) || a - b);
    const exhaustive = denied.length * candidates.length <= MAX_PAIRS;
    for (const i of denied) {
      let best: number | undefined;
      let fewest = Infinity;
      if (exhaustive) {
        for (const j of candidates) {
          let changes = 0;
          for (const d of others) if (at(i, d) !== at(j, d)) changes++;
          if (changes < fewest) [best, fewest] = [j, changes];
          if (fewest <= 1) break;
        }
      } else {
        for (const d of others) {
          for (let v = 0; v < d.values.length; v++) {
            const j = i + (v - at(i, d)) * d.stride;
            if (j !== i && allowed(cells[j]) && (best === undefined || costOf(cells[j]) < costOf(cells[best]))) best = j;
          }
        }
      }
      const alternatives: { -readonly [K in keyof CellAlternatives]: CellAlternatives[K] } = {};
      if (best !== undefined) {
        const params: Record<string, ParamValue> = {};
        for (const d of others) if (at(i, d) !== at(best, d)) params[d.fact] = d.values[at(best, d)];
        alternatives.change = { cell: cells[best], params, plan };
      }
      for (let up = pv + 1; up < planDim.values.length; up++) {
        const j = i + (up - pv) * planDim.stride;
        const upPlan = String(planDim.values[up]);
        if (allowed(cells[j]) && open(upPlan)) {
          alternatives.upgrade = { cell: cells[j], plan: upPlan };
          break;
        }
      }
      // Not frozen: the alternatives themselves are built on first use (alternatives.ts).
      out[i] = Object.freeze({ ...cells[i], alternatives });
    }
  }
  return out;
}
