import { checkValue, closest, formatCredits, PLAN_FACT, TIME_FACT, type Millicredits, type Param, type ParamValue } from '@ratecard/dsl';
import { CONFIRM, planAlternatives, topUp, waitForReset, type Alternative } from './alternatives';
import type { CompiledAction, CompiledRuleSet } from './compiled';
import type { AccountState, BreakdownLine, Decision, DecisionRequest, Reason } from './decision';
import { fixedBreakdown, meteredCostAndLines, type Cell } from './price';
import { settle, type Facts, type Settleable } from './settle';
import { cellsAt } from './timeline';

const NO_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});
const NONE: readonly never[] = Object.freeze([]);

/**
 * Decides whether `account` may do `request` and what it costs, against a compiled rule set.
 * Pure and synchronous: a lookup of the settled cell plus arithmetic on metered quantities, then the
 * account checks (quota, included usage, confirmation, balance). `now` is the decision time: it picks
 * the segment of time (which promotions run) whose cells price the request.
 *
 * @example
 * const d = decide(compiled, { plan: 'basic', balanceMc: 1_500_000, usage: {} }, { action: 'image.generate' }, new Date());
 * // d.allowed === true, d.cost === 18
 */
export function decide(compiled: CompiledRuleSet, account: AccountState, request: DecisionRequest, now: Date): Decision {
  const ca = compiled.actions.get(request.action);
  if (ca === undefined) return unknownAction(compiled, request.action);
  if (!compiled.plans.has(account.plan)) return invalid(compiled, ca, [planProblem(account.plan)]);
  const params = request.params ?? NO_PARAMS;

  let index = 0;
  let problems: Reason[] | undefined;
  for (const d of ca.dims) {
    let value: unknown;
    if (d.param === undefined) value = account.plan;
    else {
      value = valueOf(params, d.param);
    }
    const i = d.index.get(value as ParamValue);
    if (i === undefined) (problems ??= []).push(paramProblem(d.param!, value));
    else index += i * d.stride;
  }
  for (let i = 0; i < ca.otherParams.length; i++) {
    const p = ca.otherParams[i];
    const value = valueOf(params, p);
    if (value === undefined || checkValue(p, value) !== undefined) (problems ??= []).push(paramProblem(p, value));
  }
  for (const key of Object.keys(params)) if (!ca.params.has(key)) (problems ??= []).push(unknownParam(ca, key));
  if (problems !== undefined) return invalid(compiled, ca, problems);

  const cells = ca.timeline === undefined ? ca.cells : cellsAt(ca, now.getTime());
  return finish(compiled, ca, cells[index], account, request, params);
}

/**
 * The reference path: runs the action's json-rules-engine rules for this one request (and its
 * phases' rules, recursively) instead of looking up the settled cell. Slow, and the definition the
 * fast path must equal; the property tests hold them equal.
 */
export async function decideByRules(compiled: CompiledRuleSet, account: AccountState, request: DecisionRequest, now: Date): Promise<Decision> {
  return decideWithEngines(compiled, (id) => compiled.actions.get(id)!, account, request, now);
}

/**
 * The reference path with the engines supplied: `engines(id)` gives the json-rules-engine `Engine`
 * (and any extra facts) that settles action `id`. With one Engine per action this is
 * {@link decideByRules}; benchmarks also run it with one Engine holding every action's rules.
 */
export async function decideWithEngines(compiled: CompiledRuleSet, engines: (id: string) => Settleable, account: AccountState, request: DecisionRequest, now: Date): Promise<Decision> {
  const ca = compiled.actions.get(request.action);
  if (ca === undefined) return unknownAction(compiled, request.action);
  if (!compiled.plans.has(account.plan)) return invalid(compiled, ca, [planProblem(account.plan)]);
  const params = request.params ?? NO_PARAMS;
  const problems: Reason[] = [];
  const facts: Record<string, ParamValue> = { [PLAN_FACT]: account.plan, [TIME_FACT]: now.getTime() };
  const check = (p: Param): void => {
    const value = valueOf(params, p);
    if (value === undefined || checkValue(p, value) !== undefined) problems.push(paramProblem(p, value));
    else facts[p.name] = value as ParamValue;
  };
  for (const fact of ca.facts) if (fact !== PLAN_FACT && fact !== TIME_FACT) check(ca.params.get(fact)!);
  for (const p of ca.params.values()) if (!ca.facts.includes(p.name)) check(p);
  for (const key of Object.keys(params)) if (!ca.params.has(key)) problems.push(unknownParam(ca, key));
  if (problems.length > 0) return invalid(compiled, ca, problems);
  const byRules = (id: string, f: Facts): Promise<Cell> => settle(engines(id), f, byRules, engines);
  const own: Record<string, ParamValue> = {};
  for (const f of ca.facts) own[f] = facts[f];
  const cell = await settle(engines(ca.action.id), own, byRules, engines);
  // What a denial could do instead is found among the compiled cells, not by running rules: take it
  // from the compiled cell of the same combination and time.
  let index = 0;
  for (const d of ca.dims) index += d.index.get(facts[d.fact])! * d.stride;
  const alternatives = cellsAt(ca, now.getTime())[index].alternatives;
  return finish(compiled, ca, alternatives ? { ...cell, alternatives } : cell, account, request, params);
}

/** The account checks after pricing: quota, confirmation, balance. Shared by both paths. */
function finish(compiled: CompiledRuleSet, ca: CompiledAction, cell: Cell, account: AccountState, request: DecisionRequest, params: Readonly<Record<string, unknown>>): Decision {
  let mc: Millicredits;
  let breakdown: readonly BreakdownLine[];
  if (cell.fixed !== undefined) {
    mc = cell.fixed.mc;
    breakdown = cell.fixed.breakdown ?? fixedBreakdown(cell);
  } else {
    const priced = meteredCostAndLines(cell, (name) => valueOf(params, ca.params.get(name)!) as number);
    mc = priced.mc;
    breakdown = priced.breakdown;
  }
  let reasons: Reason[] | undefined = cell.denials.length > 0 ? [...cell.denials] : undefined;
  const id = ca.action.id;
  // INVARIANT: both paths return early for a plan that is not on the ladder.
  const plan = compiled.plans.get(account.plan)!;
  const limits = plan.perCycle.get(id);
  if (limits !== undefined) {
    const used = account.usage[id] ?? 0;
    if (limits.quota !== undefined && used >= limits.quota) {
      (reasons ??= []).push({
        code: 'QUOTA_EXCEEDED',
        message: `the ${plan.plan.name} plan allows ${limits.quota} \`${id}\` per billing cycle and ${used} ${used === 1 ? 'was' : 'were'} used`,
        rule: `plans/${plan.plan.id}/quotas/${id}`,
      });
    }
    if (limits.included !== undefined && used < limits.included && mc > 0) {
      // Included usage: the price is shown, then waived, so the receipt still adds up to the cost.
      const line: BreakdownLine = { label: `included with ${plan.plan.name}: ${used + 1} of ${limits.included} this cycle`, credits: -mc / 1000, rule: `plans/${plan.plan.id}/included/${id}` };
      breakdown = [...breakdown, line];
      mc = 0;
    }
  }
  const confirm = ca.action.confirm;
  if (confirm !== undefined && request.confirm !== true) {
    (reasons ??= []).push({ code: 'CONFIRMATION_REQUIRED', message: confirm, rule: `${id}/confirm` });
  }
  if (mc > account.balanceMc) {
    (reasons ??= []).push({
      code: 'INSUFFICIENT_CREDITS',
      message: `costs ${formatCredits(mc)} credits and the balance is ${formatCredits(account.balanceMc)}`,
    });
  }
  if (reasons === undefined) {
    return { allowed: true, cost: mc / 1000, costMillicredits: mc, exempt: cell.exempt, requiresConfirmation: confirm !== undefined, reasons: NONE, breakdown, rulesetVersion: compiled.version };
  }
  return {
    allowed: false,
    cost: mc / 1000,
    costMillicredits: mc,
    exempt: cell.exempt,
    requiresConfirmation: confirm !== undefined,
    reasons,
    breakdown,
    rulesetVersion: compiled.version,
    alternatives: alternativesFor(compiled, ca, cell, reasons, mc, account, params),
  };
}

/**
 * The value of parameter `p`: what the caller gave (own keys only), else its default. A parameter
 * may be named `constructor` or `toString`, which every object inherits: read as given, they hid
 * the default. `null` is given (and invalid), not absent.
 */
function valueOf(params: Readonly<Record<string, unknown>>, p: Param): unknown {
  const given = Object.hasOwn(params, p.name) ? params[p.name] : undefined;
  return given === undefined ? p.default : given;
}

/** The next best option for each reason of a denial, in the order of the reasons, once per code. */
function alternativesFor(compiled: CompiledRuleSet, ca: CompiledAction, cell: Cell, reasons: readonly Reason[], mc: Millicredits, account: AccountState, params: Readonly<Record<string, unknown>>): readonly Alternative[] {
  // PLAN_REQUIRED alone (the most common denial) needs no new list.
  if (reasons.length === 1 && reasons[0].code === 'PLAN_REQUIRED') return cell.alternatives ? planAlternatives(compiled, cell.alternatives, quantityOf(ca, params)) : NONE;
  const out: Alternative[] = [];
  let plan = false;
  for (const r of reasons) {
    if (r.code === 'PLAN_REQUIRED') {
      if (plan || !cell.alternatives) continue;
      plan = true;
      out.push(...planAlternatives(compiled, cell.alternatives, quantityOf(ca, params)));
    } else if (r.code === 'QUOTA_EXCEEDED') out.push(waitForReset(account.cycleEnd));
    else if (r.code === 'CONFIRMATION_REQUIRED') out.push(CONFIRM);
    else if (r.code === 'INSUFFICIENT_CREDITS') out.push(topUp(compiled, mc, account.balanceMc));
  }
  return out;
}

/** The request's quantity of a metered parameter (its default when not given). */
function quantityOf(ca: CompiledAction, params: Readonly<Record<string, unknown>>): (name: string) => number {
  return (name) => valueOf(params, ca.params.get(name)!) as number;
}

function unknownAction(compiled: CompiledRuleSet, action: string): Decision {
  return denied(compiled, [{ code: 'UNKNOWN_ACTION', message: `unknown action \`${action}\`` }]);
}

function invalid(compiled: CompiledRuleSet, ca: CompiledAction, reasons: Reason[]): Decision {
  return { ...denied(compiled, reasons), requiresConfirmation: ca.action.confirm !== undefined, exempt: ca.action.kind === 'free' };
}

function denied(compiled: CompiledRuleSet, reasons: Reason[]): Decision {
  return { allowed: false, cost: 0, costMillicredits: 0, exempt: false, requiresConfirmation: false, reasons, breakdown: NONE, rulesetVersion: compiled.version, alternatives: NONE };
}

/** The account's plan is not in these rules (e.g. removed by a new version): nothing can be priced. */
function planProblem(plan: string): Reason {
  return { code: 'PLAN_REQUIRED', message: `the account's plan \`${plan}\` is not on the plan ladder of this rule set` };
}

function paramProblem(param: Param, value: unknown): Reason {
  const message = value === undefined ? `missing required parameter \`${param.name}\`` : `\`${param.name}\`: ${checkValue(param, value) ?? `\`${String(value)}\` is not allowed`}`;
  return { code: 'INVALID_PARAMS', message };
}

function unknownParam(ca: CompiledAction, key: string): Reason {
  const known = [...ca.params.keys()];
  const near = closest(key, known);
  const hint = near ? `; did you mean \`${near}\`?` : known.length ? `; parameters are ${known.map((k) => `\`${k}\``).join(', ')}` : '; it takes no parameters';
  return { code: 'INVALID_PARAMS', message: `unknown parameter \`${key}\` for \`${ca.action.id}\`${hint}` };
}
