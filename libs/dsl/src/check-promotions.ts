import { formatCredits, UNITS } from './amounts';
import { closest } from './check-schema';
import type { Diagnostic, SourceLocation } from './diagnostics';
import type { Action, Promotion, Rate, RuleSet } from './ruleset';

type Push = (code: string, message: string, location: SourceLocation, extra?: Partial<Diagnostic>) => void;

/** An instant as a PM wrote it: `2026-12-01` at midnight UTC, `2026-12-01T09:30Z` otherwise. */
export function formatInstant(ms: number): string {
  const iso = new Date(ms).toISOString();
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  return iso.endsWith(':00.000Z') ? `${iso.slice(0, 16)}Z` : iso;
}

/** The rates of a priced action, by variant key (`''` for a single rate). */
export function ratesOf(action: Action): ReadonlyMap<string, Rate> {
  const price = action.price;
  if (price?.rate) return new Map([['', price.rate]]);
  return new Map(Object.entries(price?.variants ?? {}));
}

/** The plans a promotion applies to, by id (every plan when it names none). */
export function promotionPlans(ruleset: RuleSet, p: Promotion): string[] {
  if (p.plans) return ruleset.plans.filter((x) => p.plans!.includes(x.id)).map((x) => x.id);
  const gate = p.plansGate ? ruleset.plans.find((x) => x.id === p.plansGate!.plan) : undefined;
  return ruleset.plans.filter((x) => !gate || x.rank >= gate.rank).map((x) => x.id);
}

/** The variant keys of `action` a promotion applies to (`''` for a single rate). */
export function promotionVariants(action: Action, p: Promotion): string[] {
  const keys = [...ratesOf(action).keys()];
  return p.variants && action.price?.by ? keys.filter((k) => p.variants!.includes(k)) : keys;
}

/**
 * Stage "check offers", promotions: windows that end after they start, targets that exist and are
 * priced, a sale rate in the rate's unit and never above it, and no two promotions that could lower
 * the same price at the same instant (promotions never stack).
 */
export function checkPromotions(ruleset: RuleSet, diagnostics: Diagnostic[]): void {
  const push: Push = (code, message, location, extra = {}) => void diagnostics.push({ severity: 'error', code, message, location, ...extra });
  const planIds = ruleset.plans.map((p) => p.id);
  const actionIds = Object.keys(ruleset.actions);
  /** The actions each promotion may lower, once its references check out. */
  const targets = new Map<Promotion, Action[]>();

  for (const p of ruleset.promotions) {
    if (p.untilMs <= p.fromMs) {
      push('promotion-window-empty', `promotion \`${p.id}\` ends (${formatInstant(p.untilMs)}) ${p.untilMs === p.fromMs ? 'when' : 'before'} it starts (${formatInstant(p.fromMs)})`, p.untilAt, {
        hint: '`from` is inclusive and `until` exclusive: `until` must be later than `from`',
      });
    }
    for (const [j, plan] of (p.plans ?? []).entries()) {
      if (planIds.length && !planIds.includes(plan)) {
        const near = closest(plan, planIds);
        push('unknown-plan', `promotion \`${p.id}\` names plan \`${plan}\`, which is not on the ladder`, p.plansAt![j], near ? { hint: `did you mean \`${near}\`?` } : {});
      }
    }
    if (p.plansGate && planIds.length && !planIds.includes(p.plansGate.plan)) push('unknown-plan', `\`${p.plansGate.plan}+\` names no plan on the ladder`, p.plansGate.at);

    const actions: Action[] = [];
    p.actions.forEach((id, i) => {
      const action = ruleset.actions[id];
      const at = p.actionsAt[i];
      if (!action) {
        const near = closest(id, actionIds);
        push('unknown-action', `promotion \`${p.id}\` names unknown action \`${id}\``, at, near ? { hint: `did you mean \`${near}\`?` } : {});
      } else if (action.kind === 'free') {
        push('promotion-on-free-action', `\`${id}\` is free on every plan, so promotion \`${p.id}\` has nothing to lower`, at);
      } else if (action.kind === 'composite') {
        push('promotion-on-composite', `\`${id}\` costs the sum of its phases, so promotion \`${p.id}\` cannot lower it directly`, at, {
          hint: `put its phase actions on sale (${(action.phases ?? []).map((ph) => `\`${ph.action}\``).join(', ')}); the composite follows them`,
        });
      } else if (action.price) actions.push(action);
    });
    for (const [j, key] of (p.variants ?? []).entries()) {
      for (const action of actions) {
        if (!ratesOf(action).has(key) || !action.price?.by) {
          const keys = action.price?.by ? [...ratesOf(action).keys()] : [];
          const near = closest(key, keys);
          push('unknown-value', action.price?.by ? `\`${key}\` is not a variant of \`${action.id}\`` : `\`${action.id}\` has one rate and no variants`, p.variantsAt![j], near ? { hint: `did you mean \`${near}\`?` } : {});
        }
      }
    }
    if (p.discount.kind === 'rate') checkSaleRate(ruleset, p, actions, push);
    targets.set(p, actions);
  }
  checkOverlaps(ruleset, targets, push);
}

/** A sale rate is in the rate's unit and at most the rate it replaces, on every plan it applies to. */
function checkSaleRate(ruleset: RuleSet, p: Promotion, actions: readonly Action[], push: Push): void {
  if (p.discount.kind !== 'rate') return;
  const sale = p.discount;
  const plans = promotionPlans(ruleset, p);
  for (const action of actions) {
    const rates = ratesOf(action);
    for (const key of promotionVariants(action, p)) {
      const rate = rates.get(key)!;
      if (sale.unit !== undefined && sale.unit !== rate.unit) {
        push('mixed-units', `sale rate is per \`${sale.unit}\` but \`${action.id}\` is priced per \`${rate.unit}\``, p.discountAt, { hint: "write the sale rate in the rate's unit, or leave the unit out" });
        return;
      }
      for (const plan of plans) {
        const base = rate.plans?.[plan]?.mc ?? rate.mc;
        if (sale.mc > base) {
          const what = `${key ? `${action.price!.by} \`${key}\` of ` : ''}\`${action.id}\``;
          const unit = UNITS[rate.unit].symbol;
          push('promotion-raises-price', `sale rate ${formatCredits(sale.mc)} cr is above the ${formatCredits(base)} cr${unit ? '/' + unit : ''} that ${what} costs on \`${plan}\``, p.discountAt, {
            hint: 'a promotion never raises a price: narrow it with `variants` or `plans`, or lower the sale rate',
          });
          return;
        }
      }
    }
  }
}

/** Two promotions whose windows, actions, variants and plans all meet would both lower one price. */
function checkOverlaps(ruleset: RuleSet, targets: ReadonlyMap<Promotion, Action[]>, push: Push): void {
  const list = [...targets.keys()].filter((p) => p.untilMs > p.fromMs);
  for (let j = 0; j < list.length; j++) {
    const b = list[j];
    for (let i = 0; i < j; i++) {
      const a = list[i];
      if (!(a.fromMs < b.untilMs && b.fromMs < a.untilMs)) continue;
      const plans = promotionPlans(ruleset, a).filter((x) => promotionPlans(ruleset, b).includes(x));
      if (plans.length === 0) continue;
      for (const action of targets.get(b)!) {
        if (!targets.get(a)!.includes(action)) continue;
        const variants = promotionVariants(action, a).filter((k) => promotionVariants(action, b).includes(k));
        if (variants.length === 0) continue;
        const from = Math.max(a.fromMs, b.fromMs);
        const until = Math.min(a.untilMs, b.untilMs);
        const what = `\`${action.id}\`${variants[0] ? ` (${variants.map((v) => `\`${v}\``).join(', ')})` : ''}`;
        const who = plans.length === ruleset.plans.length ? 'every plan' : plans.map((x) => `\`${x}\``).join(', ');
        push('overlapping-promotions', `promotions \`${a.id}\` and \`${b.id}\` both lower ${what} on ${who} from ${formatInstant(from)} until ${formatInstant(until)}`, b.at, {
          related: a.at,
          hint: 'promotions do not stack: end one before the other starts, or give them different `variants` or `plans`',
        });
        break;
      }
    }
  }
}
