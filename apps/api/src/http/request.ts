import { fromCredits, type Millicredits } from '@ratecard/dsl';
import type { Caller } from '@ratecard/ledger';
import type { AuthedRequest } from './auth';
import { problem, ProblemException } from './problem';

/** Who is calling, for the ledger's logs and audit trail. */
export function callerOf(req: AuthedRequest): Caller {
  const id = req.apiKey?.id;
  return id ? { actor: id, apiKeyId: id } : { actor: 'anonymous' };
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** Reads the `Idempotency-Key` header: 1-255 visible ASCII characters. */
export function idempotencyKey(value: string | string[] | undefined, required: true): string;
export function idempotencyKey(value: string | string[] | undefined, required: false): string | undefined;
export function idempotencyKey(value: string | string[] | undefined, required: boolean): string | undefined {
  if (value === undefined || value === '') {
    if (!required) return undefined;
    throw new ProblemException(problem('IDEMPOTENCY_KEY_REQUIRED', 'send an `Idempotency-Key` header (e.g. a UUID) so a retry never charges twice'));
  }
  if (Array.isArray(value) || !KEY.test(value)) {
    throw new ProblemException(problem('INVALID_REQUEST', '`Idempotency-Key` must be one header of 1 to 255 visible ASCII characters'));
  }
  return value;
}

/** Credits from a request body to millicredits; more than three decimals is a 400. */
export function credits(field: string, value: number): Millicredits {
  const mc = fromCredits(value);
  if (mc === undefined) throw new ProblemException(problem('INVALID_REQUEST', `\`${field}\` must have at most three decimals (1 credit = 1,000 millicredits)`, { errors: [{ field, message: 'at most three decimals' }] }));
  return mc;
}

/** An expiry from a request body: an ISO 8601 time, or `never` (null). A time no Date can hold is a 400. */
export function expiryOf(field: string, value: string): Date | null {
  if (value === 'never') return null;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new ProblemException(problem('INVALID_REQUEST', `\`${field}\` is not a time`, { errors: [{ field, message: 'not a valid time' }] }));
  return at;
}
