import { REASONS, type ReasonCode } from '@ratecard/engine';
import type { LedgerErrorCode } from '@ratecard/ledger';

/** One problem code: its HTTP status and what it means. */
export interface ErrorSpec {
  readonly status: number;
  readonly meaning: string;
}

/** Codes the HTTP layer answers with itself: framing, authentication, validation, limits. */
const HTTP_ERRORS = {
  INVALID_REQUEST: { status: 400, meaning: 'The request is malformed: a field, a header, a query parameter or the URL (`errors` names each field).' },
  INVALID_JSON: { status: 400, meaning: 'The body is not JSON, or empty while the content type says JSON.' },
  IDEMPOTENCY_KEY_REQUIRED: { status: 400, meaning: 'A charge or hold without an `Idempotency-Key` header.' },
  UNAUTHENTICATED: { status: 401, meaning: 'No API key, or an unknown or revoked one.' },
  FORBIDDEN: { status: 403, meaning: "The key's role may not call this route." },
  NOT_FOUND: { status: 404, meaning: 'No such route.' },
  STUDIO_NOT_BUILT: { status: 404, meaning: 'The Studio was not built (`npm run build`), so `/studio` has nothing to serve.' },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'The route does not take this method.' },
  REQUEST_TIMEOUT: { status: 408, meaning: 'The request did not arrive within `REQUEST_TIMEOUT_MS`.' },
  BODY_TOO_LARGE: { status: 413, meaning: 'The body is larger than `BODY_LIMIT_BYTES`.' },
  URI_TOO_LONG: { status: 414, meaning: 'A path parameter is longer than the service accepts.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'A body that is not `application/json`.' },
  RATE_LIMITED: { status: 429, meaning: 'More than `RATE_LIMIT_PER_KEY` requests per second with this key (`Retry-After` says when to retry).' },
  HEADERS_TOO_LARGE: { status: 431, meaning: 'The request headers are larger than the service accepts.' },
  INTERNAL: { status: 500, meaning: 'The service failed; the error is logged with the request id. Never an answer to bad input.' },
  UNAVAILABLE: { status: 503, meaning: 'The service is shutting down or its database does not answer; retry elsewhere or later.' },
} as const satisfies Record<string, ErrorSpec>;

/** The ledger's errors (`LedgerError`): every `LedgerErrorCode` but `DENIED`, which is a decision. */
const LEDGER_ERRORS = {
  ACCOUNT_NOT_FOUND: { status: 404, meaning: 'No such account.' },
  ACCOUNT_EXISTS: { status: 409, meaning: 'An account with this id exists.' },
  UNKNOWN_PLAN: { status: 422, meaning: 'No such plan in the active rules.' },
  HOLD_NOT_FOUND: { status: 404, meaning: 'No such hold.' },
  HOLD_NOT_ACTIVE: { status: 409, meaning: 'The hold was captured, released or expired.' },
  CHARGE_NOT_FOUND: { status: 404, meaning: 'No such charge.' },
  REFUND_EXCEEDS_CHARGE: { status: 409, meaning: 'More than what is left of the charge to refund.' },
  CAPTURE_EXCEEDS_HOLD: { status: 422, meaning: 'A capture above the hold.' },
  INVALID_GRANT: { status: 422, meaning: 'A grant whose expiry is not after now.' },
  UNKNOWN_PACK: { status: 422, meaning: "No such credit pack in the active rules' catalogue." },
  IDEMPOTENCY_KEY_REUSED: { status: 409, meaning: 'The `Idempotency-Key` was used with another body.' },
  KEY_NOT_FOUND: { status: 404, meaning: 'No such API key.' },
  LAST_ADMIN_KEY: { status: 409, meaning: 'The last active admin key cannot be revoked: create another admin key first.' },
  VERSION_NOT_FOUND: { status: 404, meaning: 'No such rule-set version.' },
  VERSION_AMBIGUOUS: { status: 400, meaning: 'A version prefix that matches several versions.' },
  INVALID_RULES: { status: 422, meaning: 'The rules do not compile (`diagnostics` lists every error).' },
  CASES_FAILED: { status: 422, meaning: "The version's cases fail (`failures` lists them); publish with `force` and a `reason` to override." },
  ACTIVATION_REFUSED: { status: 409, meaning: 'Switching to the version would strand live accounts (`report` says how); map their plans or force with a reason.' },
  INVALID_PLAN_MAPPING: { status: 422, meaning: 'A plan mapping from a plan the version has, to a plan it lacks, or mapping one plan twice.' },
  INVALID_SCHEDULE: { status: 422, meaning: 'A scheduled activation at a time that is not after now, or with a plan mapping (mappings apply at once).' },
  ACTIVATION_NOT_FOUND: { status: 404, meaning: 'No such activation.' },
  ACTIVATION_NOT_PENDING: { status: 409, meaning: 'The activation is not a scheduled one still to come: it took effect, was cancelled, or was never scheduled.' },
  DRAFT_NOT_FOUND: { status: 404, meaning: 'No such draft.' },
  DRAFT_CONFLICT: { status: 409, meaning: 'The draft has a newer revision than the one this save was based on.' },
  INVALID_FILES: { status: 422, meaning: 'Rule files with an unsafe or duplicate path, or not YAML.' },
  WEBHOOK_NOT_FOUND: { status: 404, meaning: 'No such webhook.' },
  WEBHOOK_URL_REFUSED: { status: 422, meaning: 'A webhook URL that is not http(s), carries credentials, or points at a loopback, private or link-local address (`WEBHOOK_ALLOW_PRIVATE_URLS`).' },
  INVALID_WEBHOOK: { status: 422, meaning: 'A webhook with an unknown event type or a secret of the wrong length.' },
  EVENT_NOT_FOUND: { status: 404, meaning: 'No such event.' },
  INVALID_CURSOR: { status: 400, meaning: 'A `cursor` that is not the `next` of a page of this list.' },
  INVALID_QUERY: { status: 400, meaning: 'A filter outside what the list takes (a time outside the years 1 to 9999).' },
} as const satisfies Record<Exclude<LedgerErrorCode, 'DENIED'>, ErrorSpec>;

/**
 * Every `code` a problem document can carry, with its status: one catalogue. The reason codes come
 * from the engine's table ({@link REASONS}), the ledger's codes must all be here (the type says so),
 * and `problem()` takes its status from here, so a code and its status cannot disagree.
 */
export const ERRORS: Readonly<Record<ErrorCode, ErrorSpec>> = { ...HTTP_ERRORS, ...LEDGER_ERRORS, ...REASONS };

/** A problem document's `code`. */
export type ErrorCode = keyof typeof HTTP_ERRORS | keyof typeof LEDGER_ERRORS | ReasonCode;

/** Every problem code, for the OpenAPI enum and the docs. */
export const ERROR_CODES: readonly ErrorCode[] = Object.keys(ERRORS) as ErrorCode[];

/** The code the HTTP layer answers a framework error of `status` with (a status we have no code of is a 400 or a 500). */
export function codeForStatus(status: number): ErrorCode {
  const found = (Object.keys(HTTP_ERRORS) as (keyof typeof HTTP_ERRORS)[]).find((c) => HTTP_ERRORS[c].status === status);
  return found ?? (status >= 500 ? 'INTERNAL' : 'INVALID_REQUEST');
}
