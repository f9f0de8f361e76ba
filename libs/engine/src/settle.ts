import type { Engine } from 'json-rules-engine';
import { PLAN_FACT, TIME_FACT, UNITS, type Action, type ParamValue, type Unit } from '@ratecard/dsl';
import type { BreakdownLine, Reason } from './decision';
import type { RuleEvent } from './compile/rules';
import { withFixed, type Cell, type Step, type Term } from './price';

/** Facts for one evaluation: `plan` and parameter values. */
export type Facts = Readonly<Record<string, ParamValue>>;

/** Settles a phase action at the given facts; the compiler looks cells up, the reference path runs rules. */
export type PhaseCell = (actionId: string, facts: Facts) => Promise<Cell>;

/** The events of an action's rules at the given facts, in declared order. */
export type EventSource = (facts: Facts) => Promise<RuleEvent[]>;

/** The parts of a compiled action that settling needs. */
export interface Settleable {
  readonly action: Action;
  readonly engine: Engine;
  /** Facts the action's rules read (its table dimensions). */
  readonly facts: readonly string[];
  /** Facts added to every run, e.g. `action` when one engine holds every action's rules. */
  readonly extraFacts?: Readonly<Record<string, ParamValue>>;
}

/**
 * Runs an action's rules for one combination of facts and folds the events into a cell: the rate,
 * the steps in declared order, and the denials. For a composite, combines its phases' cells.
 * Used at compile time for every combination, and at run time by the reference path.
 */
export async function settle(target: Settleable, facts: Facts, phaseCell: PhaseCell, lookup: (id: string) => Settleable, events: EventSource = (f) => run(target, f)): Promise<Cell> {
  const { action } = target;
  if (action.kind === 'free') {
    const line: BreakdownLine = { label: `${action.name}: free (${action.free})`, credits: 0, rule: `${action.id}/free` };
    return withFixed({ exempt: true, denials: [], terms: [], freeLines: [{ index: 0, line }] });
  }
  return fold(target, facts, await events(facts), phaseCell, lookup);
}

/** Folds an action's events at `facts` into its cell (with its phases' cells for a composite). */
async function fold(target: Settleable, facts: Facts, events: RuleEvent[], phaseCell: PhaseCell, lookup: (id: string) => Settleable): Promise<Cell> {
  const { action } = target;
  const denials = events.filter((e): e is Extract<RuleEvent, { kind: 'deny' }> => e.kind === 'deny').map(toReason);
  if (action.kind === 'priced') {
    const rate = events.find((e): e is Extract<RuleEvent, { kind: 'rate' }> => e.kind === 'rate');
    // INVARIANT: check-references guarantees a variant for every value of `by`, so a rate always fires.
    if (!rate) throw new Error(`no rate fired for ${action.id} at ${JSON.stringify(facts)}`);
    const steps: Step[] = events
      .filter((e): e is Extract<RuleEvent, { kind: 'factor' | 'add' }> => e.kind === 'factor' || e.kind === 'add')
      .map((e) => {
        const extra = e.assumption ? { assumption: e.assumption } : {};
        return e.kind === 'factor' ? { kind: 'factor', permille: e.permille, label: e.label, rule: e.rule, ...extra } : { kind: 'add', mc: e.mc, label: e.label, rule: e.rule, ...extra };
      });
    const per = action.price?.per;
    // INVARIANT: check-promotions rejects promotions that could both apply to one price at one instant.
    const promotion = events.find((e): e is Extract<RuleEvent, { kind: 'promotion' }> => e.kind === 'promotion');
    // A sale rate replaces the base rate (never raising it); a share off is the first step, before multipliers.
    const sale = promotion?.rateMc !== undefined ? Math.min(promotion.rateMc, rate.rateMc) : undefined;
    if (promotion?.offPermille !== undefined) {
      steps.unshift({ kind: 'factor', permille: 1000 - promotion.offPermille, label: promotion.label, rule: promotion.rule, shown: `-${percentText(promotion.offPermille)}` });
    }
    const term: Term = {
      label: sale === undefined ? rate.label : `${rate.baseLabel ?? rate.label} (${promotion!.label})`,
      rateMc: sale ?? rate.rateMc,
      unit: rate.unit as Unit,
      ...(per !== undefined ? { meter: per } : {}),
      ...(per !== undefined && action.params[per]?.unit ? { meterUnit: action.params[per].unit } : {}),
      steps,
      prefix: '',
      rule: sale === undefined ? rate.rule : promotion!.rule,
      ...(rate.assumption ? { assumption: rate.assumption } : {}),
    };
    return withFixed({ exempt: false, denials, terms: [term], freeLines: [] });
  }

  // Composite: the sum of its phases.
  const terms: Term[] = [];
  const freeLines: { index: number; line: BreakdownLine }[] = [];
  const allDenials: Reason[] = [...denials];
  let exempt = true;
  for (const phase of action.phases ?? []) {
    const phaseTarget = lookup(phase.action);
    const phaseAction = phaseTarget.action;
    const phaseFacts: Record<string, ParamValue> = {};
    for (const fact of phaseTarget.facts) {
      if (fact === PLAN_FACT || fact === TIME_FACT) phaseFacts[fact] = facts[fact];
      else if (fact in phase.with) phaseFacts[fact] = phase.with[fact];
      else if (phase.pass.includes(fact)) phaseFacts[fact] = facts[fact];
      else phaseFacts[fact] = phaseAction.params[fact].default as ParamValue;
    }
    const cell = await phaseCell(phase.action, phaseFacts);
    const prefix = `${phase.label}: `;
    exempt = exempt && cell.exempt;
    for (const d of cell.denials) allDenials.push({ ...d, message: prefix + d.message });
    for (const f of cell.freeLines) {
      const label = phaseAction.kind === 'free' ? `${prefix}free (${phaseAction.free})` : prefix + f.line.label;
      freeLines.push({ index: terms.length + f.index, line: { ...f.line, label } });
    }
    for (const t of cell.terms) terms.push(bindMeter(t, phase.with, phase.pass, phaseAction, prefix));
  }
  return withFixed({ exempt, denials: allDenials, terms, freeLines });
}

/**
 * Rebinds a phase term's meter: a quantity fixed by `with` (or left at its default) is baked into the
 * term; a quantity passed through stays metered by the composite's parameter of the same name.
 */
function bindMeter(term: Term, fixed: Readonly<Record<string, ParamValue>>, pass: readonly string[], phaseAction: Action, prefix: string): Term {
  const base = { ...term, prefix: prefix + term.prefix };
  if (term.meter === undefined || !UNITS[term.unit].metered || pass.includes(term.meter)) return base;
  const quantity = Number(term.meter in fixed ? fixed[term.meter] : phaseAction.params[term.meter].default);
  const { meter: _meter, ...rest } = base;
  return { ...rest, quantity };
}

async function run(target: Settleable, facts: Facts): Promise<RuleEvent[]> {
  const { events } = await target.engine.run({ ...facts, ...target.extraFacts });
  return sortEvents(events.map((e) => e.params as RuleEvent));
}

/** Events in declared order: the order steps apply and reasons are reported. */
export function sortEvents(events: RuleEvent[]): RuleEvent[] {
  return events.sort((a, b) => a.seq - b.seq);
}

/** A share in per-mille as a percentage: 500 -> `50%`, 125 -> `12.5%`. */
export function percentText(permille: number): string {
  return `${Math.floor(permille / 10)}${permille % 10 ? `.${permille % 10}` : ''}%`;
}

function toReason(e: Extract<RuleEvent, { kind: 'deny' }>): Reason {
  return { code: e.code, message: e.message, rule: e.rule, ...(e.requiredPlan ? { requiredPlan: e.requiredPlan } : {}) };
}
