import type { Decision, ReasonCode } from '@ratecard/engine';
import type { LedgerErrorCode } from '@ratecard/ledger';

/** An RFC 9457 problem document, with our `code` and, for denials, the decision. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly instance?: string;
  readonly requestId?: string;
  readonly decision?: Decision;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
  readonly [extra: string]: unknown;
}

const LEDGER_STATUS: Record<Exclude<LedgerErrorCode, 'DENIED'>, number> = {
  ACCOUNT_NOT_FOUND: 404,
  ACCOUNT_EXISTS: 409,
  UNKNOWN_PLAN: 422,
  HOLD_NOT_FOUND: 404,
  HOLD_NOT_ACTIVE: 409,
  CHARGE_NOT_FOUND: 404,
  REFUND_EXCEEDS_CHARGE: 409,
  CAPTURE_EXCEEDS_HOLD: 422,
  INVALID_GRANT: 422,
  UNKNOWN_PACK: 422,
  IDEMPOTENCY_KEY_REUSED: 409,
  KEY_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  VERSION_AMBIGUOUS: 400,
  INVALID_RULES: 422,
  CASES_FAILED: 422,
  ACTIVATION_REFUSED: 409,
  INVALID_PLAN_MAPPING: 422,
  INVALID_CURSOR: 400,
  WEBHOOK_NOT_FOUND: 404,
  WEBHOOK_URL_REFUSED: 422,
  INVALID_WEBHOOK: 422,
  EVENT_NOT_FOUND: 404,
};

/** The status of a ledger error. */
export function ledgerStatus(code: Exclude<LedgerErrorCode, 'DENIED'>): number {
  return LEDGER_STATUS[code];
}

/**
 * A denial is not a failure of the service: it answers with the status that says why. When a
 * decision has several reasons, the first of this order decides the status: a request that can't be
 * priced (422), then what the plan forbids (403), then confirmation (409), then credits (402).
 */
const DENIAL_ORDER: readonly [ReasonCode, number][] = [
  ['UNKNOWN_ACTION', 422],
  ['INVALID_PARAMS', 422],
  ['PLAN_REQUIRED', 403],
  ['QUOTA_EXCEEDED', 403],
  ['CONFIRMATION_REQUIRED', 409],
  ['INSUFFICIENT_CREDITS', 402],
];

/** The status and code of a denied decision. */
export function denialStatus(decision: Decision): { status: number; code: ReasonCode } {
  for (const [code, status] of DENIAL_ORDER) if (decision.reasons.some((r) => r.code === code)) return { status, code };
  return { status: 403, code: decision.reasons[0]?.code ?? 'PLAN_REQUIRED' };
}

/** `INSUFFICIENT_CREDITS` -> `insufficient-credits`. */
export function problemType(code: string): string {
  return `https://ratecard.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}

/** `INSUFFICIENT_CREDITS` -> `Insufficient credits`. */
export function problemTitle(code: string): string {
  const words = code.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Builds a problem document. Extra members never replace the standard ones. */
export function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { ...extra, type: problemType(code), title: problemTitle(code), status, code, detail };
}

/** A problem raised by the HTTP layer itself (auth, validation, headers). */
export class ProblemException extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}
