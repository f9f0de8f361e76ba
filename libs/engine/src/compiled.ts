import type { Engine } from 'json-rules-engine';
import type { Action, Pack, Param, ParamValue, Plan, RuleSet } from '@ratecard/dsl';
import type { Cell } from './price';
import type { Timeline } from './timeline';

/** One dimension of an action's cell table: the plan or an enumerated parameter. */
export interface Dimension {
  /** `plan` or a parameter name. */
  readonly fact: string;
  readonly values: readonly ParamValue[];
  /** Value -> position in `values`. */
  readonly index: ReadonlyMap<ParamValue, number>;
  /** How far one step along this dimension moves in the flat cell array. */
  readonly stride: number;
  /** The parameter, absent for the plan dimension. */
  readonly param?: Param;
}

/** An action compiled for decisions: its settled cell table and what is needed to pick a cell. */
export interface CompiledAction {
  readonly action: Action;
  readonly dims: readonly Dimension[];
  /**
   * Every combination of the dimensions, settled by running the rules; row-major over `dims`. These
   * are the regular prices, with no promotion running; `timeline` has the cells of other times.
   */
  readonly cells: readonly Cell[];
  /** Present when a promotion can change the action's price: the cells of each segment of time. */
  readonly timeline?: Timeline;
  /** Parameters that are not dimensions, validated at decision time. */
  readonly otherParams: readonly Param[];
  readonly params: ReadonlyMap<string, Param>;
  /** Facts the rules read (the dimensions' facts). */
  readonly facts: readonly string[];
  /** The action's rules in json-rules-engine, kept for the reference path and for audits. */
  readonly engine: Engine;
}

/** A plan with fast lookups. */
export interface CompiledPlan {
  readonly plan: Plan;
  readonly quotas: ReadonlyMap<string, number>;
  /** Included usage: requests per cycle that cost nothing, by action. */
  readonly included: ReadonlyMap<string, number>;
  /**
   * Every action whose decisions read this cycle's usage count on this plan (a quota, included
   * usage or both), with both limits: one lookup per decision.
   */
  readonly perCycle: ReadonlyMap<string, PerCycle>;
}

/** What a plan counts per billing cycle for one action. */
export interface PerCycle {
  /** Requests allowed per cycle, when limited. */
  readonly quota?: number;
  /** Requests per cycle that cost nothing, when some are included. */
  readonly included?: number;
}

/**
 * True when `decide` reads this cycle's usage count of `action` for an account on `plan`: the plan
 * has a quota or included usage for it. The one definition of which usage a caller must count and
 * pass in `AccountState.usage`; false for a plan or action these rules do not know.
 */
export function usageCounted(compiled: CompiledRuleSet, plan: string, action: string): boolean {
  return compiled.plans.get(plan)?.perCycle.has(action) ?? false;
}

/**
 * A rule set compiled once and evaluated many times (OPA's `PreparedEvalQuery`). Immutable; its
 * `version` is the content hash of the rule set's canonical form.
 */
export interface CompiledRuleSet {
  readonly version: string;
  readonly ruleset: RuleSet;
  readonly plans: ReadonlyMap<string, CompiledPlan>;
  readonly actions: ReadonlyMap<string, CompiledAction>;
  /** The credit packs on the catalogue, by id (in the order written). */
  readonly packs: ReadonlyMap<string, Pack>;
  /** Every instant (milliseconds since the epoch, UTC) where some price changes, ascending. */
  readonly priceChanges: readonly number[];
}
