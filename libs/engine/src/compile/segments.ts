import type { Promotion, RuleSet } from '@ratecard/dsl';

/** The segments of one action's timeline, before they are settled. */
export interface Segments {
  /** Where the action's price may change (ms since the epoch), ascending; empty when it never does. */
  readonly starts: readonly number[];
  /** One instant inside each segment (`starts.length + 1` of them), at which the segment is settled. */
  readonly at: readonly number[];
  /** For each segment, the promotions running in it: segments with the same key price alike. */
  readonly keys: readonly string[];
}

const NEVER: Segments = Object.freeze({ starts: [], at: [], keys: [''] });

/**
 * Stage "segments": for every action, the promotions that can change its price (its own and, for a
 * composite, its phases', transitively) and the segments their windows cut time into. `order` lists
 * phases before the composites that use them.
 */
export function segmentsByAction(ruleset: RuleSet, order: readonly string[]): Map<string, Segments> {
  const promotions = new Map<string, Promotion[]>();
  const out = new Map<string, Segments>();
  for (const id of order) {
    const action = ruleset.actions[id];
    const own = action.kind === 'priced' ? ruleset.promotions.filter((p) => p.actions.includes(id)) : [];
    const all = new Set(own);
    for (const phase of action.phases ?? []) for (const p of promotions.get(phase.action) ?? []) all.add(p);
    const list = [...all];
    promotions.set(id, list);
    out.set(id, segmentsOf(list));
  }
  return out;
}

function segmentsOf(promotions: readonly Promotion[]): Segments {
  if (promotions.length === 0) return NEVER;
  const starts = [...new Set(promotions.flatMap((p) => [p.fromMs, p.untilMs]))].sort((a, b) => a - b);
  // Windows are whole milliseconds: the millisecond before the first change is before every window.
  const at = [starts[0] - 1, ...starts];
  const keys = at.map((t) =>
    promotions
      .filter((p) => p.fromMs <= t && t < p.untilMs)
      .map((p) => p.id)
      .sort()
      .join(','),
  );
  return Object.freeze({ starts, at, keys });
}
