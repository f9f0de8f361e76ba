import type { RuleSet, SourceLocation } from '@ratecard/dsl';

/** Where a rule id of decisions is written: the id a receipt line or a reason names, and its file:line:column. */
export interface RuleLocation {
  /** The id as decisions carry it, e.g. `image.generate/variant/flux-pro`. */
  readonly rule: string;
  /** The action or plan it belongs to. */
  readonly subject: string;
  readonly location: SourceLocation;
}

/**
 * Every rule id a decision can name (receipt lines' and reasons' `rule`), with where the rule set
 * writes it, read from the `at` the DSL keeps on every node. The ids are those the compiler gives
 * its rules (stage "rules") and those `decide` adds for quotas and confirmations; a spec holds the
 * two lists equal on the bundled rules. Also lists each action (`<action>`) and plan (`plans/<id>`)
 * so any subject can be shown. Sorted by id.
 *
 * @example
 * const at = ruleLocations(compiled.ruleset).find((r) => r.rule === 'image.generate/variant/flux-pro');
 * // at.location: { file: 'images.yaml', line: 14, column: 19, path: 'actions["image.generate"].price.variants["flux-pro"]' }
 */
export function ruleLocations(ruleset: RuleSet): RuleLocation[] {
  const out: RuleLocation[] = [];
  const add = (rule: string, subject: string, location: SourceLocation | undefined): void => {
    if (location) out.push({ rule, subject, location });
  };
  for (const plan of ruleset.plans) {
    add(`plans/${plan.id}`, plan.id, plan.at);
    for (const action of Object.keys(plan.quotas)) add(`plans/${plan.id}/quotas/${action}`, plan.id, plan.at);
  }
  for (const action of Object.values(ruleset.actions)) {
    const id = action.id;
    add(id, id, action.at);
    if (action.requires) add(`${id}/requires`, id, action.requires.at);
    if (action.kind === 'free') add(`${id}/free`, id, action.at);
    if (action.confirm !== undefined) add(`${id}/confirm`, id, action.at);
    const price = action.price;
    if (price?.rate) add(`${id}/rate`, id, price.rate.at);
    for (const [key, rate] of Object.entries(price?.variants ?? {})) add(`${id}/variant/${key}`, id, rate.at);
    for (const m of action.multipliers) for (const [key, v] of Object.entries(m.values)) add(`${id}/multiplier/${m.by}=${key}`, id, v.at);
    for (const c of action.conditions) add(`${id}/condition/${c.id}`, id, c.at);
  }
  return out.sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
}
