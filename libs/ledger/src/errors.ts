import type { Decision } from '@ratecard/engine';

/** Every error the ledger reports. The API maps each to an HTTP status; the CLI prints it. */
export type LedgerErrorCode =
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_EXISTS'
  | 'UNKNOWN_PLAN'
  | 'HOLD_NOT_FOUND'
  | 'HOLD_NOT_ACTIVE'
  | 'CHARGE_NOT_FOUND'
  | 'REFUND_EXCEEDS_CHARGE'
  | 'CAPTURE_EXCEEDS_HOLD'
  | 'INVALID_GRANT'
  | 'UNKNOWN_PACK'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'DENIED'
  | 'KEY_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'VERSION_AMBIGUOUS'
  | 'INVALID_RULES'
  | 'CASES_FAILED'
  | 'ACTIVATION_REFUSED'
  | 'INVALID_PLAN_MAPPING'
  | 'INVALID_CURSOR'
  | 'INVALID_QUERY'
  | 'LAST_ADMIN_KEY'
  | 'DRAFT_NOT_FOUND'
  | 'DRAFT_CONFLICT'
  | 'INVALID_FILES'

  | 'WEBHOOK_NOT_FOUND'
  | 'WEBHOOK_URL_REFUSED'
  | 'INVALID_WEBHOOK'
  | 'EVENT_NOT_FOUND'
  | 'ACTIVATION_NOT_FOUND'
  | 'ACTIVATION_NOT_PENDING'
  | 'INVALID_SCHEDULE';

/** A domain error: a stable code, a message in Cedar's style, optional details. Never an HTTP type. */
export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

/** The rules denied the request; nothing changed. Carries the decision. */
export class DecisionDenied extends LedgerError {
  constructor(
    readonly decision: Decision,
    /** The account state the decision saw, when it was decided against an account. */
    readonly state?: { readonly balanceMc: number; readonly usage: Record<string, number> },
  ) {
    super('DENIED', decision.reasons.map((r) => r.message).join('; '), {});
    this.name = 'DecisionDenied';
  }
}
