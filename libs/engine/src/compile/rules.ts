import type { RuleProperties, TopLevelCondition } from 'json-rules-engine';
import { enumerateValues, PLAN_FACT, type Action, type ConditionTree, type Gate, type ParamValue, type RuleSet } from '@ratecard/dsl';
import type { ReasonCode } from '../decision';

/** What a rule's event tells the fold. `seq` orders steps and reasons as they were declared. */
export type RuleEvent =
  | { kind: 'rate'; seq: number; rateMc: number; unit: string; label: string; rule: string }
  | { kind: 'factor'; seq: number; permille: number; label: string; rule: string }
  | { kind: 'add'; seq: number; mc: number; label: string; rule: string }
  | { kind: 'deny'; seq: number; code: ReasonCode; message: string; rule: string; requiredPlan?: string };

/** An action's rules in json-rules-engine's format, and the facts they read. */
export interface ActionRules {
  readonly rules: readonly RuleProperties[];
  /** Facts the conditions read: `plan` and parameter names. These become the dimensions of the cell table. */
  readonly facts: readonly string[];
}

const SEQ_MULTIPLIER = 1_000;
const SEQ_CONDITION = 2_000;

/**
 * Stage "rules": translates an action's price list into json-rules-engine rules. Variants,
 * multipliers, gates and custom conditions all become rules whose events the fold combines, so
 * json-rules-engine decides every one of them.
 */
export function buildRules(action: Action, ruleset: RuleSet): ActionRules {
  const rules: RuleProperties[] = [];
  const facts = new Set<string>();
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

  if (action.requires) gateRule(`${action.id}`, [], action.requires, `\`${action.id}\``, 0, `${action.id}/requires`);

  const price = action.price;
  if (price?.rate) {
    const rule = `${action.id}/rate`;
    add(rule, { all: [] }, { kind: 'rate', seq: 1, rateMc: price.rate.mc, unit: price.rate.unit, label: price.rate.label ?? action.name, rule });
    if (price.rate.requires) gateRule(rule, [], price.rate.requires, `\`${action.id}\``, 1, rule);
  } else if (price?.by && price.variants) {
    const by = price.by;
    Object.entries(price.variants).forEach(([key, rate], i) => {
      const rule = `${action.id}/variant/${key}`;
      const when: ConditionTree = { fact: by, operator: 'equal', value: typed(by, key) };
      add(rule, { all: [when] } as TopLevelCondition, { kind: 'rate', seq: 1, rateMc: rate.mc, unit: rate.unit, label: rate.label ?? `${action.name} (${key})`, rule });
      if (rate.requires) gateRule(rule, [when], rate.requires, `${by} \`${key}\``, 10 + i, rule);
    });
  }

  action.multipliers.forEach((m, mi) => {
    Object.entries(m.values).forEach(([key, v], vi) => {
      const rule = `${action.id}/multiplier/${m.by}=${key}`;
      const when: ConditionTree = { fact: m.by, operator: 'equal', value: typed(m.by, key) };
      const seq = SEQ_MULTIPLIER + mi * 100 + vi;
      add(rule, { all: [when] } as TopLevelCondition, { kind: 'factor', seq, permille: v.factor, label: v.label ?? `${m.label ?? m.by} ${key}`, rule });
      if (v.requires) gateRule(rule, [when], v.requires, `${m.by} \`${key}\``, seq, rule);
    });
  });

  action.conditions.forEach((c, i) => {
    const rule = `${action.id}/condition/${c.id}`;
    const seq = SEQ_CONDITION + i;
    // json-rules-engine wants `all`, `any` or `not` at the root; the DSL also allows a single leaf there.
    const when = ('all' in c.when || 'any' in c.when || 'not' in c.when ? c.when : { all: [c.when] }) as TopLevelCondition;
    const label = c.label ?? c.id;
    switch (c.effect.kind) {
      case 'deny':
        add(rule, when, { kind: 'deny', seq, code: c.effect.code, message: c.effect.message, rule });
        break;
      case 'requires':
        gateRule(rule, [c.when], c.effect.gate, c.effect.message ?? label, seq, rule);
        break;
      case 'multiply':
        add(rule, when, { kind: 'factor', seq, permille: c.effect.factor, label, rule });
        break;
      case 'add':
        add(rule, when, { kind: 'add', seq, mc: c.effect.mc, label, rule });
        break;
    }
  });

  return { rules, facts: [...facts].sort((a, b) => (a === PLAN_FACT ? -1 : b === PLAN_FACT ? 1 : a < b ? -1 : a > b ? 1 : 0)) };
}

function collectFacts(tree: ConditionTree, into: Set<string>): void {
  if ('all' in tree) tree.all.forEach((t) => collectFacts(t, into));
  else if ('any' in tree) tree.any.forEach((t) => collectFacts(t, into));
  else if ('not' in tree) collectFacts(tree.not, into);
  else into.add(tree.fact);
}
