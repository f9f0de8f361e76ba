import { formatCredits, formatInstant, formatMoney, promotionPlans, ratesOf, UNITS, type Promotion, type RuleSet } from '@ratecard/dsl';
import type { CompiledRuleSet } from './compiled';
import { percentText } from './settle';

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

/** The offers as Markdown sections (none for what the rules do not have). */
export function offersMarkdown(offers: OffersTable): string[] {
  const out: string[] = [];
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  if (offers.included.length) {
    out.push('## Included with your plan', '', 'Each billing cycle, the first requests of these actions cost nothing; later ones pay the listed price.', '');
    out.push('| Plan | Action | Included per billing cycle |', '|---|---|---|');
    for (const i of offers.included) out.push(`| ${i.planName} | ${cell(i.actionName)} | ${i.count} |`);
    out.push('');
  }
  if (offers.promotions.length) {
    out.push('## Promotions', '', 'Times are UTC: a promotion starts at its first time and ends just before its second. Promotions do not combine.', '');
    out.push('| Promotion | Discount | On | Plans | When |', '|---|---|---|---|---|');
    for (const p of offers.promotions) {
      const when = `${formatInstant(Date.parse(p.from))} to ${formatInstant(Date.parse(p.until))}${p.status ? ` (${p.status})` : ''}`;
      out.push(`| ${cell(p.label)}${p.note ? ` — ${cell(p.note)}` : ''} | ${p.discount} | ${cell(p.appliesTo.join('; '))} | ${p.plans} | ${when} |`);
    }
    out.push('');
  }
  if (offers.packs.length) {
    out.push('## Credit packs', '', 'Credits on top of your plan’s allowance.', '');
    out.push('| Pack | Credits | Valid for | Price |', '|---|---|---|---|');
    for (const p of offers.packs) {
      const valid = p.validDays === null ? 'never expire' : `${p.validDays} day${p.validDays === 1 ? '' : 's'}`;
      out.push(`| ${cell(p.name)}${p.note ? ` — ${cell(p.note)}` : ''} | ${formatCredits(Math.round(p.credits * 1000), { group: true })} cr | ${valid} | ${p.price ?? '—'} |`);
    }
    out.push('');
  }
  return out;
}
