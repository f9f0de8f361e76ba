import { formatCredits, formatInstant, formatMoney, promotionPlans, ratesOf, UNITS, type Promotion, type RuleSet } from '@ratecard/dsl';
import type { CompiledRuleSet } from './compiled';
import { percentText } from './settle';
import type { DocumentSection } from './table-render';

/** What the plans include, what is on sale and which packs are sold: the price table's offers. */
export interface OffersTable {
  /** Included usage: per plan, the requests per billing cycle that cost nothing. */
  readonly included: readonly { readonly plan: string; readonly planName: string; readonly action: string; readonly actionName: string; readonly count: number }[];
  /** Promotions, in the order written; with a `now`, only those running or upcoming. */
  readonly promotions: readonly OfferedPromotion[];
  readonly packs: readonly { readonly id: string; readonly name: string; readonly credits: number; readonly validDays: number | null; readonly price?: string; readonly note?: string }[];
}

/** A promotion as the price table shows it. */
export interface OfferedPromotion {
  readonly id: string;
  readonly label: string;
  /** ISO times, UTC: from (inclusive) until (exclusive). */
  readonly from: string;
  readonly until: string;
  /** Relative to the `now` the table was built for; absent without one. */
  readonly status?: 'running' | 'upcoming';
  /** `50% off`, or `sale rate 24 cr/s`. */
  readonly discount: string;
  /** What is on sale: `Video generation`, `Image generation (Flux Pro, Flux Schnell)`. */
  readonly appliesTo: readonly string[];
  /** `all plans`, `Pro+`, `Pro, Premium`. */
  readonly plans: string;
  readonly note?: string;
}

/**
 * The offers part of the price table. With `now`, promotions that ended are left out and the others
 * say whether they are running or upcoming; without it, every promotion is listed with its dates.
 */
export function offersTable(compiled: CompiledRuleSet, now?: Date): OffersTable {
  const rs = compiled.ruleset;
  const name = (id: string): string => rs.actions[id]?.name ?? id;
  const t = now?.getTime();
  return {
    included: rs.plans.flatMap((p) => Object.entries(p.included).map(([action, count]) => ({ plan: p.id, planName: p.name, action, actionName: name(action), count }))),
    promotions: rs.promotions
      .filter((p) => t === undefined || Number.isNaN(t) || p.untilMs > t)
      .map((p) => ({
        id: p.id,
        label: p.label,
        from: new Date(p.fromMs).toISOString(),
        until: new Date(p.untilMs).toISOString(),
        ...(t === undefined || Number.isNaN(t) ? {} : { status: p.fromMs <= t ? ('running' as const) : ('upcoming' as const) }),
        discount: discountText(rs, p),
        appliesTo: p.actions.map((id) => appliesTo(rs, p, id)),
        plans: plansText(rs, p),
        ...(p.note ? { note: p.note } : {}),
      })),
    packs: rs.packs.map((p) => ({
      id: p.id,
      name: p.name,
      credits: p.creditsMc / 1000,
      validDays: p.validDays,
      ...(p.price ? { price: formatMoney(p.price) } : {}),
      ...(p.note ? { note: p.note } : {}),
    })),
  };
}

function discountText(rs: RuleSet, p: Promotion): string {
  if (p.discount.kind === 'percent') return `${percentText(p.discount.offPermille)} off`;
  const action = rs.actions[p.actions[0]];
  const unit = p.discount.unit ?? (action ? [...ratesOf(action).values()][0]?.unit : undefined) ?? 'request';
  const symbol = UNITS[unit].symbol;
  return `sale rate ${formatCredits(p.discount.mc, { group: true })} cr${symbol ? '/' + symbol : ''}`;
}

function appliesTo(rs: RuleSet, p: Promotion, id: string): string {
  const action = rs.actions[id];
  if (!action || !p.variants || !action.price?.by) return action?.name ?? id;
  const rates = ratesOf(action);
  return `${action.name} (${p.variants.map((k) => rates.get(k)?.label ?? k).join(', ')})`;
}

function plansText(rs: RuleSet, p: Promotion): string {
  if (p.plansGate) {
    const gate = rs.plans.find((x) => x.id === p.plansGate!.plan);
    return !gate || gate.rank === 0 ? 'all plans' : `${gate.name}+`;
  }
  const ids = promotionPlans(rs, p);
  return ids.length === rs.plans.length ? 'all plans' : ids.map((id) => rs.plans.find((x) => x.id === id)!.name).join(', ');
}

/**
 * The offers as sections of the price list (none for what the rules do not have), for Markdown and
 * HTML alike (table-render.ts).
 */
export function offersSections(offers: OffersTable): DocumentSection[] {
  const out: DocumentSection[] = [];
  if (offers.included.length) {
    out.push({
      heading: 'Included with your plan',
      blocks: [
        { p: 'Each billing cycle, the first requests of these actions cost nothing; later ones pay the listed price.' },
        { table: { caption: 'Included with your plan', columns: ['Plan', 'Action', 'Included per billing cycle'], rows: offers.included.map((i) => [i.planName, i.actionName, String(i.count)]) } },
      ],
    });
  }
  if (offers.promotions.length) {
    const when = (p: OfferedPromotion): string => `${formatInstant(Date.parse(p.from))} to ${formatInstant(Date.parse(p.until))}${p.status ? ` (${p.status})` : ''}`;
    out.push({
      heading: 'Promotions',
      blocks: [
        { p: 'Times are UTC: a promotion starts at its first time and ends just before its second. Promotions do not combine.' },
        { table: { caption: 'Promotions', columns: ['Promotion', 'Discount', 'On', 'Plans', 'When'], rows: offers.promotions.map((p) => [`${p.label}${p.note ? ` — ${p.note}` : ''}`, p.discount, p.appliesTo.join('; '), p.plans, when(p)]) } },
      ],
    });
  }
  if (offers.packs.length) {
    const valid = (days: number | null): string => (days === null ? 'never expire' : `${days} day${days === 1 ? '' : 's'}`);
    out.push({
      heading: 'Credit packs',
      blocks: [
        { p: 'Credits on top of your plan’s allowance.' },
        { table: { caption: 'Credit packs', columns: ['Pack', 'Credits', 'Valid for', 'Price'], rows: offers.packs.map((p) => [`${p.name}${p.note ? ` — ${p.note}` : ''}`, `${formatCredits(Math.round(p.credits * 1000), { group: true })} cr`, valid(p.validDays), p.price ?? '—']) } },
      ],
    });
  }
  return out;
}
