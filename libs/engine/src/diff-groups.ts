import { formatCredits, formatInstant, type Param, type ParamValue } from '@ratecard/dsl';
import type { CompiledRuleSet } from './compiled';
import type { CellChange, CellOutcome, ChangeKind, RuleChange } from './diff';

/** How a group of cells changed. */
export type CellGroupKind = 'price-increase' | 'price-decrease' | 'lose-access' | 'gain-access' | 'added' | 'removed' | 'through-phases';

/** Cells of one action that changed the same way, over a box of plan and parameter values. */
export interface CellGroup {
  readonly kind: CellGroupKind;
  /** The action, or for composites changed through their phases, every such composite. */
  readonly actions: readonly string[];
  /** The values the group covers, per dimension (`plan` and each parameter); absent: all of them. */
  readonly scope: Readonly<Record<string, readonly ParamValue[]>>;
  /** `model=flux-pro, every plan and resolution`. */
  readonly where: string;
  /** `+1 cr per 16 cr (+6.3%)`, `0.5 cr → 0.75 cr (+50%)`, `allowed → denied`. */
  readonly change: string;
  /** The price change in percent, when every cell of the group changed by the same share. */
  readonly percent?: number;
  /** The smallest and largest price change in percent (the same for a group of one share). */
  readonly percentRange?: readonly [number, number];
  readonly cells: number;
  /** How many of the cells were allowed before, and are allowed after. */
  readonly allowedBefore: number;
  readonly allowedAfter: number;
  /** The plans the group covers, lowest first. */
  readonly plans: readonly string[];
  /**
   * When the change holds only part of the time: the stretches it holds in (ISO, UTC; `from`
   * inclusive, `until` exclusive; an absent end is open), and them in words
   * (`2026-12-01 to 2027-01-01`). Both absent: at all times.
   */
  readonly windows?: readonly TimeWindow[];
  readonly when?: string;
}

/** A stretch of time: from (inclusive) until (exclusive), ISO in UTC; an absent end is open. */
export interface TimeWindow {
  readonly from?: string;
  readonly until?: string;
}

/** The top of a diff in words: who pays more, who pays less, who gains or loses access. */
export interface DiffSummary {
  readonly payMore: readonly string[];
  readonly payLess: readonly string[];
  readonly loseAccess: readonly string[];
  readonly gainAccess: readonly string[];
  /** Changes no cell shows: allowances, quotas, the cycle policy, included usage, packs, low-balance thresholds. */
  readonly other: readonly string[];
}

type State = 'absent' | 'allowed' | 'denied';
const state = (o: CellOutcome | null): State => (o === null ? 'absent' : o.allowed ? 'allowed' : 'denied');
const mc = (o: CellOutcome): number => Math.round(o.cost * 1000);
const cr = (m: number): string => `${formatCredits(m, { group: true })} cr`;

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a || 1;
}

function kindOf(c: CellChange): { kind: CellGroupKind; ratio?: string } {
  const [a, b] = [state(c.before), state(c.after)];
  if (a === 'absent') return { kind: 'added', ratio: b };
  if (b === 'absent') return { kind: 'removed', ratio: a };
  if (a === 'allowed' && b === 'denied') return { kind: 'lose-access' };
  if (a === 'denied' && b === 'allowed') return { kind: 'gain-access' };
  const [x, y] = [mc(c.before!), mc(c.after!)];
  if (x === 0) return { kind: 'price-increase', ratio: 'from-free' };
  const g = gcd(y - x, x);
  return { kind: y > x ? 'price-increase' : 'price-decrease', ratio: `${(y - x) / g}:${x / g}` };
}

/** The dimensions of an action's cells, with every value either side enumerates, in order. */
interface Dim {
  readonly name: string;
  readonly values: readonly ParamValue[];
  readonly param?: Param;
}

function dimsOf(id: string, a: CompiledRuleSet, b: CompiledRuleSet, cells: readonly CellChange[]): Dim[] {
  const plans = [...new Set([...a.ruleset.plans.map((p) => p.id), ...b.ruleset.plans.map((p) => p.id)])];
  const dims: Dim[] = [{ name: 'plan', values: plans }];
  const names = [...new Set(cells.flatMap((c) => Object.keys(c.params)))].sort();
  for (const name of names) {
    const param = b.actions.get(id)?.params.get(name) ?? a.actions.get(id)?.params.get(name);
    const values: ParamValue[] = [];
    for (const side of [a, b]) {
      for (const d of side.actions.get(id)?.dims ?? []) if (d.fact === name) for (const v of d.values) if (!values.includes(v)) values.push(v);
    }
    for (const c of cells) if (!values.includes(c.params[name])) values.push(c.params[name]);
    dims.push({ name, values, ...(param ? { param } : {}) });
  }
  return dims;
}

/** Merges cells into boxes: sets of values per dimension whose product is exactly the cells. */
function boxes(dims: readonly Dim[], cells: readonly CellChange[]): ParamValue[][][] {
  const coord = (c: CellChange): ParamValue[][] => dims.map((d) => [d.name === 'plan' ? c.plan : c.params[d.name]]);
  let out = cells.map(coord);
  for (let pass = 0; pass < 2; pass++) {
    for (let i = dims.length - 1; i >= 0; i--) {
      const merged = new Map<string, ParamValue[][]>();
      for (const box of out) {
        const key = JSON.stringify(box.map((vs, j) => (j === i ? null : vs)));
        const found = merged.get(key);
        if (found) found[i] = [...found[i], ...box[i].filter((v) => !found[i].includes(v))];
        else merged.set(key, box.map((vs) => [...vs]));
      }
      out = [...merged.values()];
    }
  }
  return out.map((box) => box.map((vs, i) => [...vs].sort((x, y) => dims[i].values.indexOf(x) - dims[i].values.indexOf(y))));
}

/** A continuous parameter: a whole-number range, shown as its range (`1–60 s`). */
const isRange = (d: Dim): boolean => !!d.param && d.param.type === 'integer' && !d.param.values && d.values.every((v) => typeof v === 'number');

function rangeText(d: Dim, vs: readonly ParamValue[]): string {
  const nums = vs as number[];
  const contiguous = nums.every((n, i) => i === 0 || n === nums[i - 1] + 1);
  const unit = d.param?.unit ? ` ${d.param.unit}` : '';
  if (!contiguous) return `${d.name}=${nums.join(',')}`;
  const text = nums.length === 1 ? `${nums[0]}${unit}` : `${nums[0]}–${nums[nums.length - 1]}${unit}`;
  return unit ? text : `${d.name} ${text}`;
}

/** `model=flux-pro, 1–8 s, every plan and resolution`. */
function whereText(dims: readonly Dim[], box: ParamValue[][]): string {
  const fixed: string[] = [];
  const ranges: string[] = [];
  const every: string[] = [];
  box.forEach((vs, i) => {
    const d = dims[i];
    if (isRange(d)) ranges.push(rangeText(d, vs));
    else if (vs.length === d.values.length && d.values.length > 1) every.push(d.name);
    else fixed.push(`${d.name}=${vs.map(String).join(',')}`);
  });
  if (every.length) ranges.push(`every ${every.length === 1 ? every[0] : `${every.slice(0, -1).join(', ')} and ${every[every.length - 1]}`}`);
  return [...fixed, ...ranges].join(', ');
}

function pct(before: number, after: number): number {
  return Math.round(((after - before) / before) * 1000) / 10;
}

function signed(n: number): string {
  return `${n > 0 ? '+' : ''}${n}%`;
}

/** What happened to a group's cells, in words. */
function changeText(kind: CellGroupKind, cells: readonly CellChange[], ratio?: string): { change: string; percent?: number; percentRange?: [number, number] } {
  const before = cells.filter((c) => c.before).map((c) => mc(c.before!));
  const after = cells.filter((c) => c.after).map((c) => mc(c.after!));
  const range = (xs: number[]): string => (Math.min(...xs) === Math.max(...xs) ? cr(xs[0]) : `${formatCredits(Math.min(...xs), { group: true })}–${cr(Math.max(...xs))}`);
  const uniform = new Set(before).size === 1 && new Set(after).size === 1;
  switch (kind) {
    case 'added':
      return { change: `new${ratio === 'denied' ? ', denied' : ''}: ${range(after)}` };
    case 'removed':
      return { change: `removed (was ${ratio === 'denied' ? 'denied, ' : ''}${range(before)})` };
    case 'lose-access':
    case 'gain-access': {
      const reasons = [...new Set(cells.flatMap((c) => (kind === 'lose-access' ? c.after! : c.before!).reasons))];
      const why = reasons.length ? ` (${reasons.join(', ')})` : '';
      const price = before.every((x, i) => x === after[i]) ? range(after) : `${range(before)} → ${range(after)}`;
      return { change: `${kind === 'lose-access' ? `allowed → denied${why}` : `denied${why} → allowed`}, ${price}` };
    }
    default: {
      if (ratio === 'from-free') return { change: `free → ${range(after)}` };
      const [num, den] = ratio!.split(':').map(Number);
      const percent = pct(den, den + num);
      if (uniform) return { change: `${cr(before[0])} → ${after[0] === 0 ? 'free' : cr(after[0])} (${signed(percent)})`, percent, percentRange: [percent, percent] };
      // "+1 cr per 16 cr": the change per the smallest price, when that reads as a simple rate.
      const base = Math.min(...before);
      const delta = Math.round((base * num) / den);
      return { change: `${delta > 0 ? '+' : '-'}${cr(Math.abs(delta))} per ${cr(base)} (${signed(percent)})`, percent, percentRange: [percent, percent] };
    }
  }
}

/**
 * Groups changed cells so a PM reads the diff at a glance: per action, cells that changed the same
 * way (the same share of their price, or the same change of access) over a box of plans and
 * parameter values become one line. Composites whose own rules did not change but whose phases
 * did are one line for all of them ("through their phases").
 */
export function groupCells(cells: readonly CellChange[], rules: readonly RuleChange[], a: CompiledRuleSet, b: CompiledRuleSet): CellGroup[] {
  // Each stretch of time is grouped on its own; groups that changed the same way in several
  // stretches are then one group over all of them (over all time: no window).
  const byWindow = new Map<string, CellChange[]>();
  for (const c of cells) {
    const key = `${c.from ?? ''}|${c.until ?? ''}`;
    byWindow.set(key, [...(byWindow.get(key) ?? []), c]);
  }
  const keys = [...byWindow.keys()].sort((x, y) => (x === '|' ? -1 : y === '|' ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const merged = new Map<string, { group: CellGroup; members: CellChange[]; ratio?: string; regular?: boolean; windows: TimeWindow[] }>();
  for (const key of keys) {
    const list = byWindow.get(key)!;
    const window: TimeWindow = { ...(list[0].from ? { from: list[0].from } : {}), ...(list[0].until ? { until: list[0].until } : {}) };
    for (const g of groupWindow(list, rules, a, b)) {
      const id = [g.group.kind, g.group.actions.join(), g.group.where, g.regular ? (g.ratio ?? '') : g.group.change].join('|');
      const found = merged.get(id);
      if (found) {
        found.members.push(...g.members);
        found.windows.push(window);
      } else merged.set(id, { ...g, members: [...g.members], windows: [window] });
    }
  }
  return [...merged.values()].map(({ group, members, ratio, regular, windows }) => {
    const spans = coalesce(windows);
    const always = spans.length === 1 && !spans[0].from && !spans[0].until;
    const kept = windows.length === 1 ? group : { ...group, ...(regular ? changeText(group.kind, members, ratio) : {}), cells: members.length, ...allowed(members) };
    return always ? kept : { ...kept, windows: spans, when: whenText(spans) };
  });
}

/** Windows in time order, adjacent ones joined. */
function coalesce(windows: readonly TimeWindow[]): TimeWindow[] {
  const sorted = [...windows].sort((x, y) => (!x.from ? -1 : !y.from ? 1 : x.from < y.from ? -1 : 1));
  const out: TimeWindow[] = [];
  for (const w of sorted) {
    const last = out[out.length - 1];
    if (last && last.until !== undefined && last.until === w.from) out[out.length - 1] = { ...(last.from ? { from: last.from } : {}), ...(w.until ? { until: w.until } : {}) };
    else out.push(w);
  }
  return out;
}

/** `2026-12-01 to 2027-01-01`, `until 2026-12-01 and from 2027-01-01`: UTC, days when at midnight. */
export function whenText(windows: readonly TimeWindow[]): string {
  const at = (s: string): string => formatInstant(Date.parse(s));
  return windows.map((w) => (w.from && w.until ? `${at(w.from)} to ${at(w.until)}` : w.from ? `from ${at(w.from)}` : w.until ? `until ${at(w.until)}` : 'at all times')).join(' and ');
}

/** A group of one stretch of time, with its cells and how they changed (`regular`: per box of one action). */
interface Grouped {
  readonly group: CellGroup;
  readonly members: readonly CellChange[];
  readonly ratio?: string;
  readonly regular?: boolean;
}

/** The groups of the cells of one stretch of time. */
function groupWindow(cells: readonly CellChange[], rules: readonly RuleChange[], a: CompiledRuleSet, b: CompiledRuleSet): Grouped[] {
  const groups: Grouped[] = [];
  const isComposite = (id: string): boolean => (b.ruleset.actions[id] ?? a.ruleset.actions[id])?.kind === 'composite';
  const touched = new Set(rules.map((r) => r.subject));
  // A composite's cells that keep their access but change price because a phase did.
  const phaseOnly = (c: CellChange): boolean => viaPhases.has(c.action) && !!c.before && !!c.after && c.before.allowed === c.after.allowed;
  const viaPhases = new Set(cells.filter((c) => isComposite(c.action) && !touched.has(c.action) && c.before && c.after && c.before.allowed === c.after.allowed).map((c) => c.action));
  const plansOrder = [...new Set([...a.ruleset.plans.map((p) => p.id), ...b.ruleset.plans.map((p) => p.id)])];
  // Cells of a plan that one side does not have: one group per plan, all actions at once.
  const plansA = new Set(a.ruleset.plans.map((p) => p.id));
  const plansB = new Set(b.ruleset.plans.map((p) => p.id));
  const planOnly = (c: CellChange): boolean => !plansA.has(c.plan) || !plansB.has(c.plan);
  for (const plan of plansOrder.filter((p) => !plansA.has(p) || !plansB.has(p))) {
    const list = cells.filter((c) => c.plan === plan);
    if (list.length === 0) continue;
    const added = !plansA.has(plan);
    const prices = list.map((c) => mc((added ? c.after : c.before)!));
    const span = Math.min(...prices) === Math.max(...prices) ? cr(prices[0]) : `${formatCredits(Math.min(...prices), { group: true })}–${cr(Math.max(...prices))}`;
    groups.push({ members: list, group: {
      kind: added ? 'added' : 'removed',
      actions: [...new Set(list.map((c) => c.action))],
      scope: { plan: [plan] },
      where: `plan=${plan}, every action`,
      change: added ? `new with the plan: ${span}` : `removed with the plan (was ${span})`,
      cells: list.length,
      ...allowed(list),
      plans: [plan],
    } });
  }
  const byAction = new Map<string, CellChange[]>();
  for (const c of cells) {
    if (phaseOnly(c) || planOnly(c)) continue;
    byAction.set(c.action, [...(byAction.get(c.action) ?? []), c]);
  }
  for (const [id, list] of byAction) {
    const dims = dimsOf(id, a, b, list);
    const bySignature = new Map<string, { kind: CellGroupKind; ratio?: string; cells: CellChange[] }>();
    for (const c of list) {
      const k = kindOf(c);
      const key = `${k.kind}|${k.ratio ?? ''}`;
      const entry = bySignature.get(key) ?? { ...k, cells: [] };
      entry.cells.push(c);
      bySignature.set(key, entry);
    }
    for (const { kind, ratio, cells: members } of bySignature.values()) {
      for (const box of boxes(dims, members)) {
        const inBox = members.filter((c) => dims.every((d, i) => box[i].includes(d.name === 'plan' ? c.plan : c.params[d.name])));
        const scope: Record<string, ParamValue[]> = {};
        box.forEach((vs, i) => {
          if (vs.length !== dims[i].values.length) scope[dims[i].name] = vs;
        });
        groups.push({ members: inBox, ratio, regular: true, group: { kind, actions: [id], scope, where: whereText(dims, box), ...changeText(kind, inBox, ratio), cells: inBox.length, ...allowed(inBox), plans: box[0] as string[] } });
      }
    }
  }
  if (viaPhases.size) {
    const list = cells.filter(phaseOnly);
    const deltas = list.map((c) => mc(c.after!) - mc(c.before!));
    const shares = list.filter((c) => mc(c.before!) > 0).map((c) => pct(mc(c.before!), mc(c.after!)));
    const span = (xs: number[], f: (n: number) => string): string => (Math.min(...xs) === Math.max(...xs) ? f(xs[0]) : `${f(Math.min(...xs))} to ${f(Math.max(...xs))}`);
    const money = (n: number): string => `${n > 0 ? '+' : n < 0 ? '-' : '±'}${cr(Math.abs(n))}`;
    const ids = [...viaPhases].sort();
    groups.push({ members: list, group: {
      kind: 'through-phases',
      actions: ids,
      scope: {},
      where: `${ids.length === 1 ? 'through its phases' : 'through their phases'}`,
      change: `${span(deltas, money)}${shares.length ? ` (${span(shares, signed)})` : ''}`,
      ...(shares.length ? { percentRange: [Math.min(...shares), Math.max(...shares)] as [number, number] } : {}),
      cells: list.length,
      ...allowed(list),
      plans: plansOrder.filter((p) => list.some((c) => c.plan === p)),
    } });
  }
  return groups;
}

function allowed(cells: readonly CellChange[]): { allowedBefore: number; allowedAfter: number } {
  return { allowedBefore: cells.filter((c) => c.before?.allowed).length, allowedAfter: cells.filter((c) => c.after?.allowed).length };
}

/** Rule changes no cell shows (cells price a request after the plan's included usage). */
const UNSEEN: ReadonlySet<ChangeKind> = new Set<ChangeKind>(['allowance-changed', 'quota-changed', 'cycle-changed', 'plan-added', 'plan-removed', 'included-changed', 'pack-added', 'pack-removed', 'pack-changed', 'low-balance-changed']);

/** The diff in words: who pays more or less, who gains or loses access, and what no cell shows. */
export function summarize(groups: readonly CellGroup[], rules: readonly RuleChange[], a: CompiledRuleSet, b: CompiledRuleSet): DiffSummary {
  const allPlans = [...new Set([...a.ruleset.plans.map((p) => p.id), ...b.ruleset.plans.map((p) => p.id)])];
  const name = (id: string): string => (b.ruleset.plans.find((p) => p.id === id) ?? a.ruleset.plans.find((p) => p.id === id))?.name ?? id;
  const who = (plans: readonly string[]): string => (plans.length === allPlans.length ? 'every plan' : plans.map(name).join(plans.length === 2 ? ' and ' : ', '));
  const what = (g: CellGroup): string => {
    if (g.where.endsWith('every action')) return g.kind === 'added' ? 'everything, on a new plan' : 'everything, with the plan';
    const scope = Object.entries(g.scope)
      .filter(([k]) => k !== 'plan')
      .map(([k, vs]) => `${k}=${vs.map(String).join(',')}`);
    return [g.actions.join(' and '), ...scope].join(' ');
  };
  const line = (g: CellGroup, how: string): string => `${who(g.plans)}: ${what(g)}${g.kind === 'through-phases' ? ` through ${g.actions.length === 1 ? 'its' : 'their'} phases` : ''}${how ? ` (${how})` : ''}${g.when ? `, ${g.when}` : ''}`;
  const share = (g: CellGroup): string => (g.change.startsWith('free →') ? 'was free' : g.percentRange ? (g.percentRange[0] === g.percentRange[1] ? signed(g.percentRange[0]) : `${signed(g.percentRange[0])} to ${signed(g.percentRange[1])}`) : '');
  const through = groups.filter((g) => g.kind === 'through-phases');
  return {
    payMore: [...groups.filter((g) => g.kind === 'price-increase').map((g) => line(g, share(g))), ...through.filter((g) => g.change.startsWith('+')).map((g) => line(g, share(g)))],
    payLess: [...groups.filter((g) => g.kind === 'price-decrease').map((g) => line(g, share(g))), ...through.filter((g) => g.change.startsWith('-')).map((g) => line(g, share(g)))],
    loseAccess: groups.filter((g) => g.kind === 'lose-access' || (g.kind === 'removed' && g.allowedBefore > 0)).map((g) => line(g, g.kind === 'removed' && !g.where.endsWith('every action') ? 'removed' : '')),
    gainAccess: groups.filter((g) => g.kind === 'gain-access' || (g.kind === 'added' && g.allowedAfter > 0)).map((g) => line(g, g.kind === 'added' && !g.where.endsWith('every action') ? 'new' : '')),
    other: rules.filter((r) => UNSEEN.has(r.kind)).map((r) => r.summary),
  };
}
