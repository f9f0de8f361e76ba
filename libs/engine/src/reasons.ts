import type { Decision, Reason } from './decision';

/** What one reason code means for the service around the engine. */
export interface ReasonSpec {
  /** The HTTP status of a charge or hold denied for this reason (a quote answers 200 with it). */
  readonly status: 402 | 403 | 409 | 422;
  /** True when this reason, found again at capture time, refuses the capture of a hold. */
  readonly blocksCapture: boolean;
  /** What it means, in the words the README and the OpenAPI document use. */
  readonly meaning: string;
}

/**
 * The reason codes: a closed set, one row each, in precedence order. A decision lists its reasons as
 * they arise (the rules' denials in declaration order, then quota, confirmation, credits); when it
 * has several, the first of this order decides the answer ({@link decidingReason}): a request that
 * cannot be priced (422), then what the plan forbids (403), then confirmation (409), then credits
 * (402). The API's problem mapping, the OpenAPI enums and the cases JSON schema follow this table
 * (tests hold them equal).
 *
 * A capture charges a hold that already passed quota, confirmation and credits (its amount is
 * reserved and its quota counted), so only the reasons that say the actual request cannot be
 * priced or is not allowed on the plan block it.
 */
export const REASONS = {
  UNKNOWN_ACTION: { status: 422, blocksCapture: true, meaning: 'No such action in the active rules.' },
  INVALID_PARAMS: { status: 422, blocksCapture: true, meaning: 'A parameter is unknown, missing, of the wrong type or outside its values or bounds.' },
  PLAN_REQUIRED: { status: 403, blocksCapture: true, meaning: 'The plan may not do this (`requiredPlan` says which may).' },
  QUOTA_EXCEEDED: { status: 403, blocksCapture: false, meaning: "The plan's count for this billing cycle is used up (e.g. Basic's 2 sites)." },
  CONFIRMATION_REQUIRED: { status: 409, blocksCapture: false, meaning: 'The action must be confirmed: send `"confirm": true` after warning the user (the full-regeneration fallback).' },
  INSUFFICIENT_CREDITS: { status: 402, blocksCapture: false, meaning: 'The cost is above the spendable balance.' },
} as const satisfies Record<string, ReasonSpec>;

/** Why a request is denied. A closed set: services can switch on it. */
export type ReasonCode = keyof typeof REASONS;

/** Every reason code, in precedence order. */
export const REASON_CODES: readonly ReasonCode[] = Object.keys(REASONS) as ReasonCode[];

/** The reason that decides a denied decision's answer: the first of its reasons in precedence order. */
export function decidingReason(decision: Pick<Decision, 'reasons'>): Reason | undefined {
  for (const code of REASON_CODES) {
    const found = decision.reasons.find((r) => r.code === code);
    if (found) return found;
  }
  return undefined;
}

/** The reasons of `decision` that refuse a capture ({@link ReasonSpec.blocksCapture}). */
export function captureBlockers(decision: Pick<Decision, 'reasons'>): readonly Reason[] {
  return decision.reasons.filter((r) => REASONS[r.code].blocksCapture);
}
