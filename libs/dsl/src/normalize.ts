import { isInexactAmount, isInexactFactor, parseFactor, parseRate, type Unit } from './amounts';
import type { Diagnostic, SourceLocation } from './diagnostics';
import { FileContext, gate, isObject, text, type Mutable, type Raw } from './file-context';
import { normalizeCondition } from './normalize-conditions';
import { normalizePacks, normalizePromotions } from './normalize-offers';
import { normalizeParams } from './normalize-params';
import {
  DEFAULT_CYCLE,
  DEFAULT_TABLE,
  type Action,
  type CyclePolicy,
  type Gate,
  type LowBalanceThreshold,
  type Multiplier,
  type MultiplierValue,
  type Pack,
  type ParamValue,
  type Phase,
  type Plan,
  type PlanRate,
  type Price,
  type Promotion,
  type Rate,
  type RuleSet,
  type TableLayout,
} from './ruleset';
import { meantUnit } from './rate-units';
import type { YamlFile, YamlPath } from './yaml-source';

/**
 * Stage "normalize": turns schema-checked YAML data into the rule set, resolving shorthand, and merges
 * files: `plans` and `cycle` come from one file each, actions from all, one action per id.
 * It is defensive: nodes the schema already rejected are skipped, so every file is still checked.
 */
export function normalize(files: readonly YamlFile[], diagnostics: Diagnostic[]): RuleSet {
  let plans: Plan[] = [];
  let plansAt: SourceLocation | undefined;
  let cycle: CyclePolicy = DEFAULT_CYCLE;
  let cycleAt: SourceLocation | undefined;
  let table: TableLayout = DEFAULT_TABLE;
  const actions: Record<string, Action> = {};
  const packs: Pack[] = [];
  const promotions: Promotion[] = [];

  for (const file of files) {
    const ctx = new FileContext(file, diagnostics);
    const data = file.data;
    if (data === undefined || data === null) continue;
    if (!isObject(data)) continue; // the schema reported it

    if (data.plans !== undefined) {
      const here = ctx.at(['plans'], 'key');
      if (plansAt) ctx.error('plans-redefined', 'plans are already defined in another file', ['plans'], { related: plansAt }, 'key');
      else {
        plansAt = here;
        plans = normalizePlans(ctx, data.plans);
      }
    }
    if (data.cycle !== undefined) {
      const here = ctx.at(['cycle'], 'key');
      if (cycleAt) ctx.error('cycle-redefined', 'the cycle policy is already defined in another file', ['cycle'], { related: cycleAt }, 'key');
      else if (isObject(data.cycle)) {
        cycleAt = here;
        cycle = { ...DEFAULT_CYCLE, ...(data.cycle as Partial<CyclePolicy>), at: here };
      }
    }
    if (data.table !== undefined) {
      if (table.at) ctx.error('table-redefined', 'the table layout is already defined in another file', ['table'], { related: table.at }, 'key');
      else if (isObject(data.table)) {
        const sections = Array.isArray(data.table.sections) ? data.table.sections : [];
        table = {
          sections: sections.flatMap((name, i) => (typeof name === 'string' ? [{ name, at: ctx.at(['table', 'sections', i]) }] : [])),
          at: ctx.at(['table'], 'key'),
        };
      }
    }
    if (isObject(data.actions)) {
      for (const [id, raw] of Object.entries(data.actions)) {
        const existing = actions[id];
        if (existing) {
          ctx.error('duplicate-action', `action \`${id}\` is already defined`, ['actions', id], { related: existing.at }, 'key');
          continue;
        }
        if (!isObject(raw)) continue;
        actions[id] = normalizeAction(ctx, id, raw);
      }
    }
    if (Array.isArray(data.packs)) packs.push(...normalizePacks(ctx, data.packs, packs));
    if (Array.isArray(data.promotions)) promotions.push(...normalizePromotions(ctx, data.promotions, promotions));
  }

  if (!plansAt && files.length > 0) {
    diagnostics.push({
      severity: 'error',
      code: 'missing-plans',
      message: 'no file defines `plans`',
      location: { file: files[0].file, line: 1, column: 1, path: '' },
      hint: 'add `plans:` with at least one plan and its `allowance` to one rule file',
    });
  }
  return { plans, cycle, actions, packs, promotions, table };
}

function normalizePlans(ctx: FileContext, raw: unknown): Plan[] {
  if (!Array.isArray(raw)) return [];
  const plans: Plan[] = [];
  const seen = new Map<string, SourceLocation>();
  raw.forEach((p, i) => {
    if (!isObject(p) || typeof p.id !== 'string') return;
    const path = ['plans', i];
    const first = seen.get(p.id);
    if (first) {
      ctx.error('duplicate-plan', `plan \`${p.id}\` is already on the ladder`, [...path, 'id'], { related: first });
      return;
    }
    seen.set(p.id, ctx.at([...path, 'id']));
    const allowance = parseRate(p.allowance);
    if (isInexactAmount(p.allowance)) ctx.error('invalid-amount', `\`${String(p.allowance)}\` is not an amount of credits with at most three decimals`, [...path, 'allowance']);
    if (allowance && allowance.mc < 0) ctx.error('negative-amount', `plan \`${p.id}\` has a negative allowance`, [...path, 'allowance']);
    const counts = (raw: unknown): Record<string, number> => {
      const out: Record<string, number> = {};
      if (isObject(raw)) for (const [a, n] of Object.entries(raw)) if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) out[a] = n;
      return out;
    };
    plans.push({
      id: p.id,
      name: text(p.name) ?? p.id.charAt(0).toUpperCase() + p.id.slice(1),
      rank: plans.length,
      allowanceMc: Math.max(0, allowance?.mc ?? 0),
      quotas: counts(p.quotas),
      included: counts(p.included),
      includedAt: Object.fromEntries(Object.keys(counts(p.included)).map((a) => [a, ctx.at([...path, 'included', a], 'key')])),
      ...lowBalance(ctx, [...path, 'lowBalance'], p.lowBalance),
      ...(text(p.assumption) ? { assumption: text(p.assumption) } : {}),
      at: ctx.at(path),
    });
  });
  return plans;
}

/** A plan's `lowBalance` thresholds: a list of `10%` (of the allowance) or `50 cr`. Left out when absent. */
function lowBalance(ctx: FileContext, path: YamlPath, raw: unknown): { lowBalance?: LowBalanceThreshold[] } {
  if (!Array.isArray(raw)) return {};
  const one = (v: unknown, at: YamlPath): LowBalanceThreshold | undefined => {
    const share = typeof v === 'string' ? /^\s*(\d+(?:\.\d)?)\s*%\s*$/.exec(v) : null;
    if (share) return { kind: 'share', permille: Math.round(Number(share[1]) * 10), at: ctx.at(at) };
    const credits = parseRate(v);
    return credits && credits.unit === undefined ? { kind: 'credits', mc: credits.mc, at: ctx.at(at) } : undefined;
  };
  const list = raw.map((v, i) => one(v, [...path, i]));
  // The schema reported anything that is not a threshold.
  return list.every((t) => t !== undefined) ? { lowBalance: list as LowBalanceThreshold[] } : {};
}

function normalizeAction(ctx: FileContext, id: string, raw: Raw): Action {
  const base: YamlPath = ['actions', id];
  const at = ctx.at(base, 'key');
  const params = normalizeParams(ctx, base, raw.params);
  const forms = (['price', 'free', 'phases'] as const).filter((k) => raw[k] !== undefined);
  if (forms.length === 0) {
    ctx.error('missing-price', `action \`${id}\` has no \`price\`, \`free\` or \`phases\``, base, { hint: 'give it a price such as `price: 4 cr`, or `free: <why it is free>`' }, 'key');
  } else if (raw.free !== undefined && forms.length > 1) {
    ctx.error('free-with-price', `free action \`${id}\` also has a \`${forms.find((f) => f !== 'free')}\``, [...base, 'free'], {}, 'key');
  } else if (forms.length > 1) {
    ctx.error('conflicting-price', `action \`${id}\` has both \`price\` and \`phases\``, [...base, 'phases'], { hint: 'a composite action costs the sum of its phases; remove `price`' }, 'key');
  }
  const kind = raw.free !== undefined ? 'free' : raw.phases !== undefined ? 'composite' : 'priced';
  if (kind === 'free') {
    for (const k of ['requires', 'multipliers', 'conditions', 'confirm'] as const) {
      if (raw[k] !== undefined) ctx.error('free-with-price', `free action \`${id}\` cannot have \`${k}\`: free actions cost 0 and are allowed on every plan`, [...base, k], {}, 'key');
    }
  }
  const action: Mutable<Action> = {
    id,
    name: text(raw.name) ?? id,
    kind,
    params,
    multipliers: Array.isArray(raw.multipliers) ? raw.multipliers.flatMap((m, i) => normalizeMultiplier(ctx, [...base, 'multipliers', i], m)) : [],
    conditions: Array.isArray(raw.conditions) ? raw.conditions.flatMap((c, i) => normalizeCondition(ctx, [...base, 'conditions', i], c)) : [],
    at,
  };
  if (text(raw.group)) action.group = text(raw.group);
  if (text(raw.description)) action.description = text(raw.description);
  if (text(raw.assumption)) action.assumption = text(raw.assumption);
  if (text(raw.confirm)) action.confirm = text(raw.confirm);
  if (text(raw.note)) action.note = text(raw.note);
  const requires = gate(ctx, [...base, 'requires'], raw.requires);
  if (requires) action.requires = requires;
  if (kind === 'free') action.free = text(raw.free) ?? 'free';
  if (kind === 'priced' && raw.price !== undefined) {
    const price = normalizePrice(ctx, [...base, 'price'], raw.price);
    if (price) action.price = price;
  }
  if (kind === 'composite' && Array.isArray(raw.phases)) {
    action.phases = raw.phases.flatMap((p, i) => normalizePhase(ctx, [...base, 'phases', i], p));
  }
  return action;
}

/** Rates standing in for a rate with a misspelt unit (see {@link rate}). */
const standIns = new WeakSet<Rate>();

function rate(ctx: FileContext, path: YamlPath, raw: unknown, extra: Raw = {}, metered = false): Rate | undefined {
  // A misspelt unit is reported once by the schema stage (`unknown-unit`). The rate stands in with a
  // unit that fits its price (metered with `per`, else per request; a variant takes its siblings'),
  // so nothing later reports the same mistake again (a missing variant, `per` on an unmetered rate).
  const misspelt = meantUnit(raw) !== undefined;
  const parsed = misspelt ? { mc: parseRate(String(raw).split('/')[0])?.mc ?? 0, unit: (metered ? 'second' : 'request') as Unit } : parseRate(raw);
  if (!parsed) {
    if (isInexactAmount(raw)) ctx.error('invalid-amount', `\`${String(raw)}\` is not an amount of credits with at most three decimals`, path);
    return undefined;
  }
  if (parsed.mc < 0) {
    ctx.error('negative-rate', `rate \`${String(raw)}\` is negative`, path, { hint: 'a price cannot be negative; use a condition with `add` for a discount' });
    return undefined;
  }
  const r: Mutable<Rate> = { mc: parsed.mc, unit: parsed.unit ?? 'request', at: ctx.at(path) };
  if (isObject(extra.plans)) r.plans = planRates(ctx, [...path.slice(0, -1), 'plans'], extra.plans);
  if (text(extra.label)) r.label = text(extra.label);
  if (text(extra.assumption)) r.assumption = text(extra.assumption);
  if (text(extra.note)) r.note = text(extra.note);
  const g = gate(ctx, [...path.slice(0, -1), 'requires'], extra.requires);
  if (g) r.requires = g;
  if (misspelt) standIns.add(r);
  return r;
}

/** The per-plan prices under a rate's `plans`, each checked like a rate. */
function planRates(ctx: FileContext, path: YamlPath, raw: Raw): Record<string, PlanRate> {
  const out: Record<string, PlanRate> = {};
  for (const [plan, value] of Object.entries(raw)) {
    const parsed = parseRate(value);
    if (!parsed) {
      if (isInexactAmount(value)) ctx.error('invalid-amount', `\`${String(value)}\` is not an amount of credits with at most three decimals`, [...path, plan]);
      continue;
    }
    if (parsed.mc < 0) {
      ctx.error('negative-rate', `the ${plan} price \`${String(value)}\` is negative`, [...path, plan]);
      continue;
    }
    out[plan] = { mc: parsed.mc, ...(parsed.unit ? { unit: parsed.unit } : {}), at: ctx.at([...path, plan], 'key') };
  }
  return out;
}

function normalizePrice(ctx: FileContext, path: YamlPath, raw: unknown): Price | undefined {
  if (!isObject(raw)) {
    const r = rate(ctx, path, raw);
    return r ? { rate: r, at: ctx.at(path) } : undefined;
  }
  const metered = typeof raw.per === 'string';
  const price: Mutable<Price> = { at: ctx.at(path) };
  if (typeof raw.per === 'string') price.per = raw.per;
  if (raw.rate !== undefined && (raw.by !== undefined || raw.variants !== undefined)) {
    ctx.error('price-shape', 'a price has either one `rate` or `by` with `variants`, not both', path);
    return undefined;
  }
  if (raw.rate !== undefined) {
    const r = rate(ctx, [...path, 'rate'], raw.rate, { label: raw.label, assumption: raw.assumption, plans: raw.plans }, metered);
    if (r) price.rate = r;
    return price;
  }
  if (typeof raw.by !== 'string' || !isObject(raw.variants)) {
    ctx.error('price-shape', 'a price needs a `rate`, or `by` (a parameter) with `variants`', path, { hint: 'e.g. `price: { by: model, variants: { seedream-4.5: 18 cr } }`' });
    return undefined;
  }
  price.by = raw.by;
  price.byAt = ctx.at([...path, 'by']);
  const variants: Record<string, Rate> = {};
  for (const [value, v] of Object.entries(raw.variants)) {
    const vpath = [...path, 'variants', value];
    const r = isObject(v) ? rate(ctx, [...vpath, 'rate'], v.rate, v, metered) : rate(ctx, vpath, v, {}, metered);
    if (r) variants[value] = { ...r, at: ctx.at(vpath, 'key') };
    if (r && standIns.has(r)) standIns.add(variants[value]);
  }
  const unit = Object.values(variants).find((v) => !standIns.has(v))?.unit;
  if (unit) for (const [value, v] of Object.entries(variants)) if (standIns.has(v)) variants[value] = { ...v, unit };
  price.variants = variants;
  return price;
}

function normalizeMultiplier(ctx: FileContext, path: YamlPath, raw: unknown): Multiplier[] {
  if (!isObject(raw) || typeof raw.by !== 'string' || !isObject(raw.values)) return [];
  const values: Record<string, MultiplierValue> = {};
  for (const [value, v] of Object.entries(raw.values)) {
    const vpath = [...path, 'values', value];
    const rawFactor = isObject(v) ? v.factor : v;
    const factor = parseFactor(rawFactor);
    if (factor === undefined) {
      if (isInexactFactor(rawFactor)) ctx.error('invalid-amount', `\`${String(rawFactor)}\` is not a multiplier with at most three decimals`, isObject(v) ? [...vpath, 'factor'] : vpath);
      continue;
    }
    const mv: Mutable<MultiplierValue> = { factor, at: ctx.at(vpath, 'key') };
    if (isObject(v)) {
      if (text(v.label)) mv.label = text(v.label);
      if (text(v.assumption)) mv.assumption = text(v.assumption);
      const g = gate(ctx, [...vpath, 'requires'], v.requires);
      if (g) mv.requires = g;
    }
    values[value] = mv;
  }
  return [{ by: raw.by, ...(text(raw.label) ? { label: text(raw.label) } : {}), values, at: ctx.at(path) }];
}

function normalizePhase(ctx: FileContext, path: YamlPath, raw: unknown): Phase[] {
  if (!isObject(raw) || typeof raw.action !== 'string') return [];
  return [
    {
      label: text(raw.label) ?? '',
      action: raw.action,
      with: isObject(raw.with) ? (raw.with as Record<string, ParamValue>) : {},
      pass: Array.isArray(raw.pass) ? raw.pass.filter((p): p is string => typeof p === 'string') : [],
      at: ctx.at(path),
    },
  ];
}

/** The unit of every rate of a price (they must agree; checked in check-references). */
export function rateUnits(price: Price): Unit[] {
  const rates = price.rate ? [price.rate] : Object.values(price.variants ?? {});
  return [...new Set(rates.map((r) => r.unit))];
}
