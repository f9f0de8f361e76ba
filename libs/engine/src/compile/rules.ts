import type { RuleProperties, TopLevelCondition } from 'json-rules-engine';
import { enumerateValues, PLAN_FACT, TIME_FACT, type Action, type ConditionTree, type Gate, type ParamValue, type Rate, type RuleSet } from '@ratecard/dsl';
import type { ReasonCode } from '../reasons';

/** What a rule's event tells the fold. `seq` orders steps and reasons as they were declared. */
export type RuleEvent =
  | { kind: 'rate'; seq: number; rateMc: number; unit: string; label: string; rule: string; assumption?: string; /** The label without the plan, for a plan's own price. */ baseLabel?: string }
  | { kind: 'factor'; seq: number; permille: number; label: string; rule: string; assumption?: string }
  | { kind: 'add'; seq: number; mc: number; label: string; rule: string; assumption?: string }
  | { kind: 'deny'; seq: number; code: ReasonCode; message: string; rule: string; requiredPlan?: string }
  /** A promotion running: the share off the base rate, or the sale rate that replaces it. */
  | { kind: 'promotion'; seq: number; label: string; rule: string; offPermille?: number; rateMc?: number };

/** An action's rules in json-rules-engine's format, and the facts they read. */
export interface ActionRules {
  readonly rules: readonly RuleProperties[];
  /** Facts the conditions read: `plan` and parameter names. These become the dimensions of the cell table. */
  readonly facts: readonly string[];
}


/**
 * Stage "rules": translates an action's price list into json-rules-engine rules. Variants,
 * multipliers, gates and custom conditions all become rules whose events the fold combines, so
 * json-rules-engine decides every one of them.
 */
export function buildRules(action: Action, ruleset: RuleSet): ActionRules {
  const rules: RuleProperties[] = [];
  const facts = new Set<string>();
  // Steps and reasons are folded in declaration order: gates, rate, multipliers, conditions.
  let seq = 0;
  const planName = (id: string): string => ruleset.plans.find((p) => p.id === id)?.name ?? id;
  const typed = (param: string, key: string): ParamValue => {
    const values = enumerateValues(action.params[param]) ?? [];
    return values.find((v) => String(v) === key) ?? key;
  };
  const add = (name: string, conditions: TopLevelCondition, event: RuleEvent): void => {
    collectFacts(conditions as ConditionTree, facts);
    rules.push({ name, conditions, event: { type: event.kind, params: event } });
  };
  const gateRule = (name: string, base: ConditionTree[], gate: Gate, message: string, seq: number, rule: string): void => {
    add(
      `${name} requires ${gate.plan}+`,
      { all: [...base, { fact: PLAN_FACT, operator: 'planBelow', value: gate.plan }] } as TopLevelCondition,
      { kind: 'deny', seq, code: 'PLAN_REQUIRED', message: `${message} needs the ${planName(gate.plan)} plan or higher`, rule, requiredPlan: gate.plan },
    );
  };

  if (action.requires) gateRule(`${action.id}`, [], action.requires, `\`${action.id}\``, seq++, `${action.id}/requires`);

  /**
   * A rate's rules: the rate for every plan without a price of its own, and one rule per plan price
   * (`plans: { premium: 15 cr }`), so exactly one rate fires for any plan.
   */
  const rateRules = (rule: string, when: ConditionTree[], rate: Rate, label: string, at: number): void => {
    const own = Object.keys(rate.plans ?? {});
    const others: ConditionTree[] = own.length ? [{ fact: PLAN_FACT, operator: 'notIn', value: own }] : [];
    add(rule, { all: [...when, ...others] } as TopLevelCondition, { kind: 'rate', seq: at, rateMc: rate.mc, unit: rate.unit, label, rule, ...assumed(rate.assumption) });
    for (const [plan, pr] of Object.entries(rate.plans ?? {})) {
      const planRule = `${rule}/plan/${plan}`;
      const onPlan: ConditionTree = { fact: PLAN_FACT, operator: 'equal', value: plan };
      add(planRule, { all: [...when, onPlan] } as TopLevelCondition, { kind: 'rate', seq: at, rateMc: pr.mc, unit: rate.unit, label: `${label} (${planName(plan)} price)`, baseLabel: label, rule: planRule, ...assumed(rate.assumption) });
    }
  };

  const price = action.price;
  if (price?.rate) {
    rateRules(`${action.id}/rate`, [], price.rate, price.rate.label ?? action.name, seq++);
  } else if (price?.by && price.variants) {
    const by = price.by;
    for (const [key, rate] of Object.entries(price.variants)) {
      const rule = `${action.id}/variant/${key}`;
      const when: ConditionTree = { fact: by, operator: 'equal', value: typed(by, key) };
      const at = seq++;
      rateRules(rule, [when], rate, rate.label ?? `${action.name} (${key})`, at);
      if (rate.requires) gateRule(rule, [when], rate.requires, `${by} \`${key}\``, at, rule);
    }
  }

  // Promotions lower the base rate while they run: the time is a fact, so json-rules-engine decides
  // whether one applies, at compile time for each segment and at run time on the reference path.
  for (const p of ruleset.promotions) {
    if (action.kind !== 'priced' || !p.actions.includes(action.id)) continue;
    const rule = `promotions/${p.id}`;
    const when: ConditionTree[] = [];
    if (p.variants && price?.by) when.push({ fact: price.by, operator: 'in', value: p.variants.map((k) => typed(price.by!, k)) });
    if (p.plans) when.push({ fact: PLAN_FACT, operator: 'in', value: [...p.plans] });
    else if (p.plansGate) when.push({ fact: PLAN_FACT, operator: 'planAtLeast', value: p.plansGate.plan });
    when.push({ fact: TIME_FACT, operator: 'greaterThanInclusive', value: p.fromMs }, { fact: TIME_FACT, operator: 'lessThan', value: p.untilMs });
    const off = p.discount.kind === 'percent' ? { offPermille: p.discount.offPermille } : { rateMc: p.discount.mc };
    add(rule, { all: when } as TopLevelCondition, { kind: 'promotion', seq: seq++, label: p.label, rule, ...off });
  }

  for (const m of action.multipliers) {
    for (const [key, v] of Object.entries(m.values)) {
      const rule = `${action.id}/multiplier/${m.by}=${key}`;
      const when: ConditionTree = { fact: m.by, operator: 'equal', value: typed(m.by, key) };
      const at = seq++;
      add(rule, { all: [when] } as TopLevelCondition, { kind: 'factor', seq: at, permille: v.factor, label: v.label ?? `${m.label ?? m.by} ${key}`, rule, ...assumed(v.assumption) });
      if (v.requires) gateRule(rule, [when], v.requires, `${m.by} \`${key}\``, at, rule);
    }
  }

  for (const c of action.conditions) {
    const rule = `${action.id}/condition/${c.id}`;
    const at = seq++;
    // INVARIANT: the DSL normalises a bare `{ fact, operator, value }` under `when` to `all` of one,
    // which is what json-rules-engine wants at the root.
    const when = c.when as TopLevelCondition;
    const label = c.label ?? c.id;
    switch (c.effect.kind) {
      case 'deny':
        add(rule, when, { kind: 'deny', seq: at, code: c.effect.code, message: c.effect.message, rule });
        break;
      case 'requires':
        gateRule(rule, [c.when], c.effect.gate, c.effect.message ?? label, at, rule);
        break;
      case 'multiply':
        add(rule, when, { kind: 'factor', seq: at, permille: c.effect.factor, label, rule, ...assumed(c.assumption) });
        break;
      case 'add':
        add(rule, when, { kind: 'add', seq: at, mc: c.effect.mc, label, rule, ...assumed(c.assumption) });
        break;
    }
  }

  return { rules, facts: [...facts].sort((a, b) => (a === PLAN_FACT ? -1 : b === PLAN_FACT ? 1 : a < b ? -1 : a > b ? 1 : 0)) };
}

function assumed(assumption: string | undefined): { assumption?: string } {
  return assumption ? { assumption } : {};
}

/** The facts one rule's conditions read, sorted. */
export function ruleFacts(rule: RuleProperties): string[] {
  const facts = new Set<string>();
  collectFacts(rule.conditions as ConditionTree, facts);
  return [...facts].sort();
}

function collectFacts(tree: ConditionTree, into: Set<string>): void {
  if ('all' in tree) tree.all.forEach((t) => collectFacts(t, into));
  else if ('any' in tree) tree.any.forEach((t) => collectFacts(t, into));
  else if ('not' in tree) collectFacts(tree.not, into);
  else into.add(tree.fact);
}
