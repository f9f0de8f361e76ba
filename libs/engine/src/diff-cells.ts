import { enumerateValues, type ParamValue } from '@ratecard/dsl';
import type { CompiledAction, CompiledRuleSet } from './compiled';
import { decide } from './decide';
import type { CellChange, CellOutcome } from './diff';
import type { Cell } from './price';
import { cellsAt } from './timeline';

/** Cells compared per action at most; beyond it the diff reports the rule-level changes only. */
export const MAX_DIFF_CELLS_PER_ACTION = 20_000;

/** Before every instant a Date holds: the first segment of time. */
const EARLIEST = -8.64e15;

/** One stretch of time between two instants where either side's prices of an action change. */
interface Span {
  readonly from?: number;
  readonly until?: number;
  /** The cells each side prices with in this stretch (shared arrays: equal keys, equal cells). */
  readonly key: string;
}

/**
 * Every plan × parameter cell of every action whose outcome differs, in every stretch of time
 * between the instants where either side's prices change (promotions starting or ending). Stretches
 * priced by the same cells on both sides are compared once; a cell whose change is the same at all
 * times has no window, one that changes only in some stretches carries each run of them as
 * `from`/`until`.
 */
export function cellChanges(a: CompiledRuleSet, b: CompiledRuleSet): { cells: CellChange[]; compared: number } {
  const cells: CellChange[] = [];
  let compared = 0;
  const plans = [...new Set([...a.plans.keys(), ...b.plans.keys()])];
  const ids = [...new Set([...a.actions.keys(), ...b.actions.keys()])].sort();
  for (const id of ids) {
    const ca = a.actions.get(id);
    const cb = b.actions.get(id);
    const params = new Map<string, ParamValue[]>();
    for (const side of [ca, cb]) {
      for (const p of side?.params.values() ?? []) {
        const values = enumerateValues(p);
        if (!values) continue;
        const known = params.get(p.name) ?? [];
        for (const v of values) if (!known.includes(v)) known.push(v);
        params.set(p.name, known);
      }
    }
    const names = [...params.keys()].sort();
    const total = names.reduce((n, k) => n * params.get(k)!.length, plans.length);
    if (total > MAX_DIFF_CELLS_PER_ACTION) continue;
    const combos: Record<string, ParamValue>[] = [];
    const walk = (i: number, combo: Record<string, ParamValue>): void => {
      if (i === names.length) combos.push(combo);
      else for (const v of params.get(names[i])!) walk(i + 1, { ...combo, [names[i]]: v });
    };
    walk(0, {});

    const spans = spansOf(ca, cb);
    /** Per pair of cell arrays: the changed cells, by position (combo × plan). */
    const byPair = new Map<string, Map<number, readonly [CellOutcome | null, CellOutcome | null]>>();
    for (const span of spans) {
      if (byPair.has(span.key)) continue;
      const t = new Date(span.from ?? EARLIEST);
      const changed = new Map<number, readonly [CellOutcome | null, CellOutcome | null]>();
      combos.forEach((combo, i) =>
        plans.forEach((plan, j) => {
          compared++;
          const before = outcome(a, ca, plan, combo, t);
          const after = outcome(b, cb, plan, combo, t);
          if (!same(before, after)) changed.set(i * plans.length + j, [before, after]);
        }),
      );
      byPair.set(span.key, changed);
    }
    const positions = [...new Set([...byPair.values()].flatMap((m) => [...m.keys()]))].sort((x, y) => x - y);
    for (const pos of positions) {
      const base = { action: id, plan: plans[pos % plans.length], params: { ...combos[Math.floor(pos / plans.length)] } };
      // Runs of consecutive spans with the same change; a run over every span holds at all times.
      let run: { first: number; change: readonly [CellOutcome | null, CellOutcome | null] } | undefined;
      const close = (end: number): void => {
        if (!run) return;
        const from = spans[run.first].from;
        const until = spans[end - 1].until;
        cells.push({ ...base, before: run.change[0], after: run.change[1], ...(from !== undefined ? { from: iso(from) } : {}), ...(until !== undefined ? { until: iso(until) } : {}) });
        run = undefined;
      };
      spans.forEach((span, k) => {
        const change = byPair.get(span.key)!.get(pos);
        if (run && change && same(run.change[0], change[0]) && same(run.change[1], change[1])) return;
        close(k);
        if (change) run = { first: k, change };
      });
      close(spans.length);
    }
  }
  return { cells, compared };
}

/** The stretches of time of one action: split at every instant where either side's prices change. */
function spansOf(ca: CompiledAction | undefined, cb: CompiledAction | undefined): Span[] {
  const instants = [...new Set([...(ca?.timeline?.starts ?? []), ...(cb?.timeline?.starts ?? [])])].sort((x, y) => x - y);
  const ids = new Map<readonly Cell[], number>();
  const idOf = (side: CompiledAction | undefined, t: number): number => {
    if (!side) return -1;
    const cells = cellsAt(side, t);
    let n = ids.get(cells);
    if (n === undefined) ids.set(cells, (n = ids.size));
    return n;
  };
  const spans: Span[] = [];
  for (let k = 0; k <= instants.length; k++) {
    const from = k === 0 ? undefined : instants[k - 1];
    const until = k === instants.length ? undefined : instants[k];
    const t = from ?? EARLIEST;
    spans.push({ ...(from !== undefined ? { from } : {}), ...(until !== undefined ? { until } : {}), key: `${idOf(ca, t)}:${idOf(cb, t)}` });
  }
  return spans;
}

/**
 * One side's outcome of a cell at instant `t`: allowed or not and the price, with an unlimited
 * balance and the plan's included usage of the action spent (the price a request pays once the free
 * ones are used; the included counts are a rule-level change). Null when the side does not have the
 * action, the plan or the combination.
 */
function outcome(side: CompiledRuleSet, act: CompiledAction | undefined, plan: string, combo: Record<string, ParamValue>, t: Date): CellOutcome | null {
  if (!act) return null;
  const compiledPlan = side.plans.get(plan);
  if (!compiledPlan) return null;
  const id = act.action.id;
  const own: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(combo)) if (act.params.has(k)) own[k] = v;
  const limits = compiledPlan.perCycle.get(id);
  // A quota at or below the included count leaves no paid request: every allowed one is free.
  const spent = limits?.included !== undefined && limits.included < (limits.quota ?? Infinity) ? limits.included : 0;
  const d = decide(side, { plan, balanceMc: Number.MAX_SAFE_INTEGER, usage: spent ? { [id]: spent } : {} }, { action: id, params: own, confirm: true }, t);
  // A combination this side does not offer (a value it does not declare, a deny condition) has no price to compare.
  if (d.reasons.some((r) => r.code === 'INVALID_PARAMS')) return null;
  return { allowed: d.allowed, cost: d.cost, reasons: d.reasons.map((r) => r.code) };
}

function same(x: CellOutcome | null, y: CellOutcome | null): boolean {
  return x?.allowed === y?.allowed && x?.cost === y?.cost;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
