import type { RuleProperties, TopLevelCondition } from 'json-rules-engine';
import { buildRules, decide, decideByRules, decideWithEngines, makeEngine, type CompiledRuleSet, type Decision, type Settleable } from '@ratecard/engine';
import { decideByHand, type HandAnswer } from './hand-written';
import type { MixEntry } from './mix';

/** The decision time passed to every contender (the rules do not depend on it). */
export const NOW = new Date('2026-03-20T12:00:00.000Z');

/** What every contender is compared on. */
export interface Answer {
  readonly allowed: boolean;
  readonly costMc: number;
  readonly codes: string;
  /** Messages, rules and receipt lines, when the contender produces them. */
  readonly detail?: string;
}

/** One way of deciding, timed side by side with the others. */
export type Contender =
  | { readonly key: string; readonly label: string; readonly sync: true; readonly run: (e: MixEntry) => Decision | HandAnswer; readonly answer: (e: MixEntry) => Answer }
  | { readonly key: string; readonly label: string; readonly sync: false; readonly run: (e: MixEntry) => Promise<Decision>; readonly answer: (e: MixEntry) => Promise<Answer> };

export function fromDecision(d: Decision): Answer {
  return {
    allowed: d.allowed,
    costMc: d.costMillicredits,
    codes: d.reasons.map((r) => r.code).join(','),
    detail: JSON.stringify({ exempt: d.exempt, confirm: d.requiresConfirmation, reasons: d.reasons, breakdown: d.breakdown, version: d.rulesetVersion }),
  };
}

/**
 * json-rules-engine used the naive way: ONE Engine holding every action's rules, each rule guarded
 * by `action == id`. The guard gets a higher condition priority so json-rules-engine checks it
 * before the rule's own conditions: without it, rules of other actions read facts this request
 * does not have and the engine (allowUndefinedFacts: false, as in `makeEngine`) throws.
 */
export function combinedEngine(compiled: CompiledRuleSet): (id: string) => Settleable {
  const ruleset = compiled.ruleset;
  const rules: RuleProperties[] = [];
  for (const [id, action] of Object.entries(ruleset.actions)) {
    for (const rule of buildRules(action, ruleset).rules) {
      const guarded = { all: [{ fact: 'action', operator: 'equal', value: id, priority: 10 }, rule.conditions] } as unknown as TopLevelCondition;
      rules.push({ ...rule, name: `${id}: ${String(rule.name)}`, conditions: guarded });
    }
  }
  const engine = makeEngine(rules, new Map(ruleset.plans.map((p) => [p.id, p.rank])));
  const targets = new Map<string, Settleable>();
  for (const [id, ca] of compiled.actions) targets.set(id, { action: ca.action, engine, facts: ca.facts, extraFacts: { action: id } });
  return (id) => targets.get(id)!;
}

/** Number of json-rules-engine rules in the combined engine. */
export function ruleCount(compiled: CompiledRuleSet): number {
  let n = 0;
  for (const action of Object.values(compiled.ruleset.actions)) n += buildRules(action, compiled.ruleset).rules.length;
  return n;
}

/** The four contenders of the engine section, over one compiled rule set. */
export function contenders(compiled: CompiledRuleSet): Contender[] {
  const combined = combinedEngine(compiled);
  return [
    {
      key: 'decide',
      label: 'ratecard decide (compiled cell lookup)',
      sync: true,
      run: (e) => decide(compiled, e.account, e.request, NOW),
      answer: (e) => fromDecision(decide(compiled, e.account, e.request, NOW)),
    },
    {
      key: 'jreOneEngine',
      label: 'json-rules-engine, one Engine with all rules',
      sync: false,
      run: (e) => decideWithEngines(compiled, combined, e.account, e.request, NOW),
      answer: async (e) => fromDecision(await decideWithEngines(compiled, combined, e.account, e.request, NOW)),
    },
    {
      key: 'jrePerAction',
      label: 'json-rules-engine, one Engine per action (decideByRules)',
      sync: false,
      run: (e) => decideByRules(compiled, e.account, e.request, NOW),
      answer: async (e) => fromDecision(await decideByRules(compiled, e.account, e.request, NOW)),
    },
    {
      key: 'handWritten',
      label: 'hand-written JS (Map lookups + arithmetic)',
      sync: true,
      run: (e) => decideByHand(e.account, e.request),
      answer: (e) => {
        const h = decideByHand(e.account, e.request);
        return { allowed: h.allowed, costMc: h.costMc, codes: h.reasons.join(',') };
      },
    },
  ];
}
