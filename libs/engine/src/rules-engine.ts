import { Engine, type RuleProperties } from 'json-rules-engine';

/**
 * A json-rules-engine `Engine` for one action's rules, with our plan operators: `planAtLeast` and
 * `planBelow` compare the account's plan with a plan id by position on the ladder.
 */
export function makeEngine(rules: readonly RuleProperties[], planRank: ReadonlyMap<string, number>): Engine {
  const engine = new Engine([], { allowUndefinedFacts: false, allowUndefinedConditions: false, replaceFactsInEventParams: false });
  const rank = (plan: unknown): number => planRank.get(String(plan)) ?? -1;
  engine.addOperator<string, string>('planAtLeast', (fact, value) => rank(fact) >= 0 && rank(fact) >= rank(value));
  engine.addOperator<string, string>('planBelow', (fact, value) => rank(fact) < rank(value));
  for (const rule of rules) engine.addRule(rule);
  return engine;
}
