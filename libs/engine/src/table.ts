import { enumerateValues, formatCredits, formatFactor, UNITS, type Action, type ConditionTree, type CyclePolicy, type Gate, type ParamValue, type Rate, type RuleSet, type Unit } from '@ratecard/dsl';
import type { CompiledAction, CompiledRuleSet } from './compiled';
import { cellRange, lowestPlan, phaseRange, priceOf, showRange, who } from './table-prices';
import { offersTable, type OffersTable } from './table-offers';

export { showRange } from './table-prices';

/** A range of credits. */
export interface CreditRange {
  readonly min: number;
  readonly max: number;
}

/** What a row prices. */
export type PriceRowKind = 'rate' | 'variant' | 'multiplier' | 'composite' | 'condition';

/** One row of the price table. Customer and internal views render the same rows. */
export interface PriceRow {
  /** The action id (the internal view shows it; the customer view never does). */
  readonly action: string;
  readonly kind: PriceRowKind;
  /** What it is, as a customer reads it: `Image generation — Seedream 4.5`, `Upscale (2× or 4×)`. */
  readonly item: string;
  /** As shown: `18 cr`, `0.5 cr per edit`, `32 cr per second`, `2× base`, `272–304 cr`. */
  readonly credits: string;
  /** Rate and variant rows: the rate, its unit and the metered parameter. */
  readonly rate?: { readonly credits: number; readonly unit: Unit; readonly per?: string };
  /** Multiplier rows: the factor, and the parameter values it applies to. */
  readonly factor?: number;
  readonly option?: { readonly param: string; readonly values: readonly string[] };
  /** Composites: every price over the combinations and plans; multiplier rows: over the variants. */
  readonly range?: CreditRange;
  /** A concrete price at the defaults: `256 cr for 8 s` (credits, quantity, unit). */
  readonly example?: { readonly credits: number; readonly quantity?: number; readonly unit?: string; readonly text: string };
  /** Composites: each phase and the range of its price. */
  readonly phases?: readonly { readonly label: string; readonly action: string; readonly range: CreditRange }[];
  /** Who may use it: `all plans`, `Pro+`, `not offered`. */
  readonly plans: string;
  /** The lowest plan that may use it; null when every plan may. */
  readonly lowestPlan: string | null;
  readonly isDefault: boolean;
  /** Notes a customer reads. */
  readonly notes: readonly string[];
  /** Notes for the PM only: conditions as written, confirmation texts, ids. */
  readonly internalNotes: readonly string[];
  /** Numbers of the assumptions (footnotes) this row relies on: internal only. */
  readonly assumptions: readonly number[];
}

/** The price list generated from the rules, in the shape of the Credits Reference. */
export interface PriceTable {
  readonly rulesetVersion: string;
  readonly plans: readonly { id: string; name: string; allowance: number; quotas: readonly { action: string; name: string; count: number }[]; assumptions: readonly number[] }[];
  /** The cycle policy in sentences. */
  readonly cycle: readonly string[];
  readonly cyclePolicy: Omit<CyclePolicy, 'at'>;
  /** "Credits are deducted when you use": the priced actions by section. */
  readonly deducted: readonly { readonly group: string; readonly actions: readonly string[] }[];
  /** Sections in the rules' order. */
  readonly groups: readonly { name: string; rows: readonly PriceRow[] }[];
  readonly free: readonly { action: string; name: string; reason: string }[];
  /** Included usage, promotions and credit packs (table-offers.ts). */
  readonly offers: OffersTable;
  readonly assumptions: readonly { number: number; about: string; text: string }[];
}

/** A note the rules may carry on an action or a rate (`note:`), read when present. */
function noteOf(x: unknown): string | undefined {
  const note = (x as { note?: unknown } | undefined)?.note;
  return typeof note === 'string' && note.trim() ? note.trim() : undefined;
}

const cr = (mc: number): string => `${formatCredits(mc, { group: true })} cr`;
const withUnit = (v: ParamValue, unit: string | undefined): string => (unit ? `${String(v)}${/^[a-z]/i.test(unit) ? ' ' : ''}${unit}` : String(v));

/** A condition in words: `tier = hd and resolution = 720p`. */
export function describeCondition(tree: ConditionTree): string {
  if ('all' in tree) return tree.all.map((t) => ('any' in t ? `(${describeCondition(t)})` : describeCondition(t))).join(' and ');
  if ('any' in tree) return tree.any.map(describeCondition).join(' or ');
  if ('not' in tree) return `not (${describeCondition(tree.not)})`;
  const ops: Record<string, string> = { equal: '=', notEqual: '≠', in: 'in', notIn: 'not in', lessThan: '<', lessThanInclusive: '≤', greaterThan: '>', greaterThanInclusive: '≥', planAtLeast: 'at least', planBelow: 'below' };
  const value = Array.isArray(tree.value) ? `[${tree.value.join(', ')}]` : String(tree.value);
  return `${tree.fact} ${ops[tree.operator] ?? tree.operator} ${value}`;
}

/** The values a condition tests a fact for equality with (`tier = hd`, `resolution in [2k, 4k]`). */
function testedValues(tree: ConditionTree, fact: string): string[] {
  if ('all' in tree) return tree.all.flatMap((t) => testedValues(t, fact));
  if ('any' in tree) return tree.any.flatMap((t) => testedValues(t, fact));
  if ('not' in tree) return [];
  if (tree.fact !== fact) return [];
  if (tree.operator === 'equal') return [String(tree.value)];
  if (tree.operator === 'in' && Array.isArray(tree.value)) return tree.value.map(String);
  return [];
}

/** Every fact a condition reads. */
function factsOf(tree: ConditionTree): string[] {
  if ('all' in tree) return tree.all.flatMap(factsOf);
  if ('any' in tree) return tree.any.flatMap(factsOf);
  if ('not' in tree) return factsOf(tree.not);
  return [tree.fact];
}

/**
 * Builds the price table from a compiled rule set. Composites show the range their phases add up to.
 * With `now`, the promotions that ended are left out and the others say whether they run yet.
 */
export function priceTable(compiled: CompiledRuleSet, options: { now?: Date } = {}): PriceTable {
  const rs = compiled.ruleset;
  const assumptions: { number: number; about: string; text: string }[] = [];
  const assume = (about: string, text: string | undefined): number[] => {
    if (!text) return [];
    assumptions.push({ number: assumptions.length + 1, about, text });
    return [assumptions.length];
  };
  const plans = rs.plans.map((p) => ({
    id: p.id,
    name: p.name,
    allowance: p.allowanceMc / 1000,
    quotas: Object.entries(p.quotas).map(([action, count]) => ({ action, name: rs.actions[action]?.name ?? action, count })),
    assumptions: assume(`${p.name} allowance`, p.assumption),
  }));
  const groups = new Map<string, PriceRow[]>();
  const free: { action: string; name: string; reason: string }[] = [];
  for (const action of Object.values(rs.actions)) {
    if (action.kind === 'free') {
      free.push({ action: action.id, name: action.name, reason: action.free ?? '' });
      continue;
    }
    const group = action.group ?? 'Other';
    groups.set(group, [...(groups.get(group) ?? []), ...actionRows(compiled, action, assume)]);
  }
  const { period, unused, upgrade, upgradeGrant, downgrade } = rs.cycle;
  const ordered = sectionOrder(rs, [...groups.keys()]);
  return {
    rulesetVersion: compiled.version,
    plans,
    cycle: cycleText(rs),
    cyclePolicy: { period, unused, upgrade, upgradeGrant, downgrade },
    deducted: ordered.map((group) => ({ group, actions: [...new Set(groups.get(group)!.map((r) => rs.actions[r.action].name))] })),
    groups: ordered.map((name) => ({ name, rows: groups.get(name)! })),
    free,
    offers: offersTable(compiled, options.now),
    assumptions,
  };
}

/** Groups in the order the rules' `table.sections` set; the others after them, as they first appear. */
function sectionOrder(rs: RuleSet, groups: readonly string[]): string[] {
  const listed = rs.table.sections.map((s) => s.name).filter((n) => groups.includes(n));
  return [...listed, ...groups.filter((g) => !listed.includes(g))];
}

type Assume = (about: string, text: string | undefined) => number[];

/** The rows of one priced or composite action. */
function actionRows(compiled: CompiledRuleSet, action: Action, assume: Assume): PriceRow[] {
  const rs = compiled.ruleset;
  const ca = compiled.actions.get(action.id)!;
  const quota = [
    ...rs.plans.filter((p) => p.quotas[action.id] !== undefined).map((p) => `${p.name}: ${p.quotas[action.id]} per billing cycle`),
    ...rs.plans.filter((p) => p.included[action.id] !== undefined).map((p) => `${p.name}: first ${p.included[action.id]} per billing cycle included`),
  ];
  const confirm = action.confirm ? ['you are asked to confirm before it is charged'] : [];
  const confirmInternal = action.confirm ? [`confirmation required: ${action.confirm}`] : [];
  const described = [noteOf(action), action.description].filter((x): x is string => !!x);
  const actionAssumption = assume(action.name, action.assumption);
  const rows: PriceRow[] = [];
  const gated = (p: { plans: string; lowestPlan: string | null }): string[] => (p.lowestPlan ? [p.plans] : p.plans === 'not offered' ? ['not offered on any plan'] : []);

  if (action.kind === 'composite') {
    const phases = (action.phases ?? []).map((ph) => ({ label: ph.label, action: ph.action, range: phaseRange(compiled, ph.action, ph.with) }));
    const sum = phases.map((ph) => `${ph.label} ${ph.range.max === 0 ? 'free' : showRange(ph.range)}`).join(' + ');
    const p = who(rs, lowestPlan(compiled, ca));
    const range = cellRange(ca, ca.cells);
    rows.push({
      action: action.id,
      kind: 'composite',
      item: action.name,
      credits: showRange(range),
      range,
      phases,
      ...p,
      isDefault: false,
      notes: [...described, ...(phases.length > 1 ? [sum] : []), ...gated(p), ...quota, ...confirm],
      internalNotes: [`sum of its phases: ${sum}`, ...quota, ...confirmInternal],
      assumptions: actionAssumption,
    });
    return rows;
  }

  const price = action.price!;
  const unit = UNITS[(price.rate ?? Object.values(price.variants ?? {})[0]).unit];
  const per = price.per ? action.params[price.per] : undefined;
  const unitText = unit.unit === 'request' ? '' : ` ${unit.words}`;
  /** `16 cr`, with each plan's own price: `16 cr (Premium 15 cr)`. */
  const rateText = (mc: number, plans?: Rate['plans']): string => {
    const own = Object.entries(plans ?? {}).map(([id, p]) => `${rs.plans.find((x) => x.id === id)?.name ?? id} ${cr(p.mc)}${unitText}`);
    return own.length ? `${cr(mc)}${unitText} (${own.join(', ')})` : `${cr(mc)}${unitText}`;
  };
  /** `256 cr for 8 s` at the defaults, with `params` set. */
  const example = (params: Record<string, ParamValue>): PriceRow['example'] | undefined => {
    if (per?.default === undefined) return undefined;
    const mc = priceOf(compiled, action.id, params);
    return { credits: mc / 1000, quantity: Number(per.default), ...(per.unit ? { unit: per.unit } : {}), text: `${cr(mc)} for ${withUnit(per.default, per.unit ?? per.name)}` };
  };
  // Parameters that change nothing about the price name the options in the item: `Upscale (2× or 4×)`.
  const priced = new Set([price.by, price.per, ...action.multipliers.map((m) => m.by), ...action.conditions.flatMap((c) => factsOf(c.when))]);
  const options = Object.values(action.params)
    .filter((p) => !priced.has(p.name) && (enumerateValues(p)?.length ?? 0) > 1 && (enumerateValues(p)?.length ?? 0) <= 4)
    .map((p) => enumerateValues(p)!.map((v) => withUnit(v, p.unit)).join(' or '));
  const name = options.length ? `${action.name} (${options.join('; ')})` : action.name;
  // A deny condition's message goes on the rows it concerns (a variant, a multiplier value) or the first row.
  const denials = action.conditions.filter((c) => c.effect.kind === 'deny');

  if (price.rate) {
    const p = who(rs, lowestPlan(compiled, ca));
    const ex = example({});
    // A label that names the action (`Chat edit (surgical patch)`) is the item; another one is a note.
    const named = !!price.rate.label && price.rate.label !== action.name && price.rate.label.startsWith(action.name);
    const item = named ? price.rate.label! : name;
    const label = price.rate.label && !named && price.rate.label !== action.name ? [price.rate.label] : [];
    rows.push({
      action: action.id,
      kind: 'rate',
      item,
      credits: rateText(price.rate.mc, price.rate.plans),
      rate: { credits: price.rate.mc / 1000, unit: unit.unit, ...(price.per ? { per: price.per } : {}) },
      ...(ex ? { example: ex } : {}),
      ...p,
      isDefault: false,
      notes: [...described, ...label, ...(noteOf(price.rate) ? [noteOf(price.rate)!] : []), ...(ex ? [ex.text] : []), ...gated(p), ...denials.map((c) => (c.effect as { message: string }).message), ...quota, ...confirm],
      internalNotes: [...label, ...(ex ? [ex.text] : []), ...quota, ...confirmInternal],
      assumptions: [...actionAssumption, ...assume(action.name, price.rate.assumption)],
    });
  } else {
    const by = action.params[price.by!];
    const values = enumerateValues(by) ?? [];
    values.forEach((value, i) => {
      const key = String(value);
      const v = price.variants![key];
      if (!v) return;
      const item = `${name} — ${v.label ?? key}`;
      const isDefault = by.default !== undefined && String(by.default) === key;
      const p = who(rs, lowestPlan(compiled, ca, by.name, value));
      const ex = example({ [by.name]: value });
      const denied = denials.filter((c) => testedValues(c.when, by.name).includes(key)).map((c) => (c.effect as { message: string }).message);
      rows.push({
        action: action.id,
        kind: 'variant',
        item,
        credits: rateText(v.mc, v.plans),
        rate: { credits: v.mc / 1000, unit: unit.unit, ...(price.per ? { per: price.per } : {}) },
        option: { param: by.name, values: [key] },
        ...(ex ? { example: ex } : {}),
        ...p,
        isDefault,
        notes: [...(isDefault ? [`default ${by.name}`] : []), ...(i === 0 ? described : []), ...(noteOf(v) ? [noteOf(v)!] : []), ...(ex ? [ex.text] : []), ...gated(p), ...denied, ...quota, ...confirm],
        internalNotes: [...(isDefault ? ['default'] : []), ...(ex ? [ex.text] : []), ...quota, ...confirmInternal],
        assumptions: [...actionAssumption, ...assume(item, v.assumption)],
      });
    });
  }
  rows.push(...multiplierRows(compiled, action, ca, assume));
  for (const c of action.conditions) {
    const e = c.effect;
    const what = e.kind === 'deny' ? `not allowed: ${e.message}` : e.kind === 'requires' ? `${who(rs, rs.plans.findIndex((p) => p.id === e.gate.plan)).plans} only` : e.kind === 'multiply' ? `×${formatFactor(e.factor)}` : `${e.mc < 0 ? '−' : '+'}${formatCredits(Math.abs(e.mc))} cr`;
    const gate = (g: Gate | undefined): ReturnType<typeof who> => who(rs, g ? rs.plans.findIndex((p) => p.id === g.plan) : 0);
    rows.push({
      action: action.id,
      kind: 'condition',
      item: `${action.name} — ${c.label ?? c.id}`,
      credits: e.kind === 'multiply' || e.kind === 'add' ? what : '—',
      ...(e.kind === 'requires' ? gate(e.gate) : gate(action.requires)),
      isDefault: false,
      // A price step shows in the customer view by its label; denials and gates are on the rows they concern.
      notes: [],
      internalNotes: [...(e.kind === 'deny' ? [what] : e.kind === 'requires' ? [`${c.label ?? c.id}: ${what}`] : []), `when ${describeCondition(c.when)}`],
      assumptions: assume(`${action.name}: ${c.label ?? c.id}`, c.assumption),
    });
  }
  return rows;
}

/**
 * Rows for an action's multipliers: values with the same factor and the same plans share a row.
 * A metered price shows the multiplied rate of the default variant and its price at the defaults
 * (`64 cr per second`, `512 cr for 8 s`); a per-request price shows `2× base` and an example.
 */
function multiplierRows(compiled: CompiledRuleSet, action: Action, ca: CompiledAction, assume: Assume): PriceRow[] {
  const rs = compiled.ruleset;
  const price = action.price!;
  const per = price.per ? action.params[price.per] : undefined;
  const by = price.by ? action.params[price.by] : undefined;
  const baseKey = by?.default !== undefined ? String(by.default) : undefined;
  const base = price.rate ?? (baseKey ? price.variants?.[baseKey] : undefined);
  const unit = UNITS[(price.rate ?? Object.values(price.variants ?? {})[0]).unit];
  const rows: PriceRow[] = [];
  for (const m of action.multipliers) {
    const values = enumerateValues(action.params[m.by]) ?? [];
    const sets = new Map<string, { keys: string[]; factor: number; rank: number | undefined }>();
    for (const [key, v] of Object.entries(m.values)) {
      const rank = lowestPlan(compiled, ca, m.by, values.find((x) => String(x) === key));
      const id = `${v.factor}|${rank}`;
      const set = sets.get(id) ?? { keys: [], factor: v.factor, rank };
      set.keys.push(key);
      sets.set(id, set);
    }
    for (const { keys, factor, rank } of sets.values()) {
      const labels = keys.map((k) => m.values[k].label ?? k);
      const all = keys.length === Object.keys(m.values).length && keys.length > 1;
      const item = `${action.name} — ${all ? (m.label ?? labels.join('/')) : labels.join('/')}`;
      const p = who(rs, rank);
      const f = factor / 1000;
      // Concrete prices, from the engine: each variant at the first of these values, at the defaults.
      const at = values.find((x) => String(x) === keys[0])!;
      const variantPrices = by && price.variants ? (enumerateValues(by) ?? []).filter((x) => price.variants![String(x)]).map((x) => priceOf(compiled, action.id, { [m.by]: at, [by.name]: x })) : [priceOf(compiled, action.id, { [m.by]: at })];
      const range = { min: Math.min(...variantPrices) / 1000, max: Math.max(...variantPrices) / 1000 };
      const atDefaults = priceOf(compiled, action.id, { [m.by]: at });
      const baseName = base?.label && price.variants ? ` (${base.label})` : '';
      const credits = per && base ? `${cr(Math.round((base.mc * factor) / 1000))} ${unit.words}` : `${formatFactor(factor)}× base`;
      const example = per?.default !== undefined ? `${cr(atDefaults)} for ${withUnit(per.default, per.unit ?? per.name)}${baseName}` : price.variants && base ? `${base.label ?? baseKey} at ${labels.join(' or ')}: ${cr(atDefaults)}` : `${cr(atDefaults)} at ${labels.join(' or ')}`;
      const denied = action.conditions.filter((c) => c.effect.kind === 'deny' && keys.some((k) => testedValues(c.when, m.by).includes(k))).map((c) => (c.effect as { message: string }).message);
      rows.push({
        action: action.id,
        kind: 'multiplier',
        item,
        credits,
        factor: f,
        option: { param: m.by, values: keys },
        range,
        example: { credits: atDefaults / 1000, ...(per?.default !== undefined ? { quantity: Number(per.default), ...(per.unit ? { unit: per.unit } : {}) } : {}), text: example },
        ...p,
        isDefault: false,
        notes: [example, ...(p.lowestPlan ? [`${p.plans} only`] : []), ...denied],
        internalNotes: [`×${formatFactor(factor)} the base rate`, example],
        assumptions: keys.flatMap((k) => assume(`${action.name} ${m.values[k].label ?? k}`, m.values[k].assumption)),
      });
    }
  }
  return rows;
}

function cycleText(rs: RuleSet): string[] {
  const c = rs.cycle;
  const lines = ['Credits reset at your monthly billing cycle date.'];
  lines.push(c.unused === 'expire' ? 'Unused credits do not roll over to the next cycle.' : 'Unused credits roll over to the next cycle.');
  if (c.upgrade === 'carry-over') {
    lines.push(
      c.upgradeGrant === 'full'
        ? 'When you upgrade mid-cycle, your unused credits stay and the new plan’s full allowance is added at once.'
        : 'When you upgrade mid-cycle, your unused credits stay and the difference to the new plan’s allowance is added at once.',
    );
  } else lines.push('When you upgrade mid-cycle, unused credits expire and the new plan’s allowance is granted.');
  lines.push(c.downgrade === 'next-cycle' ? 'A downgrade takes effect at the next billing date.' : 'A downgrade takes effect at once.');
  return lines;
}
