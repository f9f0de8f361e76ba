import { isInexactAmount, minorDigits, parseGate, parseMoney, parseRate, parseValidity } from './amounts';
import { FileContext, isObject, text, type Mutable } from './file-context';
import type { Pack, Promotion, PromotionDiscount } from './ruleset';

/**
 * Stage "normalize", the catalogue part: credit packs (`packs:`), which may be written in any file.
 * `earlier` holds the packs of files already read, so an id is unique across the rule set.
 */
export function normalizePacks(ctx: FileContext, raw: readonly unknown[], earlier: readonly Pack[]): Pack[] {
  const packs: Pack[] = [];
  raw.forEach((p, i) => {
    if (!isObject(p) || typeof p.id !== 'string') return;
    const path = ['packs', i];
    const first = [...earlier, ...packs].find((x) => x.id === p.id);
    if (first) {
      ctx.error('duplicate-pack', `pack \`${p.id}\` is already on the catalogue`, [...path, 'id'], { related: first.at });
      return;
    }
    const credits = parseRate(p.credits);
    if (credits === undefined) {
      if (isInexactAmount(p.credits)) ctx.error('invalid-amount', `\`${String(p.credits)}\` is not an amount of credits with at most three decimals`, [...path, 'credits']);
      return;
    }
    if (credits.mc <= 0) {
      ctx.error('empty-pack', `pack \`${p.id}\` grants ${credits.mc < 0 ? 'a negative amount of' : 'no'} credits`, [...path, 'credits']);
      return;
    }
    if (p.valid === undefined) {
      ctx.error('pack-without-validity', `pack \`${p.id}\` does not say how long its credits stay valid`, path, {
        hint: 'add `valid: 90 days` (or `valid: never` for credits that never expire)',
      });
      return;
    }
    const validDays = parseValidity(p.valid);
    if (validDays === undefined) return; // the schema reported it
    const pack: Mutable<Pack> = { id: p.id, name: text(p.name) ?? p.id, creditsMc: credits.mc, validDays, at: ctx.at(path) };
    if (p.price !== undefined) {
      const price = parseMoney(p.price);
      if (!price) {
        const currency = typeof p.price === 'string' ? /^\s*([A-Z]{3})\s/.exec(p.price)?.[1] : undefined;
        if (currency) ctx.error('invalid-price', `\`${String(p.price)}\` is not an amount of ${currency} with at most ${minorDigits(currency)} decimals`, [...path, 'price']);
        return;
      }
      pack.price = price;
    }
    if (text(p.note)) pack.note = text(p.note);
    packs.push(pack);
  });
  return packs;
}

/** How an instant is written: the schema's pattern for `from` and `until`. */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?Z)?$/;

/**
 * Parses an instant written in a rule file: a date (`2026-12-01`, midnight UTC) or a UTC date and
 * time (`2026-12-01T09:00Z`, `2026-12-01T09:00:00Z`). Milliseconds since the epoch, or undefined
 * when it is not one of those or not a real date (`2026-02-30`).
 */
export function parseInstant(input: unknown): number | undefined {
  if (typeof input !== 'string') return undefined;
  const m = INSTANT.exec(input.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  const real = back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && back.getUTCHours() === h && back.getUTCMinutes() === mi && back.getUTCSeconds() === s;
  return real ? ms : undefined;
}

/**
 * Stage "normalize", promotions (`promotions:`), which may be written in any file. `earlier` holds
 * the promotions of files already read, so an id is unique across the rule set. References (actions,
 * variants, plans) and overlaps are checked once every file is read (check-offers.ts).
 */
export function normalizePromotions(ctx: FileContext, raw: readonly unknown[], earlier: readonly Promotion[]): Promotion[] {
  const out: Promotion[] = [];
  raw.forEach((p, i) => {
    if (!isObject(p) || typeof p.id !== 'string') return;
    const path = ['promotions', i];
    const first = [...earlier, ...out].find((x) => x.id === p.id);
    if (first) {
      ctx.error('duplicate-promotion', `promotion \`${p.id}\` is already defined`, [...path, 'id'], { related: first.at });
      return;
    }
    const when = (key: 'from' | 'until'): number | undefined => {
      const ms = parseInstant(p[key]);
      if (ms === undefined && typeof p[key] === 'string' && INSTANT.test((p[key] as string).trim())) {
        ctx.error('invalid-date', `\`${String(p[key])}\` is not a date`, [...path, key]);
      }
      return ms;
    };
    const fromMs = when('from');
    const untilMs = when('until');
    if (fromMs === undefined || untilMs === undefined || !Array.isArray(p.actions)) return;
    let discount: PromotionDiscount | undefined;
    if (p.discount !== undefined) {
      const m = /^\s*(\d{1,3}(?:\.\d)?)\s*%\s*$/.exec(String(p.discount));
      const off = m ? Math.round(Number(m[1]) * 10) : undefined;
      if (off === undefined) return; // the schema reported it
      if (off <= 0 || off > 1000) {
        ctx.error('discount-out-of-range', `a discount of \`${String(p.discount)}\` is not between 0% and 100%`, [...path, 'discount'], { hint: 'a promotion lowers a price; a discount is more than 0% and at most 100%' });
        return;
      }
      discount = { kind: 'percent', offPermille: off };
    } else if (p.rate !== undefined) {
      const parsed = parseRate(p.rate);
      if (!parsed) {
        if (isInexactAmount(p.rate)) ctx.error('invalid-amount', `\`${String(p.rate)}\` is not an amount of credits with at most three decimals`, [...path, 'rate']);
        return;
      }
      if (parsed.mc < 0) {
        ctx.error('negative-rate', `sale rate \`${String(p.rate)}\` is negative`, [...path, 'rate']);
        return;
      }
      discount = { kind: 'rate', mc: parsed.mc, ...(parsed.unit ? { unit: parsed.unit } : {}) };
    }
    if (!discount) return;
    const strings = (list: unknown[]): string[] => list.map(String);
    const promotion: Mutable<Promotion> = {
      id: p.id,
      label: text(p.label) ?? p.id,
      fromMs,
      untilMs,
      actions: strings(p.actions),
      discount,
      at: ctx.at(path),
      untilAt: ctx.at([...path, 'until']),
      actionsAt: p.actions.map((_, j) => ctx.at([...path, 'actions', j])),
      discountAt: ctx.at([...path, p.discount !== undefined ? 'discount' : 'rate']),
    };
    if (Array.isArray(p.variants)) {
      promotion.variants = strings(p.variants);
      promotion.variantsAt = p.variants.map((_, j) => ctx.at([...path, 'variants', j]));
    }
    if (Array.isArray(p.plans)) {
      promotion.plans = strings(p.plans);
      promotion.plansAt = p.plans.map((_, j) => ctx.at([...path, 'plans', j]));
    } else if (typeof p.plans === 'string') {
      const plan = parseGate(p.plans);
      if (plan) promotion.plansGate = { plan, at: ctx.at([...path, 'plans']) };
    }
    if (text(p.note)) promotion.note = text(p.note);
    out.push(promotion);
  });
  return out;
}
