import type { Diagnostic } from '@ratecard/dsl';
import type { CompiledAction, CompiledPlan } from '../compiled';

/**
 * Stage "usable": an action that no plan can ever use (every combination denied by gates or
 * conditions, or a quota of 0 everywhere) is a mistake, not a price.
 */
export function checkUsable(actions: ReadonlyMap<string, CompiledAction>, plans: ReadonlyMap<string, CompiledPlan>, diagnostics: Diagnostic[]): void {
  for (const ca of actions.values()) {
    const planDim = ca.dims.findIndex((d) => d.fact === 'plan');
    const usable = [...plans.values()].some((p) => {
      if (p.quotas.get(ca.action.id) === 0) return false;
      if (planDim < 0) return ca.cells.some((c) => c.denials.length === 0);
      const { stride, index } = ca.dims[planDim];
      const at = index.get(p.plan.id)!;
      const size = ca.dims[planDim].values.length;
      return ca.cells.some((c, i) => Math.floor(i / stride) % size === at && c.denials.length === 0);
    });
    if (!usable) {
      diagnostics.push({
        severity: 'error',
        code: 'action-unusable',
        message: `no plan can ever use \`${ca.action.id}\`: every combination is denied or its quota is 0 on every plan`,
        location: ca.action.at,
      });
    }
  }
}
