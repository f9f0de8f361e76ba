import { enumerateValues, formatCredits, formatFactor, UNITS, type Action, type Gate, type ParamValue, type Rate, type RuleSet, type SourceLocation } from '@ratecard/dsl';
import type { CompiledRuleSet } from './compiled';
import { canonicalForm } from './compile/version';
import { cellChanges } from './diff-cells';
import { offerChanges, planRateChanges } from './diff-offers';
import { groupCells, summarize, type CellGroup, type DiffSummary } from './diff-groups';

/** What kind of change a rule-level change is. */
export type ChangeKind =
  | 'price-increase'
  | 'price-decrease'
  | 'gate-tightened'
  | 'gate-loosened'
  | 'action-added'
  | 'action-removed'
  | 'variant-added'
  | 'variant-removed'
  | 'multiplier-changed'
  | 'exemption-added'
  | 'exemption-removed'
  | 'allowance-changed'
  | 'quota-changed'
  | 'plan-added'
  | 'plan-removed'
  | 'plan-order-changed'
  | 'cycle-changed'
  | 'confirmation-changed'
  | 'condition-changed'
  | 'parameter-changed'
  | 'phases-changed'
  | 'label-changed'
  | 'plan-price-added'
  | 'plan-price-removed'
  | 'plan-price-changed'
  | 'promotion-added'
  | 'promotion-removed'
  | 'promotion-changed'
  | 'included-changed'
  | 'pack-added'
  | 'pack-removed'
  | 'pack-changed'
  | 'low-balance-changed';

/** A change in words a PM reads, with where it is written on each side. */
export interface RuleChange {
  readonly kind: ChangeKind;
  /** The action or plan concerned. */
  readonly subject: string;
  readonly summary: string;
  /** `tightened` denies or charges more; `loosened` less; `neutral` neither. */
  readonly direction: 'tightened' | 'loosened' | 'neutral';
  readonly before?: SourceLocation;
  readonly after?: SourceLocation;
  /** For price and allowance changes, in credits; for included usage, in requests per cycle. */
  readonly from?: number;
  readonly to?: number;
  readonly percent?: number;
}

/** The outcome of one cell: allowed or not (ignoring balance, quota and confirmation) and its price. */
export interface CellOutcome {
  readonly allowed: boolean;
  readonly cost: number;
  readonly reasons: readonly string[];
}

/** A plan × action × parameter combination whose outcome or price differs. */
export interface CellChange {
  readonly action: string;
  readonly plan: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Null when the action, the plan or the parameter combination does not exist on that side. */
  readonly before: CellOutcome | null;
  readonly after: CellOutcome | null;
  /**
   * When the change holds only part of the time (a promotion on one side): from this instant
   * (ISO, UTC, inclusive) until that one (exclusive). Absent `from`: since ever; absent `until`:
   * from then on; both absent: at all times.
   */
  readonly from?: string;
  readonly until?: string;
}

/** Everything that differs between two rule sets. */
export interface RuleSetDiff {
  readonly from: string;
  readonly to: string;
  /** True when the canonical forms are equal: formatting, comments and key order only. */
  readonly identical: boolean;
  readonly rules: readonly RuleChange[];
  readonly cells: readonly CellChange[];
  /** How many cells were compared. */
  readonly cellsCompared: number;
  /** The changed cells grouped by how they changed: what a PM reads first. */
  readonly groups: readonly CellGroup[];
  /** Who pays more or less, who gains or loses access, in words. */
  readonly summary: DiffSummary;
}

export { MAX_DIFF_CELLS_PER_ACTION } from './diff-cells';
export { DIFF_GUARDS, trippedGuards, type DiffGuard } from './diff-guards';

/**
 * Compares two compiled rule sets: rule-level changes (prices, gates, actions, variants,
 * multipliers, exemptions, allowances, quotas, cycle policy, per-plan prices, promotions, included
 * usage, packs, low-balance thresholds, notes, table sections), and every plan × action × enumerable
 * parameter combination whose price or allowed outcome changed, as decided by each side's engine, in
 * every stretch of time where either side's prices differ (a promotion's cells change only inside
 * its window). Metered quantities are taken at their defaults, included usage as spent.
 */
export function diffRuleSets(from: CompiledRuleSet, to: CompiledRuleSet): RuleSetDiff {
  if (from.version === to.version || canonicalForm(from.ruleset) === canonicalForm(to.ruleset)) {
    return { from: from.version, to: to.version, identical: true, rules: [], cells: [], cellsCompared: 0, groups: [], summary: { payMore: [], payLess: [], loseAccess: [], gainAccess: [], other: [] } };
  }
  const rules = [...ruleChanges(from.ruleset, to.ruleset), ...offerChanges(from, to)];
  const { cells, compared } = cellChanges(from, to);
  const groups = groupCells(cells, rules, from, to);
  return { from: from.version, to: to.version, identical: false, rules, cells, cellsCompared: compared, groups, summary: summarize(groups, rules, from, to) };
}

// ------------------------------------------------------------------ rule level

function ruleChanges(a: RuleSet, b: RuleSet): RuleChange[] {
  const out: RuleChange[] = [];
  const rankA = new Map(a.plans.map((p) => [p.id, p.rank]));
  const rankB = new Map(b.plans.map((p) => [p.id, p.rank]));
  const planName = (rs: RuleSet, id: string): string => rs.plans.find((p) => p.id === id)?.name ?? id;

  // Plans.
  for (const p of a.plans) if (!rankB.has(p.id)) out.push({ kind: 'plan-removed', subject: p.id, summary: `plan ${p.name} removed`, direction: 'tightened', before: p.at });
  for (const p of b.plans) if (!rankA.has(p.id)) out.push({ kind: 'plan-added', subject: p.id, summary: `plan ${p.name} added (${cr(p.allowanceMc)} per cycle)`, direction: 'loosened', after: p.at });
  const common = a.plans.filter((p) => rankB.has(p.id)).map((p) => p.id);
  const orderB = b.plans.filter((p) => rankA.has(p.id)).map((p) => p.id);
  if (common.join() !== orderB.join()) {
    out.push({ kind: 'plan-order-changed', subject: 'plans', summary: `plan ladder reordered: ${common.join(' < ')} → ${orderB.join(' < ')}`, direction: 'neutral', before: a.plans[0]?.at, after: b.plans[0]?.at });
  }
  for (const pa of a.plans) {
    const pb = b.plans.find((p) => p.id === pa.id);
    if (!pb) continue;
    if (pa.allowanceMc !== pb.allowanceMc) {
      out.push({
        kind: 'allowance-changed',
        subject: pa.id,
        summary: `${pa.name} allowance ${cr(pa.allowanceMc)} → ${cr(pb.allowanceMc)} (${pct(pa.allowanceMc, pb.allowanceMc)})`,
        direction: pb.allowanceMc < pa.allowanceMc ? 'tightened' : 'loosened',
        before: pa.at,
        after: pb.at,
        from: pa.allowanceMc / 1000,
        to: pb.allowanceMc / 1000,
        ...percent(pa.allowanceMc, pb.allowanceMc),
      });
    }
    for (const action of new Set([...Object.keys(pa.quotas), ...Object.keys(pb.quotas)])) {
      const qa = pa.quotas[action];
      const qb = pb.quotas[action];
      if (qa === qb) continue;
      const show = (q: number | undefined): string => (q === undefined ? 'unlimited' : `${q} per cycle`);
      const tighter = qb !== undefined && (qa === undefined || qb < qa);
      out.push({ kind: 'quota-changed', subject: pa.id, summary: `${pa.name} quota for \`${action}\`: ${show(qa)} → ${show(qb)}`, direction: tighter ? 'tightened' : 'loosened', before: pa.at, after: pb.at });
    }
    if (pa.name !== pb.name) out.push({ kind: 'label-changed', subject: pa.id, summary: `plan \`${pa.id}\` renamed ${pa.name} → ${pb.name}`, direction: 'neutral', before: pa.at, after: pb.at });
  }

  // Cycle policy.
  for (const key of ['period', 'unused', 'upgrade', 'upgradeGrant', 'downgrade'] as const) {
    if (a.cycle[key] !== b.cycle[key]) {
      out.push({ kind: 'cycle-changed', subject: 'cycle', summary: `cycle policy \`${key}\`: ${a.cycle[key]} → ${b.cycle[key]}`, direction: 'neutral', ...loc(a.cycle.at, b.cycle.at) });
    }
  }

  // Actions.
  for (const id of Object.keys(a.actions).sort()) if (!b.actions[id]) out.push({ kind: 'action-removed', subject: id, summary: `action \`${id}\` removed`, direction: 'tightened', before: a.actions[id].at });
  for (const id of Object.keys(b.actions).sort()) {
    const x = a.actions[id];
    const y = b.actions[id];
    if (!x) {
      out.push({ kind: 'action-added', subject: id, summary: `action \`${id}\` added: ${describePrice(y)}`, direction: 'loosened', after: y.at });
      continue;
    }
    out.push(...actionChanges(x, y, a, b, (g) => (g ? { rank: rankA.get(g.plan) ?? 0, name: planName(a, g.plan) } : undefined), (g) => (g ? { rank: rankB.get(g.plan) ?? 0, name: planName(b, g.plan) } : undefined)));
  }
  return out;
}

type GateOf = (g: Gate | undefined) => { rank: number; name: string } | undefined;

function actionChanges(x: Action, y: Action, a: RuleSet, b: RuleSet, gateA: GateOf, gateB: GateOf): RuleChange[] {
  const out: RuleChange[] = [];
  const id = x.id;
  if (x.kind !== y.kind) {
    if (y.kind === 'free') out.push({ kind: 'exemption-added', subject: id, summary: `\`${id}\` is now free: ${y.free}`, direction: 'loosened', before: x.at, after: y.at });
    else if (x.kind === 'free') out.push({ kind: 'exemption-removed', subject: id, summary: `\`${id}\` is no longer free: ${describePrice(y)}`, direction: 'tightened', before: x.at, after: y.at });
    else out.push({ kind: 'phases-changed', subject: id, summary: `\`${id}\` changed from ${x.kind} to ${y.kind} pricing: ${describePrice(y)}`, direction: 'neutral', before: x.at, after: y.at });
    return out;
  }
  const labels = (['name', 'group', 'description'] as const).filter((k) => x[k] !== y[k]);
  if (labels.length) out.push({ kind: 'label-changed', subject: id, summary: `\`${id}\` ${labels.map((k) => `${k} "${x[k] ?? ''}" → "${y[k] ?? ''}"`).join(', ')}`, direction: 'neutral', before: x.at, after: y.at });
  out.push(...gateChange(id, `\`${id}\``, gateA(x.requires), gateB(y.requires), x.requires?.at ?? x.at, y.requires?.at ?? y.at));
  if (x.confirm !== y.confirm) {
    const summary = !x.confirm ? `\`${id}\` now asks for confirmation: ${y.confirm}` : !y.confirm ? `\`${id}\` no longer asks for confirmation` : `\`${id}\` confirmation text changed`;
    out.push({ kind: 'confirmation-changed', subject: id, summary, direction: !x.confirm ? 'tightened' : !y.confirm ? 'loosened' : 'neutral', before: x.at, after: y.at });
  }
  if (x.kind === 'free' && x.free !== y.free) out.push({ kind: 'label-changed', subject: id, summary: `\`${id}\` exemption reason changed`, direction: 'neutral', before: x.at, after: y.at });

  // Parameters.
  for (const name of new Set([...Object.keys(x.params), ...Object.keys(y.params)])) {
    const p = x.params[name];
    const q = y.params[name];
    if (!p) out.push({ kind: 'parameter-changed', subject: id, summary: `\`${id}\` has a new parameter \`${name}\``, direction: q?.default === undefined ? 'tightened' : 'neutral', after: q!.at });
    else if (!q) out.push({ kind: 'parameter-changed', subject: id, summary: `\`${id}\` no longer takes \`${name}\``, direction: 'tightened', before: p.at });
    else {
      const va = (enumerateValues(p) ?? []).map(String);
      const vb = (enumerateValues(q) ?? []).map(String);
      const added = vb.filter((v) => !va.includes(v));
      const removed = va.filter((v) => !vb.includes(v));
      const parts: string[] = [];
      if (added.length) parts.push(`values added ${added.map((v) => `\`${v}\``).join(', ')}`);
      if (removed.length) parts.push(`values removed ${removed.map((v) => `\`${v}\``).join(', ')}`);
      if (p.default !== q.default) parts.push(`default \`${String(p.default ?? '(none)')}\` → \`${String(q.default ?? '(none)')}\``);
      if (p.min !== q.min || p.max !== q.max) parts.push(`range ${p.min ?? '…'}–${p.max ?? '…'} → ${q.min ?? '…'}–${q.max ?? '…'}`);
      if (p.type !== q.type) parts.push(`type ${p.type} → ${q.type}`);
      if (parts.length) out.push({ kind: 'parameter-changed', subject: id, summary: `\`${id}\` parameter \`${name}\`: ${parts.join('; ')}`, direction: removed.length ? 'tightened' : 'neutral', before: p.at, after: q.at });
    }
  }

  // Price.
  const pa = x.price;
  const pb = y.price;
  if (pa && pb) {
    if ((pa.by ?? '') !== (pb.by ?? '') || (pa.per ?? '') !== (pb.per ?? '')) {
      out.push({ kind: 'phases-changed', subject: id, summary: `\`${id}\` is priced differently: ${describePrice(x)} → ${describePrice(y)}`, direction: 'neutral', before: pa.at, after: pb.at });
    } else if (pa.rate && pb.rate) {
      out.push(...rateChange(id, `\`${id}\``, pa.rate, pb.rate, gateA, gateB), ...planRateChanges(id, `\`${id}\``, pa.rate, pb.rate, a, b));
    } else if (pa.variants && pb.variants) {
      for (const key of new Set([...Object.keys(pa.variants), ...Object.keys(pb.variants)])) {
        const ra = pa.variants[key];
        const rb = pb.variants[key];
        const what = `\`${id}\` ${pa.by} \`${key}\``;
        if (!ra) out.push({ kind: 'variant-added', subject: id, summary: `${what} added at ${rateText(rb)}`, direction: 'loosened', after: rb.at });
        else if (!rb) out.push({ kind: 'variant-removed', subject: id, summary: `${what} removed (was ${rateText(ra)})`, direction: 'tightened', before: ra.at });
        else out.push(...rateChange(id, what, ra, rb, gateA, gateB), ...planRateChanges(id, what, ra, rb, a, b));
      }
    }
  }

  // Multipliers, matched by parameter.
  const byA = new Map(x.multipliers.map((m) => [m.by, m]));
  const byB = new Map(y.multipliers.map((m) => [m.by, m]));
  for (const by of new Set([...byA.keys(), ...byB.keys()])) {
    const ma = byA.get(by);
    const mb = byB.get(by);
    if (!ma || !mb) {
      out.push({ kind: 'multiplier-changed', subject: id, summary: `\`${id}\` multiplier by \`${by}\` ${ma ? 'removed' : 'added'}`, direction: 'neutral', ...loc(ma?.at, mb?.at) });
      continue;
    }
    for (const key of new Set([...Object.keys(ma.values), ...Object.keys(mb.values)])) {
      const va = ma.values[key];
      const vb = mb.values[key];
      const fa = va?.factor ?? 1000;
      const fb = vb?.factor ?? 1000;
      if (fa !== fb) {
        out.push({
          kind: 'multiplier-changed',
          subject: id,
          summary: `\`${id}\` ${by} \`${key}\` multiplier ×${formatFactor(fa)} → ×${formatFactor(fb)}`,
          direction: fb > fa ? 'tightened' : 'loosened',
          ...loc(va?.at ?? ma.at, vb?.at ?? mb.at),
          ...percent(fa, fb),
        });
      }
      out.push(...gateChange(id, `\`${id}\` ${by} \`${key}\``, gateA(va?.requires), gateB(vb?.requires), va?.at ?? ma.at, vb?.at ?? mb.at));
    }
  }

  // Conditions, matched by id.
  const ca = new Map(x.conditions.map((c) => [c.id, c]));
  const cb = new Map(y.conditions.map((c) => [c.id, c]));
  for (const cid of new Set([...ca.keys(), ...cb.keys()])) {
    const c1 = ca.get(cid);
    const c2 = cb.get(cid);
    const same = c1 && c2 && canonical(c1) === canonical(c2);
    if (same) continue;
    const what = c1 && c2 ? 'changed' : c1 ? 'removed' : 'added';
    out.push({ kind: 'condition-changed', subject: id, summary: `\`${id}\` condition \`${cid}\` ${what}`, direction: 'neutral', ...loc(c1?.at, c2?.at) });
  }

  // Phases.
  if (x.phases && y.phases && canonical(x.phases) !== canonical(y.phases)) {
    out.push({ kind: 'phases-changed', subject: id, summary: `\`${id}\` phases changed: ${x.phases.map((p) => p.action).join(' + ')} → ${y.phases.map((p) => p.action).join(' + ')}`, direction: 'neutral', before: x.at, after: y.at });
  }
  return out;
}

function rateChange(id: string, what: string, ra: Rate, rb: Rate, gateA: GateOf, gateB: GateOf): RuleChange[] {
  const out: RuleChange[] = [];
  if (ra.mc === rb.mc && ra.unit !== rb.unit) {
    // The same number per another unit is neither dearer nor cheaper as such; the cells show the effect.
    out.push({ kind: 'phases-changed', subject: id, summary: `${what} is priced differently: ${rateText(ra)} → ${rateText(rb)}`, direction: 'neutral', before: ra.at, after: rb.at });
  } else if (ra.mc !== rb.mc) {
    out.push({
      kind: rb.mc > ra.mc ? 'price-increase' : 'price-decrease',
      subject: id,
      summary: `${what}: ${rateText(ra)} → ${rateText(rb)}${ra.unit === rb.unit ? ` (${pct(ra.mc, rb.mc)})` : ''}`,
      direction: rb.mc > ra.mc ? 'tightened' : 'loosened',
      before: ra.at,
      after: rb.at,
      from: ra.mc / 1000,
      to: rb.mc / 1000,
      ...percent(ra.mc, rb.mc),
    });
  }
  if ((ra.label ?? '') !== (rb.label ?? '')) out.push({ kind: 'label-changed', subject: id, summary: `${what} label "${ra.label ?? ''}" → "${rb.label ?? ''}"`, direction: 'neutral', before: ra.at, after: rb.at });
  out.push(...gateChange(id, what, gateA(ra.requires), gateB(rb.requires), ra.at, rb.at));
  return out;
}

function gateChange(subject: string, what: string, a: { rank: number; name: string } | undefined, b: { rank: number; name: string } | undefined, before: SourceLocation, after: SourceLocation): RuleChange[] {
  const ra = a?.rank ?? 0;
  const rb = b?.rank ?? 0;
  if (ra === rb) return [];
  const show = (g: { name: string } | undefined, rank: number): string => (g && rank > 0 ? `${g.name}+` : 'all plans');
  return [
    {
      kind: rb > ra ? 'gate-tightened' : 'gate-loosened',
      subject,
      summary: `${what}: ${show(a, ra)} → ${show(b, rb)}`,
      direction: rb > ra ? 'tightened' : 'loosened',
      before,
      after,
    },
  ];
}

// ------------------------------------------------------------------ helpers

function cr(mc: number): string {
  return `${formatCredits(mc, { group: true })} cr`;
}

function rateText(r: Rate): string {
  const sym = UNITS[r.unit].symbol;
  return `${formatCredits(r.mc, { group: true })} cr${sym ? '/' + sym : ''}`;
}

function describePrice(a: Action): string {
  if (a.kind === 'free') return `free (${a.free})`;
  if (a.kind === 'composite') return `sum of ${(a.phases ?? []).map((p) => `\`${p.action}\``).join(' + ')}`;
  const p = a.price!;
  if (p.rate) return rateText(p.rate);
  return `by \`${p.by}\`: ${Object.entries(p.variants ?? {})
    .map(([k, r]) => `${k} ${rateText(r)}`)
    .join(', ')}`;
}

function pct(a: number, b: number): string {
  if (a === 0) return 'new';
  const v = Math.round(((b - a) / a) * 1000) / 10;
  return `${v > 0 ? '+' : ''}${v}%`;
}

function percent(a: number, b: number): { percent?: number } {
  return a === 0 ? {} : { percent: Math.round(((b - a) / a) * 1000) / 10 };
}

function loc(before: SourceLocation | undefined, after: SourceLocation | undefined): { before?: SourceLocation; after?: SourceLocation } {
  return { ...(before ? { before } : {}), ...(after ? { after } : {}) };
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (k, v: unknown) => (k === 'at' || k === 'leavesAt' || k === 'byAt' ? undefined : v));
}
