/**
 * The events ratecard sends to webhooks: their names and what each carries. The one catalogue: the
 * ledger builds its events against these types, receivers read them with these types.
 *
 * Credits are shown as the API shows them: a number of credits (`0.5` stays `0.5`) next to an
 * exact integer `…Millicredits` twin.
 */

/** Every event type, in the order the README's catalogue lists them. */
export const EVENT_TYPES = [
  'balance.low',
  'quota.reached',
  'grant.expiring',
  'grant.expired',
  'hold.expired',
  'charge.refunded',
  'account.plan_changed',
  'ruleset.activated',
] as const;

/** An event type. */
export type EventType = (typeof EVENT_TYPES)[number];

/** True when `value` names an event type. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/** What each event type carries in `data`. */
export interface EventData {
  /**
   * A debit (a charge, a hold, an expiry) took the account's spendable balance from at or above one
   * of its plan's `lowBalance` thresholds to below it. Once per crossing: the balance must climb back
   * to the threshold before it fires again.
   */
  'balance.low': {
    readonly accountId: string;
    readonly plan: string;
    /** Spendable credits after the change. */
    readonly balance: number;
    readonly balanceMillicredits: number;
    /** Spendable credits before it. */
    readonly previousBalance: number;
    readonly previousBalanceMillicredits: number;
    /** The threshold crossed, in credits. */
    readonly threshold: number;
    readonly thresholdMillicredits: number;
    /** The threshold as the rules write it: `10%` (of the plan's allowance) or `50 cr`. */
    readonly rule: string;
  };
  /** A charge or hold used the last unit of the plan's quota for the action this billing cycle. */
  'quota.reached': {
    readonly accountId: string;
    readonly plan: string;
    readonly action: string;
    readonly used: number;
    readonly quota: number;
    /** The next billing date, when the quota resets. */
    readonly resetsAt: string;
  };
  /** A grant with credits left expires within the configured horizon (once per grant). */
  'grant.expiring': {
    readonly accountId: string;
    readonly grantId: string;
    readonly source: string;
    readonly remaining: number;
    readonly remainingMillicredits: number;
    readonly expiresAt: string;
    readonly plan: string | null;
    readonly pack: string | null;
  };
  /** What was left of a grant expired (an `expiry` entry in the ledger). */
  'grant.expired': {
    readonly accountId: string;
    readonly grantId: string;
    readonly source: string;
    readonly expired: number;
    readonly expiredMillicredits: number;
    readonly expiresAt: string;
    readonly balance: number;
    readonly balanceMillicredits: number;
  };
  /** A hold was neither captured nor released in time: its credits and quota came back. */
  'hold.expired': {
    readonly accountId: string;
    readonly holdId: string;
    readonly action: string;
    readonly amount: number;
    readonly amountMillicredits: number;
    readonly expiresAt: string;
    readonly balance: number;
    readonly balanceMillicredits: number;
  };
  /** All or part of a charge was refunded to the grants that paid it. */
  'charge.refunded': {
    readonly accountId: string;
    readonly chargeId: string;
    readonly action: string;
    readonly refunded: number;
    readonly refundedMillicredits: number;
    /** Everything refunded from the charge so far, this refund included. */
    readonly refundedTotal: number;
    readonly refundedTotalMillicredits: number;
    /** What can still be refunded. */
    readonly remaining: number;
    readonly remainingMillicredits: number;
    readonly reason: string | null;
    readonly balance: number;
    readonly balanceMillicredits: number;
  };
  /**
   * The account's plan changed: an upgrade or an immediate downgrade (`request`), a downgrade that
   * waited for the billing date (`billing-date`), a move off a plan the rules no longer have
   * (`request`, kind `move`), or a plan mapping applied with a rule-set activation (`activation`).
   */
  'account.plan_changed': {
    readonly accountId: string;
    readonly from: string;
    readonly to: string;
    readonly kind: 'upgrade' | 'downgrade' | 'move' | 'mapping';
    readonly cause: 'request' | 'billing-date' | 'activation';
  };
  /** Another rule-set version became active: prices may have changed (refresh local quotes). */
  'ruleset.activated': {
    readonly version: string;
    readonly previous: string | null;
    readonly how: 'activate' | 'rollback' | 'publish';
    readonly activatedBy: string;
    /** The reason given when the activation guard was overridden, else null. */
    readonly forced: string | null;
    /** When the version takes effect: the activation's time, or the time it was scheduled for (ISO 8601). */
    readonly effectiveAt: string;
  };
}

/** An event as a webhook receives it (the request body), and as `GET /v1/events/:id` shows it. */
export interface RatecardEvent<T extends EventType = EventType> {
  /** Stable across retries and replays: deduplicate on it. */
  readonly id: string;
  readonly type: T;
  /** When the change happened (ISO 8601). */
  readonly createdAt: string;
  /** The account the event is about; null for `ruleset.activated`. */
  readonly accountId: string | null;
  readonly data: EventData[T];
}

/** Any event, narrowed by `type`: `if (e.type === 'balance.low') e.data.threshold`. */
export type AnyRatecardEvent = { [T in EventType]: RatecardEvent<T> }[EventType];
