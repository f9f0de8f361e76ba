import type { Millicredits, ParamValue } from '@ratecard/dsl';
import type { ReasonCode } from './reasons';
import type { Alternative } from './alternatives';

/** One reason a request is denied. */
export interface Reason {
  readonly code: ReasonCode;
  readonly message: string;
  /** The rule that denied it, e.g. `image.generate/variant/flux-pro`. */
  readonly rule?: string;
  /** For `PLAN_REQUIRED`: the lowest plan that would be allowed. */
  readonly requiredPlan?: string;
}

/** A receipt line: what it is, and what it adds to the total (the lines sum to the cost). */
export interface BreakdownLine {
  /** Reads like a receipt: `Veo 3.1 Standard 32 cr/s × 8 s = 256`, `2K ×2 = 512`. */
  readonly label: string;
  /** Credits this line adds to the total. */
  readonly credits: number;
  /** The rule that produced the line. */
  readonly rule: string;
  /** Set when the rules mark the value on this line as an assumption: what is assumed. */
  readonly assumption?: string;
}

/** The answer to "may this account do this, and what does it cost?". */
export interface Decision {
  readonly allowed: boolean;
  /** Cost in credits, exact (0.5 stays 0.5). A denied request still reports what it would cost. */
  readonly cost: number;
  /** The same cost as an integer number of millicredits: what the ledger debits. */
  readonly costMillicredits: Millicredits;
  /** True for free actions (explicit exemptions). */
  readonly exempt: boolean;
  /** True when the action must be confirmed (`confirm: true`) before it is charged. */
  readonly requiresConfirmation: boolean;
  /** Empty when allowed. */
  readonly reasons: readonly Reason[];
  readonly breakdown: readonly BreakdownLine[];
  /** The content hash of the rule set that priced it. */
  readonly rulesetVersion: string;
  /** On every denial (absent when allowed): the next best option for each reason, possibly none. */
  readonly alternatives?: readonly Alternative[];
}

/** What `decide` needs to know about the account. */
export interface AccountState {
  readonly plan: string;
  /** Spendable credits in millicredits. */
  readonly balanceMc: Millicredits;
  /**
   * How many times each action was charged in the current cycle. Only the actions for which
   * `usageCounted` is true are read.
   */
  readonly usage: Readonly<Record<string, number>>;
  /** The account's next billing date: when quotas reset and included usage starts again. */
  readonly cycleEnd?: Date;
}

/** What a service asks about. */
export interface DecisionRequest {
  readonly action: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /** The user confirmed an action that requires confirmation. */
  readonly confirm?: boolean;
}

/** Request parameters after defaults were applied. */
export type ResolvedParams = Readonly<Record<string, ParamValue>>;
