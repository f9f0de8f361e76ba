import type { Action, Param, ParamValue } from '@ratecard/dsl';
import type { AccountState, CompiledRuleSet, DecisionRequest } from '@ratecard/engine';
import { Rng } from '../rng';

/** What a generated request is meant to exercise. */
export type MixKind = 'valid' | 'invalid-params' | 'unknown-action' | 'unknown-plan';

/** One request of the mix and the account state it is decided against. */
export interface MixEntry {
  readonly kind: MixKind;
  readonly account: AccountState;
  readonly request: DecisionRequest;
}

/** How often each kind of request occurs, and which actions are more common than others. */
export interface MixOptions {
  readonly seed: number;
  readonly count: number;
  readonly invalidParams?: number;
  readonly unknownAction?: number;
  readonly unknownPlan?: number;
  /** Relative frequency of some actions (default 1). */
  readonly weights?: Readonly<Record<string, number>>;
}

/** A rough traffic shape for the bundled price list: chat edits and images dominate. */
export const BUNDLED_WEIGHTS: Readonly<Record<string, number>> = {
  'chat.edit': 8,
  'image.generate': 5,
  'text.inline-edit': 3,
  'prompt.enhance': 2,
  'image.edit': 2,
  'video.generate': 2,
  'business-os.chat': 2,
  'site.generate': 1.5,
  'site.regenerate': 1,
};

const TYPOS = ['image.generat', 'video.delete', 'Chat.Edit', 'music.compose', 'site.generate ', ''];

/**
 * A deterministic mix of decision requests over every action and plan of a compiled rule set:
 * valid requests with random parameters (defaults left out half the time), which hit plan gates,
 * quotas, confirmation and low balances as often as the rules make them; invalid parameters
 * (values outside the declaration, wrong types, unknown names); unknown actions; a plan not on the
 * ladder. Works for any rule set, so the 2,000-action set gets the same shape of traffic.
 */
export function requestMix(compiled: CompiledRuleSet, options: MixOptions): MixEntry[] {
  const rng = new Rng(options.seed);
  const actions = [...compiled.actions.values()].map((ca) => ca.action);
  const weighted = actions.map((a) => [a, options.weights?.[a.id] ?? 1] as const);
  const plans = compiled.ruleset.plans;
  const out: MixEntry[] = [];
  for (let i = 0; i < options.count; i++) {
    const r = rng.next();
    const invalid = options.invalidParams ?? 0.07;
    const unknownAction = options.unknownAction ?? 0.03;
    const unknownPlan = options.unknownPlan ?? 0.005;
    const kind: MixKind = r < invalid ? 'invalid-params' : r < invalid + unknownAction ? 'unknown-action' : r < invalid + unknownAction + unknownPlan ? 'unknown-plan' : 'valid';
    const action = rng.weighted(weighted);
    const plan = rng.pick(plans);
    const params = validParams(rng, action);
    if (kind === 'invalid-params') spoil(rng, action, params);
    const usage: Record<string, number> = {};
    const quota = plan.quotas[action.id];
    if (quota !== undefined) usage[action.id] = rng.between(0, quota + 1);
    // Most accounts have most of their allowance left; some are nearly empty.
    const b = rng.next();
    const balanceMc = b < 0.12 ? rng.between(0, 30) * 1000 + rng.int(1000) : b < 0.9 ? Math.round(plan.allowanceMc * (0.1 + 0.9 * rng.next())) : plan.allowanceMc * 10;
    const request: DecisionRequest = {
      action: kind === 'unknown-action' ? (rng.chance(0.5) ? rng.pick(TYPOS) : `${action.id}x`) : action.id,
      ...(Object.keys(params).length > 0 || rng.chance(0.2) ? { params } : {}),
      ...(action.confirm !== undefined ? (rng.chance(0.75) ? { confirm: true } : rng.chance(0.5) ? { confirm: false } : {}) : rng.chance(0.05) ? { confirm: true } : {}),
    };
    out.push({ kind, account: { plan: kind === 'unknown-plan' ? 'enterprise' : plan.id, balanceMc, usage }, request });
  }
  return out;
}

/** Random values inside every declaration; parameters with a default are left out half the time. */
function validParams(rng: Rng, action: Action): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const p of Object.values(action.params)) {
    if (p.default !== undefined && rng.chance(0.5)) continue;
    params[p.name] = validValue(rng, p);
  }
  return params;
}

function validValue(rng: Rng, p: Param): ParamValue {
  if (p.values) return rng.pick(p.values);
  switch (p.type) {
    case 'boolean':
      return rng.chance(0.5);
    case 'integer':
      return rng.between(p.min ?? 0, p.max ?? (p.min ?? 0) + 100);
    case 'number':
      return (p.min ?? 0) + rng.next() * ((p.max ?? (p.min ?? 0) + 100) - (p.min ?? 0));
    default:
      return `text-${rng.int(100)}`;
  }
}

/** Breaks one thing about the parameters, the ways callers get them wrong. */
function spoil(rng: Rng, action: Action, params: Record<string, unknown>): void {
  const declared = Object.values(action.params);
  const how = declared.length === 0 ? 0 : rng.int(4);
  const p = declared.length ? rng.pick(declared) : undefined;
  if (how === 0 || !p) {
    // An unknown name, sometimes a near miss of a real one.
    params[p && rng.chance(0.5) ? `${p.name}s` : 'colour'] = 'red';
  } else if (how === 1) {
    params[p.name] = p.type === 'string' ? `${String(p.values?.[0] ?? 'x')}-bogus` : 'not-a-number';
  } else if (how === 2) {
    params[p.name] = p.type === 'integer' || p.type === 'number' ? (p.max ?? 1000) + 1 : 42;
  } else {
    params[p.name] = p.type === 'integer' ? (p.min ?? 0) + 0.5 : null;
  }
}
