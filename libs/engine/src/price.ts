import { formatCredits, formatFactor, UNITS, type Millicredits, type Permille, type Unit } from '@ratecard/dsl';
import type { CellAlternatives } from './alternatives';
import type { BreakdownLine, Reason } from './decision';

/** A step applied to a running subtotal: a multiplier or an addition. */
export type Step =
  | { readonly kind: 'factor'; readonly permille: Permille; readonly label: string; readonly rule: string; readonly assumption?: string; /** How the receipt shows it instead of `×0.5`, e.g. `-50%`. */ readonly shown?: string }
  | { readonly kind: 'add'; readonly mc: Millicredits; readonly label: string; readonly rule: string; readonly assumption?: string };

/**
 * One priced term of a cell: a rate, optionally metered by a quantity parameter, then steps.
 * A simple action has one term; a composite has one per priced phase.
 */
export interface Term {
  readonly label: string;
  readonly rateMc: Millicredits;
  readonly unit: Unit;
  /** The request parameter that gives the quantity, for metered units. */
  readonly meter?: string;
  /** The quantity of a metered unit fixed at compile time (a composite phase with `with: { seconds: 8 }`). */
  readonly quantity?: number;
  /** Display unit of the quantity (`s`). */
  readonly meterUnit?: string;
  readonly steps: readonly Step[];
  /** Prefix for receipt lines, e.g. `Hero image: `. */
  readonly prefix: string;
  readonly rule: string;
  /** Set when the rate is marked as an assumption in the rules. */
  readonly assumption?: string;
}

/** Everything about a request that the finite parameters settle: computed at compile time. */
export interface Cell {
  readonly exempt: boolean;
  readonly denials: readonly Reason[];
  readonly terms: readonly Term[];
  /** Receipt lines of a free action (or free phases), cost 0. */
  readonly freeLines: readonly { readonly index: number; readonly line: BreakdownLine }[];
  /**
   * Set when no term is metered: the cost does not depend on any quantity. The receipt is built on
   * first use and kept (most cells of a large rule set are never asked for).
   */
  readonly fixed?: { readonly mc: Millicredits; breakdown?: readonly BreakdownLine[] };
  /**
   * For a cell metered by one parameter: results already computed, by quantity. Filled lazily;
   * each entry is a pure function of the cell and the quantity, so the cell stays a value.
   */
  readonly byQuantity?: Map<number, { readonly mc: Millicredits; readonly breakdown: readonly BreakdownLine[] }>;
  /** For a cell denied PLAN_REQUIRED: what this plan could ask for instead, and which plan allows it. */
  readonly alternatives?: CellAlternatives;
}

/** Most quantities remembered per metered cell (metered parameters are bounded, usually 1 to 8 s). */
export const MAX_REMEMBERED_QUANTITIES = 256;

/** Integer division rounding up: amounts are never fractional millicredits, and rounding favours no one twice. */
function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}

/**
 * The base amount of a term for a quantity: `rate × quantity / unit size`, rounded up to a millicredit.
 * INVARIANT: inputs are safe integers and the product stays below 2^53 (rates and meters are bounded).
 */
export function baseAmount(term: Term, quantity: number): Millicredits {
  const info = UNITS[term.unit];
  return info.metered ? ceilDiv(term.rateMc * quantity, info.size) : term.rateMc;
}

/** Applies a term's steps to its base amount; never below zero. */
export function applySteps(steps: readonly Step[], base: Millicredits): Millicredits {
  let sub = base;
  for (const s of steps) sub = s.kind === 'factor' ? ceilDiv(sub * s.permille, 1000) : sub + s.mc;
  return sub < 0 ? 0 : sub;
}

/** Cost of a term in millicredits, without building the receipt. */
export function termCost(term: Term, quantity: number): Millicredits {
  return applySteps(term.steps, baseAmount(term, quantity));
}

/** The receipt lines of a term; their credits sum to {@link termCost}. */
export function termLines(term: Term, quantity: number): BreakdownLine[] {
  const info = UNITS[term.unit];
  const base = baseAmount(term, quantity);
  const cr = (mc: Millicredits): string => formatCredits(mc, { group: true });
  const rate = `${cr(term.rateMc)} cr${info.symbol ? '/' + info.symbol : ''}`;
  const first = info.metered
    ? `${term.prefix}${term.label} ${rate} × ${quantity.toLocaleString('en-US')}${term.meterUnit ? ' ' + term.meterUnit : ''} = ${cr(base)}`
    : `${term.prefix}${term.label} ${rate}`;
  const lines: BreakdownLine[] = [{ label: first, credits: base / 1000, rule: term.rule, ...(term.assumption ? { assumption: term.assumption } : {}) }];
  let sub = base;
  for (const s of term.steps) {
    const next = s.kind === 'factor' ? ceilDiv(sub * s.permille, 1000) : sub + s.mc;
    const how = s.kind === 'factor' ? (s.shown ?? `×${formatFactor(s.permille)}`) : `${s.mc < 0 ? '-' : '+'}${cr(Math.abs(s.mc))}`;
    lines.push({ label: `${term.prefix}${s.label} ${how} = ${cr(next)}`, credits: (next - sub) / 1000, rule: s.rule, ...(s.assumption ? { assumption: s.assumption } : {}) });
    sub = next;
  }
  if (sub < 0) lines.push({ label: `${term.prefix}never below zero = 0`, credits: -sub / 1000, rule: term.rule });
  return lines;
}

/**
 * Settles the fixed part of a cell when no term is metered: its cost now, its receipt on first use.
 * INVARIANT: every cell has the same properties in the same order (absent ones undefined), so all
 * cells share one hidden class and decide's reads of them stay monomorphic in V8.
 */
export function withFixed(cell: Omit<Cell, 'fixed' | 'byQuantity' | 'alternatives'>): Cell {
  const base = { exempt: cell.exempt, denials: cell.denials, terms: cell.terms, freeLines: cell.freeLines };
  const meters = new Set(cell.terms.flatMap((t) => (t.meter === undefined ? [] : [t.meter])));
  if (meters.size === 1) return { ...base, fixed: undefined, byQuantity: new Map(), alternatives: undefined };
  if (meters.size > 1) return { ...base, fixed: undefined, byQuantity: undefined, alternatives: undefined };
  let mc = 0;
  for (const t of cell.terms) mc += termCost(t, t.quantity ?? 1);
  return { ...base, fixed: { mc }, byQuantity: undefined, alternatives: undefined };
}

/** The receipt of a fixed cell, built once. INVARIANT: shared by every decision on the cell, so frozen. */
export function fixedBreakdown(cell: Cell): readonly BreakdownLine[] {
  const fixed = cell.fixed!;
  return (fixed.breakdown ??= freezeLines(costAndLines(cell, () => 1).breakdown));
}

/** Cost and receipt of a cell for the given quantities (by parameter name). */
export function costAndLines(cell: Omit<Cell, 'fixed' | 'byQuantity'>, quantity: (param: string) => number): { mc: Millicredits; breakdown: BreakdownLine[] } {
  let mc = 0;
  const breakdown: BreakdownLine[] = [];
  let free = 0;
  cell.terms.forEach((term, i) => {
    while (free < cell.freeLines.length && cell.freeLines[free].index <= i) breakdown.push(cell.freeLines[free++].line);
    const q = term.meter === undefined ? (term.quantity ?? 1) : quantity(term.meter);
    mc += termCost(term, q);
    breakdown.push(...termLines(term, q));
  });
  while (free < cell.freeLines.length) breakdown.push(cell.freeLines[free++].line);
  return { mc, breakdown };
}

/** Cost and receipt of a metered cell, remembered per quantity when the cell has one meter. */
export function meteredCostAndLines(cell: Cell, quantity: (param: string) => number): { readonly mc: Millicredits; readonly breakdown: readonly BreakdownLine[] } {
  const memo = cell.byQuantity;
  if (memo === undefined) return costAndLines(cell, quantity);
  const meter = cell.terms.find((t) => t.meter !== undefined)!.meter!;
  const q = quantity(meter);
  let hit = memo.get(q);
  if (hit === undefined) {
    const computed = costAndLines(cell, quantity);
    hit = Object.freeze({ mc: computed.mc, breakdown: freezeLines(computed.breakdown) });
    if (memo.size < MAX_REMEMBERED_QUANTITIES) memo.set(q, hit);
  }
  return hit;
}

function freezeLines(lines: BreakdownLine[]): readonly BreakdownLine[] {
  for (const l of lines) Object.freeze(l);
  return Object.freeze(lines);
}
