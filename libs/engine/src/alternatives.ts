import { formatCredits, formatMoney, type Millicredits, type Pack, type ParamValue } from '@ratecard/dsl';
import type { CompiledRuleSet } from './compiled';
import type { Cell } from './price';
import { MAX_REMEMBERED_QUANTITIES, meteredCostAndLines } from './price';

/**
 * What a denied request could do instead: the next best option for one of its reasons. Every denied
 * decision carries a list of them (empty when there is nothing to offer), in the order of its reasons.
 */
export type Alternative =
  /** PLAN_REQUIRED: the cheapest request this plan may make that changes as few parameters as possible. */
  | { readonly reason: 'PLAN_REQUIRED'; readonly kind: 'change-params'; readonly params: Readonly<Record<string, ParamValue>>; readonly cost: number; readonly costMillicredits: Millicredits; readonly message: string }
  /** PLAN_REQUIRED: the lowest plan that allows the request as asked, and what it costs there. */
  | { readonly reason: 'PLAN_REQUIRED'; readonly kind: 'upgrade'; readonly plan: string; readonly cost: number; readonly costMillicredits: Millicredits; readonly message: string }
  /** INSUFFICIENT_CREDITS: how many credits are missing, and the smallest pack that covers them (when one does). */
  | { readonly reason: 'INSUFFICIENT_CREDITS'; readonly kind: 'top-up'; readonly shortfall: number; readonly shortfallMillicredits: Millicredits; readonly pack?: string; readonly message: string }
  /** QUOTA_EXCEEDED: the quota resets at the next billing date (when the caller gave it). */
  | { readonly reason: 'QUOTA_EXCEEDED'; readonly kind: 'wait'; readonly resetsAt?: string; readonly message: string }
  /** CONFIRMATION_REQUIRED: ask again with `confirm: true`. */
  | { readonly reason: 'CONFIRMATION_REQUIRED'; readonly kind: 'confirm'; readonly message: string };

/** The kinds of alternative, one catalogue. */
export const ALTERNATIVE_KINDS: readonly Alternative['kind'][] = ['change-params', 'upgrade', 'top-up', 'wait', 'confirm'];

/**
 * The alternatives to a PLAN_REQUIRED denial, found among the settled cells at compile time
 * (compile/alternatives.ts) and kept on the denied cell.
 */
export interface CellAlternatives {
  /** The cheapest allowed cell of the same plan with the fewest parameters changed, and those parameters. */
  readonly change?: { readonly cell: Cell; readonly params: Readonly<Record<string, ParamValue>>; readonly plan: string };
  /** The lowest plan whose cell at the same parameters is allowed. */
  readonly upgrade?: { readonly cell: Cell; readonly plan: string };
  /**
   * Both as alternatives, built on first use and kept when neither cell's price depends on a
   * quantity. INVARIANT: a pure function of the cells, so the memo leaves the cell a value.
   */
  settled?: readonly Alternative[];
  /** The same, by quantity, when a cell's price depends on one metered parameter. */
  byQuantity?: Map<number, readonly Alternative[]>;
  /** The metered parameters the alternatives' prices depend on, found on first use. */
  meters?: readonly string[];
}

const cr = (mc: Millicredits): string => `${formatCredits(mc, { group: true })} cr`;

/** The words for changed parameters: `resolution \`1k\``, `model \`flux-pro\` and resolution \`1k\``. */
function changed(params: Readonly<Record<string, ParamValue>>): string {
  const parts = Object.entries(params).map(([k, v]) => `${k} \`${String(v)}\``);
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/**
 * The PLAN_REQUIRED alternatives of a denied cell, priced for the request's quantities: built on
 * first use and kept, for each quantity when a cell is priced by one.
 */
export function planAlternatives(compiled: CompiledRuleSet, alternatives: CellAlternatives, quantity: (param: string) => number): readonly Alternative[] {
  if (alternatives.settled) return alternatives.settled;
  const build = (): readonly Alternative[] =>
    Object.freeze(buildPlanAlternatives(compiled, alternatives, (cell) => (cell.fixed ? cell.fixed.mc : meteredCostAndLines(cell, quantity).mc)).map((a) => Object.freeze(a)));
  const meters = (alternatives.meters ??= [...new Set([alternatives.change, alternatives.upgrade].flatMap((x) => (x?.cell.terms ?? []).flatMap((t) => (t.meter === undefined ? [] : [t.meter]))))]);
  if (meters.length === 0) return (alternatives.settled = build());
  if (meters.length > 1) return build();
  const q = quantity(meters[0]);
  const memo = (alternatives.byQuantity ??= new Map());
  let hit = memo.get(q);
  if (hit === undefined) {
    hit = build();
    if (memo.size < MAX_REMEMBERED_QUANTITIES) memo.set(q, hit);
  }
  return hit;
}

/** Builds the PLAN_REQUIRED alternatives with `costOf` pricing a cell. */
export function buildPlanAlternatives(compiled: CompiledRuleSet | { readonly plans: CompiledRuleSet['plans'] }, a: CellAlternatives, costOf: (cell: Cell) => Millicredits): Alternative[] {
  const name = (plan: string): string => compiled.plans.get(plan)?.plan.name ?? plan;
  const out: Alternative[] = [];
  if (a.change) {
    const mc = costOf(a.change.cell);
    out.push({ reason: 'PLAN_REQUIRED', kind: 'change-params', params: a.change.params, cost: mc / 1000, costMillicredits: mc, message: `${changed(a.change.params)} instead: ${cr(mc)} on ${name(a.change.plan)}` });
  }
  if (a.upgrade) {
    const mc = costOf(a.upgrade.cell);
    out.push({ reason: 'PLAN_REQUIRED', kind: 'upgrade', plan: a.upgrade.plan, cost: mc / 1000, costMillicredits: mc, message: `upgrade to ${name(a.upgrade.plan)}: ${cr(mc)} as asked` });
  }
  return out;
}

/** INSUFFICIENT_CREDITS: the shortfall and the smallest pack that covers it (the first written, on a tie). */
export function topUp(compiled: CompiledRuleSet, costMc: Millicredits, balanceMc: Millicredits): Alternative {
  const shortfall = costMc - balanceMc;
  let best: Pack | undefined;
  for (const p of compiled.packs.values()) if (p.creditsMc >= shortfall && (best === undefined || p.creditsMc < best.creditsMc)) best = p;
  const pack = best ? `: buy ${best.name} (${cr(best.creditsMc)}${best.price ? `, ${formatMoney(best.price)}` : ''})` : '';
  return { reason: 'INSUFFICIENT_CREDITS', kind: 'top-up', shortfall: shortfall / 1000, shortfallMillicredits: shortfall, ...(best ? { pack: best.id } : {}), message: `${cr(shortfall)} short${pack}` };
}

/** QUOTA_EXCEEDED: wait for the next billing date. */
export function waitForReset(cycleEnd: Date | undefined): Alternative {
  const valid = cycleEnd !== undefined && !Number.isNaN(cycleEnd.getTime());
  return valid
    ? { reason: 'QUOTA_EXCEEDED', kind: 'wait', resetsAt: cycleEnd.toISOString(), message: `the quota resets at the next billing date, ${cycleEnd.toISOString()}` }
    : { reason: 'QUOTA_EXCEEDED', kind: 'wait', message: 'the quota resets at the next billing date' };
}

/** CONFIRMATION_REQUIRED: the same request, confirmed. */
export const CONFIRM: Alternative = Object.freeze({ reason: 'CONFIRMATION_REQUIRED', kind: 'confirm', message: 'send the same request with `confirm: true`' });
