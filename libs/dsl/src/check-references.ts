import { UNITS } from './amounts';
import { closest } from './check-schema';
import type { Diagnostic, SourceLocation } from './diagnostics';
import { rateUnits } from './normalize';
import {
  BUILTIN_OPERATORS,
  enumerateValues,
  MAX_ENUMERATED_RANGE,
  OPERATOR_DECORATORS,
  PLAN_FACT,
  PLAN_OPERATORS,
  type Action,
  type ConditionTree,
  type Gate,
  type Param,
  type Rate,
  type RuleSet,
} from './ruleset';

/**
 * Stage "check references": everything that names something else must name something that exists
 * and fits: plans in gates, parameters in `by`, `per` and conditions, values in variants, multipliers
 * and conditions, actions in quotas, operators in conditions.
 */
export function checkReferences(ruleset: RuleSet, diagnostics: Diagnostic[]): void {
  const planIds = ruleset.plans.map((p) => p.id);
  const push = (severity: Diagnostic['severity'], code: string, message: string, location: SourceLocation, hint?: string): void => {
    diagnostics.push({ severity, code, message, location, ...(hint ? { hint } : {}) });
  };
  const checkGate = (g: Gate | undefined): void => {
    if (!g || planIds.length === 0) return;
    if (!planIds.includes(g.plan)) {
      const near = closest(g.plan, planIds);
      push('error', 'unknown-plan', `\`${g.plan}+\` names no plan on the ladder`, g.at, near ? `did you mean \`${near}+\`?` : `plans are ${planIds.map((p) => `\`${p}\``).join(', ')}`);
    } else if (g.plan === planIds[0]) {
      push('warning', 'gate-has-no-effect', `\`${g.plan}+\` is the lowest plan, so this gate allows every plan`, g.at);
    }
  };

  const rankOf = new Map(ruleset.plans.map((p) => [p.id, p.rank]));
  /** Per-plan prices name plans on the ladder, in the rate's unit, and plans that may use the rate. */
  const checkPlanRates = (r: Rate, action: Action): void => {
    for (const [plan, pr] of Object.entries(r.plans ?? {})) {
      const rank = rankOf.get(plan);
      if (rank === undefined) {
        if (planIds.length === 0) continue;
        const near = closest(plan, planIds);
        push('error', 'unknown-plan', `a price for \`${plan}\`, which names no plan on the ladder`, pr.at, near ? `did you mean \`${near}\`?` : `plans are ${planIds.map((p) => `\`${p}\``).join(', ')}`);
        continue;
      }
      if (pr.unit !== undefined && pr.unit !== r.unit) {
        push('error', 'mixed-units', `the ${plan} price is per \`${pr.unit}\` but the rate is per \`${r.unit}\``, pr.at, 'write the plan price in the rate\'s unit, or leave the unit out');
      }
      const gate = [action.requires, r.requires].filter((g): g is Gate => g !== undefined && rankOf.has(g.plan)).map((g) => rankOf.get(g.plan)!);
      if (gate.some((g) => rank < g)) push('warning', 'plan-price-gated', `\`${plan}\` may not use this rate (it needs a higher plan), so its price only shows on denials`, pr.at);
    }
  };

  for (const plan of ruleset.plans) {
    for (const [actionId, count] of Object.entries(plan.quotas)) {
      const action = ruleset.actions[actionId];
      if (!action) {
        const near = closest(actionId, Object.keys(ruleset.actions));
        push('error', 'unknown-action', `plan \`${plan.id}\` has a quota for unknown action \`${actionId}\``, plan.at, near ? `did you mean \`${near}\`?` : undefined);
      } else if (action.kind === 'free') {
        push('error', 'free-with-quota', `plan \`${plan.id}\` limits free action \`${actionId}\` to ${count} per cycle, but free actions are allowed on every plan`, plan.at);
      }
    }
  }

  for (const action of Object.values(ruleset.actions)) {
    checkGate(action.requires);
    const param = (name: string, at: SourceLocation, role: string): Param | undefined => {
      const p = action.params[name];
      if (!p) {
        const names = Object.keys(action.params);
        const near = closest(name, names);
        // `by: plan` cannot be a parameter (the plan is the account's): the price per plan is written on the rate.
        const hint =
          name === PLAN_FACT
            ? 'a price that depends on the plan is written on the rate, e.g. `price: { rate: 18 cr, plans: { premium: 15 cr } }`; `plan` is the account\'s plan, not a parameter'
            : near
              ? `did you mean \`${near}\`?`
              : names.length
                ? `parameters are ${names.map((n) => `\`${n}\``).join(', ')}`
                : 'declare it under `params`';
        push('error', 'undeclared-param', `${role} \`${name}\` is not a parameter of \`${action.id}\``, at, hint);
      }
      return p;
    };
    const enumerated = (p: Param, at: SourceLocation, role: string): boolean => {
      if (enumerateValues(p)) return true;
      push('error', 'param-not-enumerated', `${role} \`${p.name}\` needs a list of \`values\` (or whole numbers with at most ${MAX_ENUMERATED_RANGE} values between \`min\` and \`max\`)`, at);
      return false;
    };
    const checkKeys = (p: Param, keys: string[], at: (k: string) => SourceLocation, what: string): void => {
      const allowed = (enumerateValues(p) ?? []).map(String);
      for (const k of keys) {
        if (!allowed.includes(k)) {
          const near = closest(k, allowed);
          push('error', 'unknown-value', `${what} \`${k}\` is not a value of \`${p.name}\``, at(k), near ? `did you mean \`${near}\`?` : `values are ${allowed.map((v) => `\`${v}\``).join(', ')}`);
        }
      }
    };

    const price = action.price;
    if (price) {
      const rates = price.rate ? [price.rate] : Object.values(price.variants ?? {});
      rates.forEach((r) => {
        checkGate(r.requires);
        checkPlanRates(r, action);
      });
      if (price.by) {
        const byAt = price.byAt ?? price.at;
        const p = param(price.by, byAt, '`by`');
        if (p && enumerated(p, byAt, '`by`')) {
          const keys = Object.keys(price.variants ?? {});
          checkKeys(p, keys, (k) => price.variants![k].at, 'variant');
          const missing = (enumerateValues(p) ?? []).map(String).filter((v) => !keys.includes(v));
          if (missing.length) push('error', 'missing-variant', `no rate for ${missing.map((m) => `\`${m}\``).join(', ')} of \`${p.name}\``, price.at, 'every value of the `by` parameter needs a variant');
        }
      }
      const units = rateUnits(price);
      if (units.length > 1) push('error', 'mixed-units', `the rates mix units: ${units.map((u) => `\`${u}\``).join(', ')}`, price.at);
      const metered = units.some((u) => UNITS[u].metered);
      if (metered && !price.per) {
        push('error', 'missing-per', `a ${UNITS[units[0]].words} rate needs \`per\`: the parameter that counts the quantity`, price.at, 'e.g. `per: seconds`');
      } else if (!metered && price.per) {
        push('error', 'per-without-meter', `\`per: ${price.per}\` needs a metered rate such as \`32 cr/sec\` or \`2 cr/1k-tokens\``, price.at);
      } else if (price.per) {
        const p = param(price.per, price.at, '`per`');
        if (p) {
          if (p.type !== 'integer' && p.type !== 'number') push('error', 'meter-not-number', `\`per\` parameter \`${p.name}\` must be a number`, p.at);
          else if (p.max === undefined) push('error', 'meter-unbounded', `\`per\` parameter \`${p.name}\` needs a \`max\` so that a price is always bounded`, p.at);
          if ((p.type === 'integer' || p.type === 'number') && (p.min === undefined || p.min < 0)) push('error', 'meter-negative', `\`per\` parameter \`${p.name}\` needs a \`min\` of 0 or more`, p.at);
        }
      }
    }

    for (const m of action.multipliers) {
      const p = param(m.by, m.at, 'multiplier `by`');
      Object.values(m.values).forEach((v) => checkGate(v.requires));
      if (p && enumerated(p, m.at, 'multiplier `by`')) checkKeys(p, Object.keys(m.values), (k) => m.values[k].at, 'multiplier value');
    }

    const seen = new Set<string>();
    for (const c of action.conditions) {
      if (seen.has(c.id)) push('error', 'duplicate-condition', `condition \`${c.id}\` appears twice in \`${action.id}\``, c.at);
      seen.add(c.id);
      if (c.effect.kind === 'requires') checkGate(c.effect.gate);
      let leaf = 0;
      walkCondition(c.when, (l) => checkLeaf(action, l, c.leavesAt[leaf++] ?? c.at, planIds, push));
    }
  }
}

function walkCondition(tree: ConditionTree, visit: (leaf: { fact: string; operator: string; value: unknown }) => void): void {
  if ('all' in tree) tree.all.forEach((t) => walkCondition(t, visit));
  else if ('any' in tree) tree.any.forEach((t) => walkCondition(t, visit));
  else if ('not' in tree) walkCondition(tree.not, visit);
  else visit(tree);
}

/** Splits `not:equal` into decorators and the base operator. */
export function splitOperator(operator: string): { decorators: string[]; base: string } {
  const parts = operator.split(':');
  return { decorators: parts.slice(0, -1), base: parts[parts.length - 1] };
}

function checkLeaf(
  action: Action,
  leaf: { fact: string; operator: string; value: unknown },
  at: SourceLocation,
  planIds: string[],
  push: (severity: Diagnostic['severity'], code: string, message: string, location: SourceLocation, hint?: string) => void,
): void {
  const { decorators, base } = splitOperator(leaf.operator);
  const known = [...BUILTIN_OPERATORS, ...PLAN_OPERATORS];
  for (const d of decorators) {
    if (!OPERATOR_DECORATORS.includes(d)) push('error', 'unknown-operator', `\`${d}\` is not an operator decorator`, at, `decorators are ${OPERATOR_DECORATORS.map((o) => `\`${o}\``).join(', ')}`);
  }
  if (!known.includes(base)) {
    const near = closest(base, known);
    push('error', 'unknown-operator', `\`${base}\` is not an operator`, at, near ? `did you mean \`${near}\`?` : undefined);
  }
  const facts = [PLAN_FACT, ...Object.keys(action.params)];
  if (!facts.includes(leaf.fact)) {
    const near = closest(leaf.fact, facts);
    push('error', 'unknown-fact', `condition tests \`${leaf.fact}\`, which is neither \`plan\` nor a parameter of \`${action.id}\``, at, near ? `did you mean \`${near}\`?` : `facts are ${facts.map((f) => `\`${f}\``).join(', ')}`);
    return;
  }
  if (['in', 'notIn'].includes(base) && !Array.isArray(leaf.value) && !decorators.includes('swap')) {
    push('error', 'condition-value-type', `\`${base}\` compares with a list, e.g. \`value: [2k, 4k]\``, at);
  }
  if (['contains', 'doesNotContain'].includes(base) || decorators.some((d) => d === 'someFact' || d === 'everyFact')) {
    push('error', 'operator-not-applicable', `\`${leaf.operator}\` tests a list, but \`${leaf.fact}\` is a single value`, at, 'use `equal`, `in` or `notIn`');
  }
  if (leaf.fact === PLAN_FACT && ['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'].includes(base)) {
    push('error', 'operator-not-applicable', `\`${base}\` compares numbers; compare plans with \`planAtLeast\` or \`planBelow\``, at);
  }
  // Values are checked against the fact's values only for plain operators; decorators change what is compared.
  const plain = decorators.length === 0;
  const compared = !plain ? [] : ['equal', 'notEqual'].includes(base) ? [leaf.value] : ['in', 'notIn'].includes(base) && Array.isArray(leaf.value) ? [...leaf.value] : [];
  if (leaf.fact === PLAN_FACT) {
    if (PLAN_OPERATORS.includes(base) && plain) compared.push(leaf.value);
    for (const v of compared) {
      if (typeof v === 'object' && v !== null) push('error', 'unknown-plan', `condition compares the plan with ${Array.isArray(v) ? 'a list' : 'a mapping'}, not a plan id`, at, `plans are ${planIds.map((p) => `\`${p}\``).join(', ')}`);
      else if (!planIds.includes(String(v))) push('error', 'unknown-plan', `condition compares the plan with \`${String(v)}\`, which names no plan`, at);
    }
    return;
  }
  if (!known.includes(base)) return;
  if (PLAN_OPERATORS.includes(base)) {
    push('error', 'unknown-operator', `\`${base}\` compares plans; use it with the fact \`plan\``, at);
    return;
  }
  const p = action.params[leaf.fact];
  const values = enumerateValues(p);
  if (!values) {
    push('error', 'param-not-enumerated', `conditions can test parameters with a list of \`values\` or whole numbers with at most ${MAX_ENUMERATED_RANGE} values; \`${p.name}\` has neither`, at, 'conditions are settled at compile time for every value');
    return;
  }
  for (const v of compared) {
    if (!values.includes(v as never)) push('error', 'unknown-value', `condition compares \`${p.name}\` with \`${String(v)}\`, which is not one of its values`, at);
  }
}
