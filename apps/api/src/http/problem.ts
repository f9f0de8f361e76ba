import { decidingReason, REASONS, type Decision, type ReasonCode } from '@ratecard/engine';
import { ERRORS, type ErrorCode } from './error-codes';

/** An RFC 9457 problem document, with our `code` and, for denials, the decision. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail: string;
  readonly instance?: string;
  readonly requestId?: string;
  readonly decision?: Decision;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
  readonly [extra: string]: unknown;
}

/** The status and code of a denied decision: its deciding reason's, from the engine's table. */
export function denialStatus(decision: Decision): { status: number; code: ReasonCode } {
  const code = decidingReason(decision)?.code ?? 'PLAN_REQUIRED';
  return { status: REASONS[code].status, code };
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

/** Builds a problem document; its status is the code's ({@link ERRORS}). Extra members never replace the standard ones. */
export function problem(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { ...extra, type: problemType(code), title: problemTitle(code), status: ERRORS[code].status, code, detail };
}

/** A problem raised by the HTTP layer itself (auth, validation, headers). */
export class ProblemException extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}
