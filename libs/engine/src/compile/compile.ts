import { enumerateValues, hasErrors, loadRuleSet, PLAN_FACT, TIME_FACT, sortDiagnostics, type Diagnostic, type ParamValue, type Plan, type RuleSet, type SourceFile } from '@ratecard/dsl';
import type { CompiledAction, CompiledPlan, CompiledRuleSet, Dimension, PerCycle } from '../compiled';
import type { Cell } from '../price';
import { cellsAt } from '../timeline';
import { makeEngine } from '../rules-engine';
import { settle, sortEvents, type EventSource, type Facts, type Settleable } from '../settle';
import { buildRules, ruleFacts, type RuleEvent } from './rules';
import type { RuleProperties } from 'json-rules-engine';
import { withAlternatives } from './alternatives';
import { segmentsByAction } from './segments';
import { checkUsable } from './usable';
import { rulesetVersion } from './version';

/** Most cells one action may settle; beyond it the table is a sign of a modelling mistake. */
export const MAX_CELLS_PER_ACTION = 100_000;

/** The outcome of compiling: the compiled rule set when there is no error, and every diagnostic. */
export interface CompileResult {
  readonly compiled?: CompiledRuleSet;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Compiles a checked rule set. Named stages, in order:
 * 1. `rules`: every action's price list becomes json-rules-engine rules (compile/rules.ts);
 * 2. `segments`: the instants where promotions start or end cut time into segments (compile/segments.ts);
 * 3. `dimensions`: the facts those rules read, but time, become the dimensions of the action's cell table;
 * 4. `settle`: json-rules-engine runs once per combination and segment, phases before composites (settle.ts);
 *    then `alternatives`: what each cell denied PLAN_REQUIRED could do instead (compile/alternatives.ts);
 * 5. `usable`: an action no plan can use is an error (compile/usable.ts);
 * 6. `version`: the content hash of the canonical form (compile/version.ts).
 */
export async function compile(ruleset: RuleSet): Promise<CompileResult> {
  const diagnostics: Diagnostic[] = [];
  const planRank = new Map(ruleset.plans.map((p) => [p.id, p.rank]));
  const plans = new Map<string, CompiledPlan>(ruleset.plans.map((p) => [p.id, compilePlan(p)]));

  // Stage "rules" and the facts each action reads. Composites read what their phases read.
  const targets = new Map<string, Settleable>();
  const ruleLists = new Map<string, readonly RuleProperties[]>();
  const order = dependencyOrder(ruleset);
  for (const id of order) {
    const action = ruleset.actions[id];
    const { rules, facts } = buildRules(action, ruleset);
    ruleLists.set(id, rules);
    const all = new Set(facts);
    for (const phase of action.phases ?? []) {
      for (const f of targets.get(phase.action)?.facts ?? []) {
        if (f === PLAN_FACT || f === TIME_FACT || phase.pass.includes(f)) all.add(f);
      }
    }
    const sorted = [...all].sort((a, b) => (a === PLAN_FACT ? -1 : b === PLAN_FACT ? 1 : a < b ? -1 : a > b ? 1 : 0));
    targets.set(id, { action, engine: makeEngine(rules, planRank), facts: sorted });
  }

  // Stages "segments", "dimensions" and "settle".
  const segments = segmentsByAction(ruleset, order);
  const actions = new Map<string, CompiledAction>();
  const lookup = (id: string): Settleable => targets.get(id)!;
  const cellAt = (id: string, facts: Facts): Promise<Cell> => {
    const ca = actions.get(id)!;
    let i = 0;
    for (const d of ca.dims) i += d.index.get(facts[d.fact])! * d.stride;
    return Promise.resolve(cellsAt(ca, facts[TIME_FACT] as number)[i]);
  };
  for (const id of order) {
    const target = targets.get(id)!;
    const { action } = target;
    const seg = segments.get(id)!;
    const dims = dimensions(target.facts, ruleset, action.params);
    const count = dims.reduce((n, d) => n * d.values.length, 1);
    const distinct = new Set(seg.keys).size;
    if (count * distinct > MAX_CELLS_PER_ACTION) {
      const times = distinct > 1 ? ` in ${distinct} spans of time with different promotions` : '';
      diagnostics.push({
        severity: 'error',
        code: 'too-many-combinations',
        message: `\`${id}\` has ${count * distinct} combinations of plan and parameters${times}; at most ${MAX_CELLS_PER_ACTION} are settled per action`,
        location: action.at,
        hint: 'split the action, or let fewer parameters affect its price',
      });
      continue;
    }
    const events = await projectedEvents(ruleLists.get(id)!, planRank, (fact) => (fact === TIME_FACT ? seg.at : dims.find((d) => d.fact === fact)!.values));
    const byKey = new Map<string, readonly Cell[]>();
    const settled: (readonly Cell[])[] = [];
    let regular: Cell[] | undefined;
    for (let k = 0; k < seg.keys.length; k++) {
      const same = byKey.get(seg.keys[k]);
      if (same) {
        settled.push(same);
        continue;
      }
      const cells: Cell[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const facts: Record<string, ParamValue> = seg.starts.length ? { [TIME_FACT]: seg.at[k] } : {};
        for (const d of dims) facts[d.fact] = d.values[Math.floor(i / d.stride) % d.values.length];
        const fired = await events(facts);
        // A priced action's cell depends on time only through its promotions: with none running for
        // this combination, it is the regular cell.
        if (regular && action.kind === 'priced' && !fired.some((e) => e.kind === 'promotion')) cells[i] = regular[i];
        else cells[i] = Object.freeze(await settle(target, facts, cellAt, lookup, () => Promise.resolve(fired)));
      }
      regular ??= cells;
      const quantity = (name: string): number => Number(action.params[name]?.default ?? Math.max(1, action.params[name]?.min ?? 1));
      byKey.set(seg.keys[k], Object.freeze(withAlternatives(cells, dims, plans, id, quantity)));
      settled.push(byKey.get(seg.keys[k])!);
    }
    const params = new Map(Object.entries(action.params));
    actions.set(
      id,
      Object.freeze({
        action,
        dims,
        // INVARIANT: no promotion runs before the first change, so segment 0 holds the regular prices.
        cells: settled[0],
        // Present on every action (undefined when its price never changes), so all share one shape.
        timeline: seg.starts.length ? Object.freeze({ starts: seg.starts, segments: Object.freeze(settled) }) : undefined,
        otherParams: Object.freeze([...params.values()].filter((p) => !target.facts.includes(p.name))),
        params,
        facts: target.facts,
        engine: target.engine,
      }),
    );
  }

  checkUsable(actions, plans, diagnostics);
  const sorted = sortDiagnostics(diagnostics);
  if (hasErrors(sorted)) return { diagnostics: sorted };
  return {
    compiled: Object.freeze({
      version: rulesetVersion(ruleset),
      ruleset,
      plans,
      actions,
      packs: new Map(ruleset.packs.map((p) => [p.id, p])),
      priceChanges: Object.freeze([...new Set([...segments.values()].flatMap((s) => s.starts))].sort((a, b) => a - b)),
    }),
    diagnostics: sorted,
  };
}

function compilePlan(plan: Plan): CompiledPlan {
  const perCycle = new Map<string, PerCycle>();
  for (const [action, quota] of Object.entries(plan.quotas)) perCycle.set(action, { quota });
  for (const [action, included] of Object.entries(plan.included)) perCycle.set(action, Object.freeze({ ...perCycle.get(action), included }));
  for (const [action, limits] of perCycle) perCycle.set(action, Object.freeze(limits));
  return Object.freeze({ plan, quotas: new Map(Object.entries(plan.quotas)), included: new Map(Object.entries(plan.included)), perCycle });
}

/** Loads and compiles in one step; diagnostics of both. */
export async function compileSources(files: readonly SourceFile[]): Promise<CompileResult> {
  const loaded = loadRuleSet(files);
  if (!loaded.ruleset) return { diagnostics: loaded.diagnostics };
  const compiled = await compile(loaded.ruleset);
  return { ...compiled, diagnostics: sortDiagnostics([...loaded.diagnostics, ...compiled.diagnostics]) };
}

function dimensions(facts: readonly string[], ruleset: RuleSet, params: RuleSet['actions'][string]['params']): Dimension[] {
  // Time is not a dimension: it picks the segment (timeline.ts), and each segment has its own cells.
  const raw = facts.filter((fact) => fact !== TIME_FACT).map((fact) => {
    const values: readonly ParamValue[] = fact === PLAN_FACT ? ruleset.plans.map((p) => p.id) : (enumerateValues(params[fact]) ?? []);
    return { fact, values, param: fact === PLAN_FACT ? undefined : params[fact] };
  });
  const dims: Dimension[] = [];
  let stride = 1;
  for (let i = raw.length - 1; i >= 0; i--) {
    const { fact, values, param } = raw[i];
    dims.unshift(Object.freeze({ fact, values, index: new Map(values.map((v, j) => [v, j])), stride, ...(param ? { param } : {}) }));
    stride *= values.length;
  }
  return dims;
}

/**
 * Stage "settle", the json-rules-engine part. Rules are evaluated independently of each other, so
 * a rule's outcome depends only on the facts it reads: the rules are grouped by those facts, each
 * group runs in its own Engine over the combinations of just its facts, and a cell's events are
 * the union of its groups' events at the cell's projection. The same events as running every rule
 * for every cell (the reference path does exactly that, and the property tests hold them equal),
 * for a fraction of the evaluations: model variants run once per model, not once per cell.
 */
async function projectedEvents(rules: readonly RuleProperties[], planRank: ReadonlyMap<string, number>, valuesOf: (fact: string) => readonly ParamValue[]): Promise<EventSource> {
  const groups = new Map<string, { facts: string[]; rules: RuleProperties[] }>();
  for (const rule of rules) {
    const facts = ruleFacts(rule);
    const key = facts.join('\u0000');
    const group = groups.get(key) ?? { facts, rules: [] };
    group.rules.push(rule);
    groups.set(key, group);
  }
  const tables: { facts: string[]; index: Map<ParamValue, number>[]; strides: number[]; events: RuleEvent[][] }[] = [];
  for (const g of groups.values()) {
    const engine = makeEngine(g.rules, planRank);
    const values = g.facts.map(valuesOf);
    const strides = values.map((_, i) => values.slice(i + 1).reduce((n, v) => n * v.length, 1));
    const size = values.reduce((n, v) => n * v.length, 1);
    const events: RuleEvent[][] = new Array(size);
    for (let i = 0; i < size; i++) {
      const facts: Record<string, ParamValue> = {};
      g.facts.forEach((f, j) => (facts[f] = values[j][Math.floor(i / strides[j]) % values[j].length]));
      events[i] = (await engine.run(facts)).events.map((e) => e.params as RuleEvent);
    }
    tables.push({ facts: g.facts, index: values.map((v) => new Map(v.map((x, j) => [x, j]))), strides, events });
  }
  return (facts: Facts) => {
    const all: RuleEvent[] = [];
    for (const t of tables) {
      let i = 0;
      for (let j = 0; j < t.facts.length; j++) i += t.index[j].get(facts[t.facts[j]])! * t.strides[j];
      all.push(...t.events[i]);
    }
    return Promise.resolve(sortEvents(all));
  };
}

/** Actions ordered so that every composite comes after the actions of its phases. */
function dependencyOrder(ruleset: RuleSet): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  const visit = (id: string): void => {
    if (done.has(id)) return;
    done.add(id);
    for (const phase of ruleset.actions[id].phases ?? []) visit(phase.action);
    order.push(id);
  };
  Object.keys(ruleset.actions).sort().forEach(visit);
  return order;
}
