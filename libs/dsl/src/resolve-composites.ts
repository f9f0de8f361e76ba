import { closest } from './check-schema';
import type { Diagnostic } from './diagnostics';
import { checkValue } from './normalize-params';
import type { Action, Param, Phase, RuleSet } from './ruleset';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Stage "resolve composites": rejects cycles and unknown phase actions, then, in dependency order,
 * gives each composite the parameters it passes through (inheriting the phase action's declaration:
 * type, values, bounds, default), checks fixed `with` values, and names unlabelled phases.
 *
 * Returns the composites in an order where every composite comes after the composites it uses.
 */
export function resolveComposites(ruleset: RuleSet, diagnostics: Diagnostic[]): string[] {
  const actions = ruleset.actions as Record<string, Mutable<Action>>;
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done' | 'broken'>();

  const visit = (id: string, trail: string[]): boolean => {
    const action = actions[id];
    if (!action || action.kind !== 'composite') return true;
    const s = state.get(id);
    if (s === 'done') return true;
    if (s === 'broken') return false;
    if (s === 'visiting') return false;
    state.set(id, 'visiting');
    let ok = true;
    for (const phase of action.phases ?? []) {
      const target = actions[phase.action];
      if (!target) {
        const near = closest(phase.action, Object.keys(ruleset.actions));
        diagnostics.push({ severity: 'error', code: 'unknown-action', message: `phase refers to unknown action \`${phase.action}\``, location: phase.at, ...(near ? { hint: `did you mean \`${near}\`?` } : {}) });
        ok = false;
        continue;
      }
      if (state.get(phase.action) === 'visiting') {
        const path = [...trail, id];
        const cycle = [...path.slice(path.indexOf(phase.action)), phase.action];
        diagnostics.push({
          severity: 'error',
          code: 'composite-cycle',
          message: `composite actions form a cycle: ${cycle.map((c) => `\`${c}\``).join(' → ')}`,
          location: phase.at,
        });
        ok = false;
        continue;
      }
      if (!visit(phase.action, [...trail, id])) ok = false;
    }
    if (ok) ok = inheritParams(action, actions, diagnostics);
    state.set(id, ok ? 'done' : 'broken');
    if (ok) order.push(id);
    return ok;
  };

  for (const id of Object.keys(actions).sort()) visit(id, []);
  return order;
}

function inheritParams(action: Mutable<Action>, actions: Record<string, Action>, diagnostics: Diagnostic[]): boolean {
  const before = diagnostics.length;
  const params: Record<string, Param> = { ...action.params };
  const inheritedFrom = new Map<string, string>();
  const phases: Phase[] = [];
  const error = (code: string, message: string, phase: Phase, hint?: string): void => {
    diagnostics.push({ severity: 'error', code, message, location: phase.at, ...(hint ? { hint } : {}) });
  };

  for (const phase of action.phases ?? []) {
    const target = actions[phase.action];
    for (const name of phase.pass) {
      const declared = target.params[name];
      if (!declared) {
        error('undeclared-param', `\`${phase.action}\` has no parameter \`${name}\` to pass through`, phase);
        continue;
      }
      if (name in phase.with) error('pass-conflict', `\`${name}\` is both passed through and fixed with \`with\``, phase);
      const own = action.params[name];
      if (own) {
        const problem = narrows(own, declared);
        if (problem) error('pass-conflict', `\`${action.id}\` declares \`${name}\` but ${problem} of \`${phase.action}\``, phase);
      } else if (params[name] && !sameDeclaration(params[name], declared)) {
        error('pass-conflict', `\`${name}\` is passed to \`${inheritedFrom.get(name)}\` and \`${phase.action}\`, which declare it differently`, phase, 'declare the parameter on the composite to settle its values');
      } else if (!params[name]) {
        params[name] = { ...declared };
        inheritedFrom.set(name, phase.action);
      }
    }
    for (const [name, value] of Object.entries(phase.with)) {
      const declared = target.params[name];
      if (!declared) {
        error('undeclared-param', `\`${phase.action}\` has no parameter \`${name}\``, phase);
        continue;
      }
      const problem = checkValue(declared, value);
      if (problem) error('phase-value-not-allowed', `\`${name}\` of \`${phase.action}\`: the value ${problem}`, phase);
    }
    for (const [name, declared] of Object.entries(target.params)) {
      if (declared.default === undefined && !(name in phase.with) && !phase.pass.includes(name)) {
        error('missing-phase-param', `\`${phase.action}\` needs \`${name}\`, which this phase neither passes nor fixes`, phase);
      }
    }
    phases.push(phase.label ? phase : { ...phase, label: target.name });
  }
  for (const name of Object.keys(action.params)) {
    if (!action.phases?.some((p) => p.pass.includes(name))) {
      diagnostics.push({ severity: 'warning', code: 'unused-param', message: `parameter \`${name}\` is not passed to any phase`, location: action.params[name].at });
    }
  }
  if (action.multipliers.length > 0) {
    diagnostics.push({
      severity: 'error',
      code: 'composite-adjustment',
      message: 'a composite costs the sum of its phases and cannot have multipliers',
      location: action.multipliers[0].at,
      hint: 'put the multiplier on the phase action',
    });
  }
  for (const c of action.conditions) {
    if (c.effect.kind === 'multiply' || c.effect.kind === 'add') {
      diagnostics.push({
        severity: 'error',
        code: 'composite-adjustment',
        message: `condition \`${c.id}\` adjusts a price, but a composite costs the sum of its phases`,
        location: c.at,
        hint: 'composites may use `deny` and `requires` conditions; adjust the phase action instead',
      });
    }
  }
  action.params = params;
  action.phases = phases;
  return diagnostics.length === before || diagnostics.slice(before).every((d) => d.severity === 'warning');
}

/** Why `own` is not a narrowing of `target` (fewer values, tighter bounds), or undefined. */
function narrows(own: Param, target: Param): string | undefined {
  if (own.type !== target.type && !(target.type === 'number' && own.type === 'integer')) return `as a ${own.type}, not the ${target.type}`;
  if (target.values) {
    const extra = (own.values ?? []).filter((v) => !target.values!.includes(v));
    if (!own.values) return 'without the list of values';
    if (extra.length) return `allows ${extra.map((v) => `\`${String(v)}\``).join(', ')}, which is not a value`;
  }
  if (target.min !== undefined && (own.min === undefined || own.min < target.min)) return `allows values below the minimum ${target.min}`;
  if (target.max !== undefined && (own.max === undefined || own.max > target.max)) return `allows values above the maximum ${target.max}`;
  return undefined;
}

function sameDeclaration(a: Param, b: Param): boolean {
  return a.type === b.type && a.min === b.min && a.max === b.max && a.default === b.default && JSON.stringify(a.values) === JSON.stringify(b.values);
}
