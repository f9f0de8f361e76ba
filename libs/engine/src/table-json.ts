import schema from './schema/price-table.schema.json';
import type { PriceRow, PriceTable } from './table';
import type { TableAudience } from './table-render';

/** The JSON Schema (2020-12) of {@link priceTableJson}'s output, checked in for websites. */
export const PRICE_TABLE_SCHEMA: object = schema;

/**
 * The price table as data for a website to render itself: numeric rates, units, plans,
 * multipliers and ranges. Assumptions are listed and flagged `internalOnly`. The customer audience
 * leaves out rows that only restate a condition (they are notes on the rows they concern).
 */
export function priceTableJson(t: PriceTable, audience: TableAudience = 'customer'): object {
  const planIds = t.plans.map((p) => p.id);
  const row = (r: PriceRow): object => ({
    action: r.action,
    kind: r.kind,
    item: r.item,
    display: r.credits,
    rate: r.rate ? { credits: r.rate.credits, millicredits: Math.round(r.rate.credits * 1000), unit: r.rate.unit, per: r.rate.per ?? null } : null,
    factor: r.factor ?? null,
    option: r.option ?? null,
    range: r.range ?? null,
    example: r.example ? { credits: r.example.credits, quantity: r.example.quantity ?? null, unit: r.example.unit ?? null, text: r.example.text } : null,
    phases: r.phases ?? null,
    plans: { label: r.plans, lowest: r.lowestPlan, ids: r.plans === 'not offered' ? [] : planIds.slice(r.lowestPlan ? planIds.indexOf(r.lowestPlan) : 0) },
    default: r.isDefault,
    notes: audience === 'internal' ? r.internalNotes : r.notes,
    assumptions: r.assumptions,
  });
  return {
    rulesetVersion: t.rulesetVersion,
    audience,
    plans: t.plans.map((p) => ({
      id: p.id,
      name: p.name,
      allowance: p.allowance,
      allowanceMillicredits: Math.round(p.allowance * 1000),
      limits: p.quotas.map((q) => ({ action: q.action, name: q.name, count: q.count, per: 'billing-cycle' })),
      assumptions: p.assumptions,
    })),
    cycle: { ...t.cyclePolicy, text: t.cycle },
    deducted: t.deducted,
    free: t.free,
    sections: t.groups.map((g) => ({ name: g.name, rows: g.rows.filter((r) => audience === 'internal' || r.kind !== 'condition' || r.credits !== '—').map(row) })),
    offers: t.offers,
    assumptions: t.assumptions.map((a) => ({ ...a, internalOnly: true })),
  };
}
