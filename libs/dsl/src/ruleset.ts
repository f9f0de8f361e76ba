import type { Millicredits, Money, Permille, Unit } from './amounts';
import type { SourceLocation } from './diagnostics';

/**
 * The rule set after parsing, schema validation and normalisation: shorthand (`32 cr/sec`, `2x`,
 * `premium+`) is resolved into exact values. Every node keeps where it came from in `at`, which is
 * not part of the rule set's meaning (the content hash leaves it out).
 *
 * Collections that come from YAML maps (params, variants, quotas) are records: their key order
 * carries no meaning. Collections that come from YAML lists (plans, multipliers, conditions, phases)
 * are arrays: their order does.
 */
export interface RuleSet {
  /** The plan ladder, lowest first. */
  readonly plans: readonly Plan[];
  readonly cycle: CyclePolicy;
  /** Every action by id. */
  readonly actions: Readonly<Record<string, Action>>;
  /** Credit packs a customer can buy, in the order written (files in path order); empty when none. */
  readonly packs: readonly Pack[];
  /** Promotions in time windows, in the order written (files in path order); empty when none. */
  readonly promotions: readonly Promotion[];
  /** How the price table is laid out. */
  readonly table: TableLayout;
}

/**
 * A promotion (`promotions:`): a lower price for some actions (and optionally some of their variants
 * and plans) from `from` (inclusive) until `until` (exclusive), in UTC. It lowers the base rate, as a
 * percentage off or as a sale rate; multipliers and conditions apply on top. Promotions never stack:
 * two that could apply to the same price at the same instant are an error.
 */
export interface Promotion {
  readonly id: string;
  /** What receipts and the table call it; the id when not written. */
  readonly label: string;
  /** Start, inclusive, in milliseconds since the epoch (UTC). */
  readonly fromMs: number;
  /** End, exclusive, in milliseconds since the epoch (UTC). */
  readonly untilMs: number;
  /** The priced actions on sale. */
  readonly actions: readonly string[];
  /** Values of each action's `by` parameter on sale; absent for every variant. */
  readonly variants?: readonly string[];
  /** The plans it applies to: a list of plan ids, or a gate such as `pro+`; absent for every plan. */
  readonly plans?: readonly string[];
  readonly plansGate?: Gate;
  readonly discount: PromotionDiscount;
  readonly note?: string;
  readonly at: SourceLocation;
  /** Where `until`, each action and each variant are written. */
  readonly untilAt: SourceLocation;
  readonly actionsAt: readonly SourceLocation[];
  readonly variantsAt?: readonly SourceLocation[];
  readonly plansAt?: readonly SourceLocation[];
  readonly discountAt: SourceLocation;
}

/** How a promotion lowers the base rate: a share off (`discount: 50%`), or a sale rate (`rate: 24 cr/sec`). */
export type PromotionDiscount =
  | { readonly kind: 'percent'; /** The share taken off, in per-mille: 50% is 500. */ readonly offPermille: Permille }
  | { readonly kind: 'rate'; readonly mc: Millicredits; /** As written; it must be the rate's unit. */ readonly unit?: Unit };

/** The price table's layout (`table:`), defined in at most one file. */
export interface TableLayout {
  /**
   * The order of the table's action sections (groups), first to last; groups not listed follow in
   * the order they first appear. Empty when the rules do not set an order.
   */
  readonly sections: readonly { readonly name: string; readonly at: SourceLocation }[];
  readonly at?: SourceLocation;
}

/** The layout when the rules set none. */
export const DEFAULT_TABLE: TableLayout = { sections: [] };

/**
 * A credit pack on the catalogue (`packs:`). ratecard takes no payments: the price is shown, and the
 * calling service reports a purchase through the ledger, which grants the credits with this validity.
 */
export interface Pack {
  readonly id: string;
  readonly name: string;
  readonly creditsMc: Millicredits;
  /** Days the granted credits stay spendable; null when they never expire. */
  readonly validDays: number | null;
  /** What the customer pays, when the rules state it. */
  readonly price?: Money;
  readonly note?: string;
  readonly at: SourceLocation;
}

/** A plan on the ladder. */
export interface Plan {
  readonly id: string;
  readonly name: string;
  /** Position on the ladder, 0 for the lowest. */
  readonly rank: number;
  /** Credits granted at the start of each billing cycle. */
  readonly allowanceMc: Millicredits;
  /** Per-action counts allowed per billing cycle; an action not listed is unlimited. */
  readonly quotas: Readonly<Record<string, number>>;
  /**
   * Included usage: per action, how many requests per billing cycle cost nothing (`included:`).
   * The request after them pays the normal price. Empty when the plan includes nothing.
   */
  readonly included: Readonly<Record<string, number>>;
  /** Where each `included` entry is written, by action id. */
  readonly includedAt: Readonly<Record<string, SourceLocation>>;
  /**
   * When the spendable balance is low (`lowBalance:`): each threshold sends one `balance.low` event
   * when a debit takes the balance from at or above it to below it. Absent when the plan sets none.
   */
  readonly lowBalance?: readonly LowBalanceThreshold[];
  readonly assumption?: string;
  readonly at: SourceLocation;
}

/** A `lowBalance` threshold: an amount of credits (`50 cr`), or a share of the plan's allowance (`10%`). */
export type LowBalanceThreshold =
  | { readonly kind: 'credits'; readonly mc: Millicredits; readonly at: SourceLocation }
  | { readonly kind: 'share'; /** 10% is 100. */ readonly permille: Permille; readonly at: SourceLocation };

/** What happens at the billing date and on plan changes. The ledger applies it; the engine exposes it. */
export interface CyclePolicy {
  /** Cycles are monthly, starting on the account's billing anchor day. */
  readonly period: 'monthly';
  /** What happens to unused credits at the end of a cycle. */
  readonly unused: 'expire' | 'roll-over';
  /** What happens to unused credits on a mid-cycle upgrade. */
  readonly upgrade: 'carry-over' | 'expire';
  /**
   * How much a mid-cycle upgrade grants: the new plan's `full` allowance, or only the `difference`
   * between it and the allowance already granted this cycle (so a cycle never grants more than the
   * highest plan's allowance).
   */
  readonly upgradeGrant: 'full' | 'difference';
  /** When a downgrade takes effect. */
  readonly downgrade: 'next-cycle' | 'immediate';
  readonly at?: SourceLocation;
}

/** A parameter value: string, number or boolean. */
export type ParamValue = string | number | boolean;

/** A declared parameter of an action. */
export interface Param {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean';
  /** Allowed values, when the parameter is an enumeration. */
  readonly values?: readonly ParamValue[];
  readonly min?: number;
  readonly max?: number;
  /** Absent when the parameter is required. */
  readonly default?: ParamValue;
  /** Display unit, e.g. `s`. */
  readonly unit?: string;
  readonly description?: string;
  readonly at: SourceLocation;
}

/** A minimum plan: `pro+` is `{ plan: 'pro' }`. */
export interface Gate {
  readonly plan: string;
  readonly at: SourceLocation;
}

/** A rate: credits per unit. */
export interface Rate {
  readonly mc: Millicredits;
  readonly unit: Unit;
  /**
   * Per-plan prices (`plans: { premium: 15 cr }`): the base rate on that plan, in the rate's unit.
   * Multipliers and conditions apply on top, as they do to `mc`. Absent when every plan pays `mc`.
   */
  readonly plans?: Readonly<Record<string, PlanRate>>;
  readonly label?: string;
  readonly requires?: Gate;
  /** Shown in the price table's Notes column, on this variant's row. */
  readonly note?: string;
  readonly assumption?: string;
  readonly at: SourceLocation;
}

/** The base rate of one plan, written under a rate's `plans`. */
export interface PlanRate {
  readonly mc: Millicredits;
  /** The unit as written, when written; it must be the rate's. */
  readonly unit?: Unit;
  readonly at: SourceLocation;
}

/** The price of an action with a price list (as opposed to a free or composite action). */
export interface Price {
  /** The parameter that selects a variant, when the rate depends on one. */
  readonly by?: string;
  /** Where `by` is written. */
  readonly byAt?: SourceLocation;
  /** The metered quantity parameter, for per-second and per-1,000-token rates. */
  readonly per?: string;
  /** The single rate, when there is no `by`. */
  readonly rate?: Rate;
  /** Rates keyed by the `by` parameter's value (as text). */
  readonly variants?: Readonly<Record<string, Rate>>;
  readonly at: SourceLocation;
}

/** A multiplier by one parameter, such as 2K/4K output ×2. */
export interface Multiplier {
  readonly by: string;
  readonly label?: string;
  readonly values: Readonly<Record<string, MultiplierValue>>;
  readonly at: SourceLocation;
}

export interface MultiplierValue {
  readonly factor: Permille;
  readonly label?: string;
  readonly requires?: Gate;
  readonly assumption?: string;
  readonly at: SourceLocation;
}

/** json-rules-engine's condition format, kept as written. */
export type ConditionTree =
  | { readonly all: readonly ConditionTree[] }
  | { readonly any: readonly ConditionTree[] }
  | { readonly not: ConditionTree }
  | ConditionLeaf;

export interface ConditionLeaf {
  readonly fact: string;
  readonly operator: string;
  readonly value: unknown;
}

/** Reason codes a `deny` condition may use. */
export type DenyCode = 'INVALID_PARAMS' | 'PLAN_REQUIRED';

/** What a custom condition does when it holds. Exactly one effect per condition. */
export type ConditionEffect =
  | { readonly kind: 'deny'; readonly code: DenyCode; readonly message: string }
  | { readonly kind: 'requires'; readonly gate: Gate; readonly message?: string }
  | { readonly kind: 'multiply'; readonly factor: Permille }
  | { readonly kind: 'add'; readonly mc: Millicredits };

/** A custom condition in json-rules-engine's format with one effect. */
export interface Condition {
  readonly id: string;
  readonly label?: string;
  readonly when: ConditionTree;
  /** Where each `{ fact, operator, value }` leaf of `when` is, in depth-first order. */
  readonly leavesAt: readonly SourceLocation[];
  readonly effect: ConditionEffect;
  readonly assumption?: string;
  readonly at: SourceLocation;
}

/** One phase of a composite action. */
export interface Phase {
  readonly label: string;
  readonly action: string;
  /** Fixed parameters of the phase action. */
  readonly with: Readonly<Record<string, ParamValue>>;
  /** Parameters of the composite passed through under the same name. */
  readonly pass: readonly string[];
  readonly at: SourceLocation;
}

/** How an action is priced. */
export type ActionKind = 'priced' | 'free' | 'composite';

/** An action a service may ask about. */
export interface Action {
  readonly id: string;
  readonly name: string;
  readonly group?: string;
  readonly description?: string;
  readonly kind: ActionKind;
  /** Declared parameters; for a composite, also those inherited through `pass`. */
  readonly params: Readonly<Record<string, Param>>;
  readonly price?: Price;
  /** The exemption reason of a free action. */
  readonly free?: string;
  readonly phases?: readonly Phase[];
  readonly multipliers: readonly Multiplier[];
  readonly conditions: readonly Condition[];
  readonly requires?: Gate;
  /** Present when the action must be confirmed before it is charged: what the user is told. */
  readonly confirm?: string;
  /** Shown in the price table's Notes column, on the action's rows (a variant's own note wins). */
  readonly note?: string;
  readonly assumption?: string;
  readonly at: SourceLocation;
}

/** Default cycle policy, as the Credits Reference states it. */
export const DEFAULT_CYCLE: CyclePolicy = {
  period: 'monthly',
  unused: 'expire',
  upgrade: 'carry-over',
  upgradeGrant: 'full',
  downgrade: 'next-cycle',
};

/** The fact name for the account's plan in conditions; parameters may not use it. */
export const PLAN_FACT = 'plan';

/**
 * The fact name for the decision time (milliseconds since the epoch) in the rules promotions compile
 * to; parameters may not use it.
 */
export const TIME_FACT = 'now';

/** Operators json-rules-engine provides, and ours. */
export const BUILTIN_OPERATORS: readonly string[] = [
  'equal',
  'notEqual',
  'in',
  'notIn',
  'contains',
  'doesNotContain',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
];
/** Our operators: compare the account's plan with a plan id on the ladder. */
export const PLAN_OPERATORS: readonly string[] = ['planAtLeast', 'planBelow'];
/** json-rules-engine's operator decorators, written `not:equal`, `someValue:in`... */
export const OPERATOR_DECORATORS: readonly string[] = ['someFact', 'someValue', 'everyFact', 'everyValue', 'swap', 'not'];

/** The widest whole-number range a condition, variant or multiplier may test (it is enumerated at compile time). */
export const MAX_ENUMERATED_RANGE = 256;

/**
 * Every value a parameter can take, when there are finitely many: its `values`, `false`/`true`, or a
 * whole-number range of at most {@link MAX_ENUMERATED_RANGE} values. Undefined otherwise.
 */
export function enumerateValues(param: Param): readonly ParamValue[] | undefined {
  if (param.values) return param.values;
  if (param.type === 'boolean') return [false, true];
  if (param.type === 'integer' && param.min !== undefined && param.max !== undefined) {
    const count = Math.floor(param.max) - Math.ceil(param.min) + 1;
    if (count <= MAX_ENUMERATED_RANGE) return Array.from({ length: count }, (_, i) => Math.ceil(param.min!) + i);
  }
  return undefined;
}
