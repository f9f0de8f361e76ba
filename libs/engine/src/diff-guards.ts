import type { ChangeKind, RuleSetDiff } from './diff';

// What a CI guard (`ratecard diff --fail-on`) reads from a diff: which kinds of change trip it.

/** Kinds a CI guard can fail on (`--fail-on`). */
export type DiffGuard = 'tightened' | 'loosened' | 'price-increase' | 'price-decrease' | 'added' | 'removed' | 'any';
export const DIFF_GUARDS: readonly DiffGuard[] = ['tightened', 'loosened', 'price-increase', 'price-decrease', 'added', 'removed', 'any'];

/**
 * Changes of what requests cost, not of who may make them: the `price-*` guards trip on them (the
 * multipliers' through their cells), the `tightened`/`loosened` guards do not. Included usage counts:
 * fewer free requests is paying more.
 */
const PRICE_KINDS: ReadonlySet<ChangeKind> = new Set<ChangeKind>(['price-increase', 'price-decrease', 'multiplier-changed', 'plan-price-added', 'plan-price-removed', 'plan-price-changed', 'promotion-added', 'promotion-removed', 'promotion-changed', 'included-changed']);

/** Which guards a diff trips, from its rule-level changes and its cells. */
export function trippedGuards(diff: RuleSetDiff, guards: readonly DiffGuard[]): DiffGuard[] {
  const hit = (g: DiffGuard): boolean => {
    switch (g) {
      case 'any':
        return !diff.identical && (diff.rules.length > 0 || diff.cells.length > 0);
      case 'tightened':
        return diff.rules.some((r) => r.direction === 'tightened' && !PRICE_KINDS.has(r.kind)) || diff.cells.some((c) => c.before?.allowed === true && c.after?.allowed !== true);
      case 'loosened':
        return diff.rules.some((r) => r.direction === 'loosened' && !PRICE_KINDS.has(r.kind)) || diff.cells.some((c) => c.before?.allowed !== true && c.after?.allowed === true);
      case 'price-increase':
        return diff.rules.some((r) => r.kind === 'price-increase' || (PRICE_KINDS.has(r.kind) && r.kind !== 'multiplier-changed' && r.direction === 'tightened')) || diff.cells.some((c) => c.before && c.after && c.after.cost > c.before.cost);
      case 'price-decrease':
        return diff.rules.some((r) => r.kind === 'price-decrease' || (PRICE_KINDS.has(r.kind) && r.kind !== 'multiplier-changed' && r.direction === 'loosened')) || diff.cells.some((c) => c.before && c.after && c.after.cost < c.before.cost);
      case 'added':
        return diff.rules.some((r) => r.kind.endsWith('-added'));
      case 'removed':
        return diff.rules.some((r) => r.kind.endsWith('-removed'));
    }
  };
  return guards.filter(hit);
}
