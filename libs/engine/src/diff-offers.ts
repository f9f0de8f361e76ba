import { formatCredits, formatInstant, formatMoney, type LowBalanceThreshold, type Pack, type Plan, type Promotion, type Rate, type RuleSet, type SourceLocation } from '@ratecard/dsl';
import type { CompiledRuleSet } from './compiled';
import type { RuleChange } from './diff';
import { percentText } from './settle';
import { offersTable } from './table-offers';

// The rule-level changes of the DSL's offers: promotions, per-plan prices, included usage, packs,
// low-balance thresholds, notes and the order of the table's sections.

const cr = (mc: number): string => `${formatCredits(mc, { group: true })} cr`;
const pct = (a: number, b: number): string => {
  const v = Math.round(((b - a) / a) * 1000) / 10;
  return `${v > 0 ? '+' : ''}${v}%`;
};
const percent = (a: number, b: number): { percent?: number } => (a === 0 ? {} : { percent: Math.round(((b - a) / a) * 1000) / 10 });
const loc = (before: SourceLocation | undefined, after: SourceLocation | undefined): { before?: SourceLocation; after?: SourceLocation } => ({ ...(before ? { before } : {}), ...(after ? { after } : {}) });
const planName = (rs: RuleSet, id: string): string => rs.plans.find((p) => p.id === id)?.name ?? id;

/** `2026-12-01 to 2027-01-01 (UTC)`. */
export function windowText(fromMs: number, untilMs: number): string {
  return `${formatInstant(fromMs)} to ${formatInstant(untilMs)} (UTC)`;
}

/**
 * Per-plan prices of one rate (`plans: { premium: 15 cr }`) added, removed or changed: what that
 * plan pays as its base rate on each side (the rate itself when the plan has no price of its own).
 */
export function planRateChanges(id: string, what: string, ra: Rate, rb: Rate, a: RuleSet, b: RuleSet): RuleChange[] {
  const out: RuleChange[] = [];
  const pa = ra.plans ?? {};
  const pb = rb.plans ?? {};
  for (const plan of new Set([...Object.keys(pa), ...Object.keys(pb)])) {
    const x = pa[plan];
    const y = pb[plan];
    const from = x?.mc ?? ra.mc;
    const to = y?.mc ?? rb.mc;
    if (x && y && x.mc === y.mc) continue;
    const kind = !x ? 'plan-price-added' : !y ? 'plan-price-removed' : 'plan-price-changed';
    const name = planName(y ? b : a, plan);
    const how = from === to ? `${cr(to)} (${!x ? 'its own price, the same as the rate' : 'now the rate'})` : `${cr(from)} → ${cr(to)} (${from === 0 ? 'was free' : pct(from, to)})`;
    out.push({
      kind,
      subject: id,
      summary: `${what} on ${name}: ${how}${kind === 'plan-price-added' ? ', a price of its own' : kind === 'plan-price-removed' ? ', the rate again' : ''}`,
      direction: to > from ? 'tightened' : to < from ? 'loosened' : 'neutral',
      ...loc(x?.at ?? (y ? ra.at : undefined), y?.at ?? (x ? rb.at : undefined)),
      from: from / 1000,
      to: to / 1000,
      ...percent(from, to),
    });
  }
  return out;
}

/** Rule-level changes of the offers, in this order: promotions, included usage, low balance, packs, notes, table sections. */
export function offerChanges(a: CompiledRuleSet, b: CompiledRuleSet): RuleChange[] {
  return [...promotionChanges(a, b), ...planOfferChanges(a.ruleset, b.ruleset), ...packChanges(a.ruleset.packs, b.ruleset.packs), ...noteChanges(a.ruleset, b.ruleset), ...sectionChanges(a.ruleset, b.ruleset)];
}

function promotionChanges(a: CompiledRuleSet, b: CompiledRuleSet): RuleChange[] {
  const out: RuleChange[] = [];
  const offeredA = new Map(offersTable(a).promotions.map((p) => [p.id, p]));
  const offeredB = new Map(offersTable(b).promotions.map((p) => [p.id, p]));
  const byA = new Map(a.ruleset.promotions.map((p) => [p.id, p]));
  const byB = new Map(b.ruleset.promotions.map((p) => [p.id, p]));
  const what = (offered: typeof offeredA, p: Promotion): string => {
    const o = offered.get(p.id)!;
    return `${o.discount} ${o.appliesTo.join('; ')}, ${o.plans}, ${windowText(p.fromMs, p.untilMs)}`;
  };
  for (const [id, p] of byA) {
    if (!byB.has(id)) out.push({ kind: 'promotion-removed', subject: id, summary: `promotion ${p.label} removed (was ${what(offeredA, p)})`, direction: 'tightened', before: p.at });
  }
  for (const [id, q] of byB) {
    const p = byA.get(id);
    if (!p) {
      out.push({ kind: 'promotion-added', subject: id, summary: `promotion ${q.label} added: ${what(offeredB, q)}`, direction: 'loosened', after: q.at });
      continue;
    }
    const oa = offeredA.get(id)!;
    const ob = offeredB.get(id)!;
    const parts: string[] = [];
    let at: [SourceLocation, SourceLocation] | undefined;
    const mark = (x: SourceLocation, y: SourceLocation): void => void (at ??= [x, y]);
    if (p.fromMs !== q.fromMs || p.untilMs !== q.untilMs) {
      parts.push(`window ${windowText(p.fromMs, p.untilMs)} → ${windowText(q.fromMs, q.untilMs)}`);
      mark(p.fromMs !== q.fromMs ? p.at : p.untilAt, p.fromMs !== q.fromMs ? q.at : q.untilAt);
    }
    if (oa.discount !== ob.discount) {
      parts.push(`discount ${oa.discount} → ${ob.discount}`);
      mark(p.discountAt, q.discountAt);
    }
    if (oa.appliesTo.join('; ') !== ob.appliesTo.join('; ')) {
      parts.push(`on ${oa.appliesTo.join('; ')} → ${ob.appliesTo.join('; ')}`);
      mark(p.actionsAt[0] ?? p.at, q.actionsAt[0] ?? q.at);
    }
    if (oa.plans !== ob.plans) {
      parts.push(`plans ${oa.plans} → ${ob.plans}`);
      mark(p.plansAt?.[0] ?? p.plansGate?.at ?? p.at, q.plansAt?.[0] ?? q.plansGate?.at ?? q.at);
    }
    if (parts.length) {
      out.push({ kind: 'promotion-changed', subject: id, summary: `promotion ${q.label}: ${parts.join('; ')}`, direction: 'neutral', before: at![0], after: at![1] });
    }
    const labels: string[] = [];
    if (p.label !== q.label) labels.push(`label "${p.label}" → "${q.label}"`);
    if ((p.note ?? '') !== (q.note ?? '')) labels.push(`note "${p.note ?? ''}" → "${q.note ?? ''}"`);
    if (labels.length) out.push({ kind: 'label-changed', subject: id, summary: `promotion \`${id}\` ${labels.join(', ')}`, direction: 'neutral', before: p.at, after: q.at });
  }
  return out;
}

function planOfferChanges(a: RuleSet, b: RuleSet): RuleChange[] {
  const out: RuleChange[] = [];
  for (const pa of a.plans) {
    const pb = b.plans.find((p) => p.id === pa.id);
    if (!pb) continue;
    for (const action of new Set([...Object.keys(pa.included), ...Object.keys(pb.included)])) {
      const x = pa.included[action] ?? 0;
      const y = pb.included[action] ?? 0;
      if (x === y) continue;
      const show = (n: number): string => (n === 0 ? 'none' : `${n.toLocaleString('en-US')} per cycle`);
      out.push({
        kind: 'included-changed',
        subject: pa.id,
        summary: `${pb.name} included \`${action}\`: ${show(x)} → ${show(y)}`,
        direction: y < x ? 'tightened' : 'loosened',
        ...loc(pa.includedAt[action] ?? pa.at, pb.includedAt[action] ?? pb.at),
        from: x,
        to: y,
      });
    }
    const ta = thresholdsText(pa);
    const tb = thresholdsText(pb);
    if (ta !== tb) out.push({ kind: 'low-balance-changed', subject: pa.id, summary: `${pb.name} low-balance thresholds: ${ta} → ${tb}`, direction: 'neutral', ...loc(pa.lowBalance?.[0]?.at ?? pa.at, pb.lowBalance?.[0]?.at ?? pb.at) });
  }
  return out;
}

function thresholdsText(p: Plan): string {
  const one = (t: LowBalanceThreshold): string => (t.kind === 'credits' ? cr(t.mc) : `${percentText(t.permille)} of the allowance`);
  return p.lowBalance?.length ? p.lowBalance.map(one).join(', ') : 'none';
}

function packText(p: Pack): string {
  return `${cr(p.creditsMc)}, ${validText(p.validDays)}${p.price ? `, ${formatMoney(p.price)}` : ''}`;
}

function validText(days: number | null): string {
  return days === null ? 'never expire' : `valid ${days} day${days === 1 ? '' : 's'}`;
}

function packChanges(a: readonly Pack[], b: readonly Pack[]): RuleChange[] {
  const out: RuleChange[] = [];
  const byB = new Map(b.map((p) => [p.id, p]));
  const byA = new Map(a.map((p) => [p.id, p]));
  for (const p of a) if (!byB.has(p.id)) out.push({ kind: 'pack-removed', subject: p.id, summary: `pack ${p.name} removed (was ${packText(p)})`, direction: 'tightened', before: p.at });
  for (const q of b) {
    const p = byA.get(q.id);
    if (!p) {
      out.push({ kind: 'pack-added', subject: q.id, summary: `pack ${q.name} added: ${packText(q)}`, direction: 'loosened', after: q.at });
      continue;
    }
    const parts: string[] = [];
    // Better for the buyer: more credits, a longer validity, a lower price (in the same currency).
    let better = 0;
    let worse = 0;
    if (p.creditsMc !== q.creditsMc) {
      parts.push(`credits ${cr(p.creditsMc)} → ${cr(q.creditsMc)}`);
      q.creditsMc > p.creditsMc ? better++ : worse++;
    }
    if (p.validDays !== q.validDays) {
      parts.push(`${validText(p.validDays)} → ${validText(q.validDays)}`);
      const days = (d: number | null): number => d ?? Infinity;
      days(q.validDays) > days(p.validDays) ? better++ : worse++;
    }
    const money = (m: Pack['price']): string => (m ? formatMoney(m) : 'no price');
    if (money(p.price) !== money(q.price)) {
      parts.push(`price ${money(p.price)} → ${money(q.price)}`);
      if (p.price && q.price && p.price.currency === q.price.currency) q.price.amountMinor < p.price.amountMinor ? better++ : worse++;
    }
    if (parts.length) out.push({ kind: 'pack-changed', subject: q.id, summary: `pack ${q.name}: ${parts.join('; ')}`, direction: better && !worse ? 'loosened' : worse && !better ? 'tightened' : 'neutral', before: p.at, after: q.at });
    const labels: string[] = [];
    if (p.name !== q.name) labels.push(`renamed ${p.name} → ${q.name}`);
    if ((p.note ?? '') !== (q.note ?? '')) labels.push(`note "${p.note ?? ''}" → "${q.note ?? ''}"`);
    if (labels.length) out.push({ kind: 'label-changed', subject: q.id, summary: `pack \`${q.id}\` ${labels.join(', ')}`, direction: 'neutral', before: p.at, after: q.at });
  }
  return out;
}

/** Notes on actions and their variants: what the table's Notes column shows. */
function noteChanges(a: RuleSet, b: RuleSet): RuleChange[] {
  const out: RuleChange[] = [];
  const note = (what: string, subject: string, x: { note?: string; at: SourceLocation }, y: { note?: string; at: SourceLocation }): void => {
    if ((x.note ?? '') === (y.note ?? '')) return;
    const summary = !x.note ? `${what} note added: "${y.note}"` : !y.note ? `${what} note removed (was "${x.note}")` : `${what} note "${x.note}" → "${y.note}"`;
    out.push({ kind: 'label-changed', subject, summary, direction: 'neutral', before: x.at, after: y.at });
  };
  for (const id of Object.keys(b.actions).sort()) {
    const x = a.actions[id];
    const y = b.actions[id];
    if (!x) continue;
    note(`\`${id}\``, id, x, y);
    const va = x.price?.variants ?? {};
    const vb = y.price?.variants ?? {};
    for (const key of Object.keys(vb)) if (va[key]) note(`\`${id}\` ${y.price!.by} \`${key}\``, id, va[key], vb[key]);
    if (x.price?.rate && y.price?.rate) note(`\`${id}\` rate`, id, x.price.rate, y.price.rate);
  }
  return out;
}

/** The order of the table's sections, as the rules set it. */
function sectionChanges(a: RuleSet, b: RuleSet): RuleChange[] {
  const sa = a.table.sections.map((s) => s.name);
  const sb = b.table.sections.map((s) => s.name);
  if (sa.join('\n') === sb.join('\n')) return [];
  const show = (xs: string[]): string => (xs.length ? xs.join(', ') : '(as the actions come)');
  return [{ kind: 'label-changed', subject: 'table', summary: `table sections ${show(sa)} → ${show(sb)}`, direction: 'neutral', ...loc(a.table.sections[0]?.at ?? a.table.at, b.table.sections[0]?.at ?? b.table.at) }];
}
