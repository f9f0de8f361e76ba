import { enumerateValues, formatCredits, formatFactor, UNITS, type ConditionTree, type Gate, type ParamValue, type Rate, type RuleSet } from '@ratecard/dsl';
import type { CompiledAction, CompiledRuleSet } from './compiled';
import { costAndLines, type Cell } from './price';
import { offersMarkdown, offersTable, type OffersTable } from './table-offers';

/** A range of credits. */
export interface CreditRange {
  readonly min: number;
  readonly max: number;
}

/** One row of the price table. */
export interface PriceRow {
  readonly action: string;
  readonly item: string;
  /** As shown: `18 cr`, `32 cr/s`, `×2`, `272–304 cr`, `free`. */
  readonly credits: string;
  /** Who may use it: `all plans`, `Pro+`. */
  readonly plans: string;
  readonly notes: readonly string[];
  /** Numbers of the assumptions (footnotes) this row relies on. */
  readonly assumptions: readonly number[];
  /** For composites: the computed range over every parameter combination and plan. */
  readonly range?: CreditRange;
}

/** The price list generated from the rules, in the shape of the Credits Reference. */
export interface PriceTable {
  readonly rulesetVersion: string;
  readonly plans: readonly { id: string; name: string; allowance: number; quotas: readonly { action: string; count: number }[]; assumptions: readonly number[] }[];
  readonly cycle: readonly string[];
  readonly groups: readonly { name: string; rows: readonly PriceRow[] }[];
  readonly free: readonly { action: string; name: string; reason: string }[];
  /** Included usage, promotions and credit packs (table-offers.ts). */
  readonly offers: OffersTable;
  readonly assumptions: readonly { number: number; about: string; text: string }[];
}

/**
 * Who may use an action (or one value of a parameter): the lowest plan with an allowed cell, read
 * from the settled cells, so gates written as conditions count as much as `requires`.
 */
function plansFromCells(compiled: CompiledRuleSet, ca: CompiledAction, fact?: string, value?: ParamValue): string {
  const plans = compiled.ruleset.plans;
  const planDim = ca.dims.find((d) => d.fact === 'plan');
  const factDim = fact === undefined ? undefined : ca.dims.find((d) => d.fact === fact);
  let best = Infinity;
  ca.cells.forEach((cell, i) => {
    if (cell.denials.length > 0) return;
    if (factDim && factDim.values[Math.floor(i / factDim.stride) % factDim.values.length] !== value) return;
    const rank = planDim ? Math.floor(i / planDim.stride) % planDim.values.length : 0;
    if (compiled.plans.get(plans[rank].id)?.quotas.get(ca.action.id) === 0) return;
    best = Math.min(best, rank);
  });
  if (best === Infinity) return 'not offered';
  return best === 0 ? 'all plans' : `${plans[best].name}+`;
}

/** A condition in words: `tier = hd and resolution = 720p`. */
export function describeCondition(tree: ConditionTree): string {
  if ('all' in tree) return tree.all.map((t) => ('any' in t ? `(${describeCondition(t)})` : describeCondition(t))).join(' and ');
  if ('any' in tree) return tree.any.map(describeCondition).join(' or ');
  if ('not' in tree) return `not (${describeCondition(tree.not)})`;
  const ops: Record<string, string> = { equal: '=', notEqual: '≠', in: 'in', notIn: 'not in', lessThan: '<', lessThanInclusive: '≤', greaterThan: '>', greaterThanInclusive: '≥', planAtLeast: 'at least', planBelow: 'below' };
  const value = Array.isArray(tree.value) ? `[${tree.value.join(', ')}]` : String(tree.value);
  return `${tree.fact} ${ops[tree.operator] ?? tree.operator} ${value}`;
}

/**
 * Builds the price table from a compiled rule set. Composites show the range their phases add up to.
 * With `now`, the promotions that ended are left out and the others say whether they run yet.
 */
export function priceTable(compiled: CompiledRuleSet, options: { now?: Date } = {}): PriceTable {
  const rs = compiled.ruleset;
  const assumptions: { number: number; about: string; text: string }[] = [];
  const note = (about: string, text: string | undefined): number[] => {
    if (!text) return [];
    const number = assumptions.length + 1;
    assumptions.push({ number, about, text });
    return [number];
  };
  const planLabel = (gates: (Gate | undefined)[]): string => {
    const ranks = gates.filter((g): g is Gate => !!g).map((g) => rs.plans.find((p) => p.id === g.plan)!);
    if (ranks.length === 0) return 'all plans';
    const top = ranks.reduce((a, b) => (b.rank > a.rank ? b : a));
    return top.rank === 0 ? 'all plans' : `${top.name}+`;
  };
  const quotaNotes = (id: string): string[] => [
    ...rs.plans.filter((p) => p.quotas[id] !== undefined).map((p) => `${p.name}: ${p.quotas[id]} per billing cycle`),
    ...rs.plans.filter((p) => p.included[id] !== undefined).map((p) => `${p.name}: first ${p.included[id]} per billing cycle included`),
  ];

  const plans = rs.plans.map((p) => ({
    id: p.id,
    name: p.name,
    allowance: p.allowanceMc / 1000,
    quotas: Object.entries(p.quotas).map(([action, count]) => ({ action, count })),
    assumptions: note(`${p.name} allowance`, p.assumption),
  }));

  const groups = new Map<string, PriceRow[]>();
  const free: { action: string; name: string; reason: string }[] = [];
  for (const action of Object.values(rs.actions)) {
    const ca = compiled.actions.get(action.id)!;
    if (action.kind === 'free') {
      free.push({ action: action.id, name: action.name, reason: action.free ?? '' });
      continue;
    }
    const rows = groups.get(action.group ?? 'Other') ?? [];
    groups.set(action.group ?? 'Other', rows);
    const common = [...quotaNotes(action.id), ...(action.confirm ? [`confirmation required: ${action.confirm}`] : [])];
    const noted = (own?: string): string[] => (own ?? action.note ? [(own ?? action.note)!] : []);
    const actionAssumption = note(action.name, action.assumption);
    if (action.kind === 'composite') {
      const range = cellRange(ca, ca.cells);
      const phases = (action.phases ?? []).map((ph) => {
        const r = phaseRange(compiled, ph.action, ph.with);
        const text = r.max === 0 ? 'free' : showRange(r);
        return `${ph.label} ${text}`;
      });
      rows.push({
        action: action.id,
        item: action.name,
        credits: showRange(range),
        plans: plansFromCells(compiled, ca),
        notes: [...noted(), `sum of its phases: ${phases.join(' + ')}`, ...common],
        assumptions: actionAssumption,
        range,
      });
      continue;
    }
    const price = action.price!;
    const unit = UNITS[(price.rate ?? Object.values(price.variants ?? {})[0]).unit];
    const per = price.per ? action.params[price.per] : undefined;
    const example = (mc: number): string[] =>
      per?.default !== undefined ? [`${formatCredits(UNITS[unit.unit].metered ? Math.ceil((mc * Number(per.default)) / unit.size) : mc, { group: true })} cr for ${per.default}${per.unit ? ' ' + per.unit : ' ' + per.name}`] : [];
    const rateText = (mc: number, plans?: Rate['plans']): string => {
      const one = (x: number): string => `${formatCredits(x, { group: true })} cr${unit.symbol ? '/' + unit.symbol : ''}`;
      const own = Object.entries(plans ?? {}).map(([id, p]) => `${rs.plans.find((x) => x.id === id)?.name ?? id} ${one(p.mc)}`);
      return own.length ? `${one(mc)} (${own.join(', ')})` : one(mc);
    };
    if (price.rate) {
      rows.push({
        action: action.id,
        item: !price.rate.label || price.rate.label === action.name ? action.name : price.rate.label.startsWith(action.name) ? price.rate.label : `${action.name} — ${price.rate.label}`,
        credits: rateText(price.rate.mc, price.rate.plans),
        plans: plansFromCells(compiled, ca),
        notes: [...noted(), ...example(price.rate.mc), ...common],
        assumptions: [...actionAssumption, ...note(action.name, price.rate.assumption)],
      });
    } else {
      const by = action.params[price.by!];
      const order = (enumerateValues(by) ?? []).map(String);
      for (const key of order) {
        const v = price.variants![key];
        if (!v) continue;
        const item = `${action.name} — ${v.label ?? key}`;
        rows.push({
          action: action.id,
          item,
          credits: rateText(v.mc, v.plans),
          plans: plansFromCells(compiled, ca, by.name, (enumerateValues(by) ?? []).find((x) => String(x) === key)),
          notes: [...noted(v.note), ...(by.default === v.label || by.default === key ? ['default'] : []), ...example(v.mc), ...common],
          assumptions: [...actionAssumption, ...note(item, v.assumption)],
        });
      }
    }
    for (const m of action.multipliers) {
      const byFactor = new Map<string, string[]>();
      const byPlans = new Map<string, string[]>();
      const mAssumptions: number[] = [];
      const values = enumerateValues(action.params[m.by]) ?? [];
      for (const [key, v] of Object.entries(m.values)) {
        const k = `×${formatFactor(v.factor)}`;
        byFactor.set(k, [...(byFactor.get(k) ?? []), v.label ?? key]);
        const who = plansFromCells(compiled, ca, m.by, values.find((x) => String(x) === key));
        byPlans.set(who, [...(byPlans.get(who) ?? []), v.label ?? key]);
        mAssumptions.push(...note(`${action.name} ${v.label ?? key}`, v.assumption));
      }
      const credits = [...byFactor.entries()].map(([f, names]) => `${names.join('/')} ${f}`).join(', ');
      const plans = byPlans.size === 1 ? [...byPlans.keys()][0] : [...byPlans.entries()].map(([who, names]) => `${names.join('/')}: ${who}`).join('; ');
      rows.push({ action: action.id, item: `${action.name} — ${m.label ?? m.by} multiplier`, credits, plans, notes: ['multiplies the base rate'], assumptions: mAssumptions });
    }
    for (const c of action.conditions) {
      const e = c.effect;
      const what = e.kind === 'deny' ? `not allowed: ${e.message}` : e.kind === 'requires' ? `${planLabel([e.gate])} only` : e.kind === 'multiply' ? `×${formatFactor(e.factor)}` : `${e.mc < 0 ? '−' : '+'}${formatCredits(Math.abs(e.mc))} cr`;
      rows.push({
        action: action.id,
        item: `${action.name} — ${c.label ?? c.id}`,
        credits: e.kind === 'multiply' || e.kind === 'add' ? what : '—',
        plans: e.kind === 'requires' ? planLabel([e.gate]) : planLabel([action.requires]),
        notes: [...(e.kind === 'deny' ? [what] : e.kind === 'requires' ? [`${c.label ?? c.id}: ${what}`] : []), `when ${describeCondition(c.when)}`],
        assumptions: note(`${action.name}: ${c.label ?? c.id}`, c.assumption),
      });
    }
  }
  return {
    rulesetVersion: compiled.version,
    plans,
    cycle: cycleText(rs),
    groups: sectionOrder(rs, [...groups.keys()]).map((name) => ({ name, rows: groups.get(name)! })),
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

function cellCost(ca: CompiledAction, cell: Cell): number {
  if (cell.fixed) return cell.fixed.mc;
  return costAndLines(cell, (name) => Number(ca.params.get(name)?.default ?? 0)).mc;
}

function cellRange(ca: CompiledAction, cells: readonly Cell[]): CreditRange {
  const costs = cells.map((c) => cellCost(ca, c));
  return { min: Math.min(...costs) / 1000, max: Math.max(...costs) / 1000 };
}

/** The range of a phase action's cost over the combinations its phase leaves open. */
function phaseRange(compiled: CompiledRuleSet, id: string, fixed: Readonly<Record<string, ParamValue>>): CreditRange {
  const ca = compiled.actions.get(id)!;
  const cells = ca.cells.filter((_, i) => ca.dims.every((d) => d.fact === 'plan' || !(d.fact in fixed) || d.values[Math.floor(i / d.stride) % d.values.length] === fixed[d.fact]));
  const withQuantity = (cell: Cell): number =>
    cell.fixed ? cell.fixed.mc : costAndLines(cell, (name) => Number(name in fixed ? fixed[name] : ca.params.get(name)?.default ?? 0)).mc;
  const costs = cells.map(withQuantity);
  return { min: Math.min(...costs) / 1000, max: Math.max(...costs) / 1000 };
}

function showRange(r: CreditRange): string {
  const f = (n: number): string => formatCredits(Math.round(n * 1000), { group: true });
  return r.min === r.max ? `${f(r.min)} cr` : `${f(r.min)}–${f(r.max)} cr`;
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

/** Renders the price table as Markdown a PM can publish as the customer-facing Credits Reference. */
export function priceTableMarkdown(table: PriceTable, options: { title?: string } = {}): string {
  const out: string[] = [];
  const marks = (ns: readonly number[]): string => (ns.length ? ' ' + ns.map((n) => `[${n}]`).join('') : '');
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  out.push(`# ${options.title ?? 'Credits Reference'}`, '');
  out.push('Exact credit costs for every action, generated from the pricing rules.', '');
  out.push('## Plans', '', '| Plan | Monthly credits | Limits per billing cycle |', '|---|---|---|');
  for (const p of table.plans) {
    const limits = p.quotas.map((q) => `${q.count} × \`${q.action}\``).join(', ') || '—';
    out.push(`| ${p.name} | ${formatCredits(Math.round(p.allowance * 1000), { group: true })} cr${marks(p.assumptions)} | ${limits} |`);
  }
  out.push('', '## How credits work', '', ...table.cycle.map((l) => `- ${l}`), '');
  for (const g of table.groups) {
    out.push(`## ${g.name}`, '', '| Action | Credits | Plans | Notes |', '|---|---|---|---|');
    for (const r of g.rows) out.push(`| ${cell(r.item)} | ${cell(r.credits)}${marks(r.assumptions)} | ${r.plans} | ${cell(r.notes.join('; '))} |`);
    out.push('');
  }
  if (table.free.length) {
    out.push('## Always free', '', 'Credits are not deducted for:', '');
    for (const f of table.free) out.push(`- **${f.name}** (\`${f.action}\`): ${f.reason}`);
    out.push('');
  }
  out.push(...offersMarkdown(table.offers));
  if (table.assumptions.length) {
    out.push('## Assumptions', '', 'Values marked [n] are not given by the source price list and are assumed:', '');
    for (const a of table.assumptions) out.push(`${a.number}. ${a.about}: ${a.text}`);
    out.push('');
  }
  out.push(`<sub>Rule set version \`${table.rulesetVersion.slice(0, 12)}\`.</sub>`, '');
  return out.join('\n');
}

