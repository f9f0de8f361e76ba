import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AnyRatecardEvent } from './events';

/**
 * Webhook signatures, as Stripe signs them: `Ratecard-Signature: t=<unix seconds>,v1=<hex>`, where
 * the hex is HMAC-SHA256, keyed with the webhook's secret, of `<t>.<raw body>`. The timestamp is
 * signed too, so a captured delivery cannot be replayed later than the tolerance allows.
 */

/** The header that carries the signature (HTTP header names are case-insensitive). */
export const SIGNATURE_HEADER = 'Ratecard-Signature';

/** How old a signature may be by default when verified, in seconds. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Why a webhook request was not accepted. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: 'missing-header' | 'malformed-header' | 'timestamp-outside-tolerance' | 'signature-mismatch' | 'invalid-body',
    message: string,
  ) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

function hmac(secret: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/**
 * The `Ratecard-Signature` value for a body sent at `timestamp` (unix seconds). The one definition
 * the service signs with and {@link verifyWebhook} checks against.
 */
export function signWebhook(body: string | Uint8Array, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/** Options of {@link verifyWebhook}. */
export interface VerifyOptions {
  /** How far the signature's time may be from `now`, in seconds (default 300); 0 turns the check off. */
  readonly toleranceSeconds?: number;
  /** The current time (default: the system clock). */
  readonly now?: Date;
}

/**
 * Checks a webhook request and returns its event: the signature must be one of the body's under
 * `secret` (or under any of several secrets, while rotating them) and recent. Pass the body exactly
 * as received (the raw bytes or text, never re-serialised JSON). Throws
 * {@link WebhookVerificationError} saying why otherwise; answer such requests with a 400.
 *
 * @example
 * const event = verifyWebhook(rawBody, req.headers['ratecard-signature'], process.env.RATECARD_WEBHOOK_SECRET!);
 * if (event.type === 'balance.low') notify(event.data.accountId, event.data.balance);
 */
export function verifyWebhook(body: string | Uint8Array, header: string | readonly string[] | undefined, secret: string | readonly string[], options: VerifyOptions = {}): AnyRatecardEvent {
  const value = Array.isArray(header) ? header.join(',') : (header as string | undefined);
  if (!value) throw new WebhookVerificationError('missing-header', `no ${SIGNATURE_HEADER} header`);
  const parts = value.split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const signatures = parts.filter(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v)).map(([, v]) => Buffer.from(v, 'hex'));
  const timestamp = t !== undefined && /^\d{1,12}$/.test(t) ? Number(t) : NaN;
  if (Number.isNaN(timestamp) || signatures.length === 0) throw new WebhookVerificationError('malformed-header', `the ${SIGNATURE_HEADER} header is not \`t=<seconds>,v1=<hex>\``);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (tolerance > 0 && Math.abs(now - timestamp) > tolerance) {
    throw new WebhookVerificationError('timestamp-outside-tolerance', `the signature was made at ${timestamp}, more than ${tolerance} s from now (${now})`);
  }
  const secrets = typeof secret === 'string' ? [secret] : secret;
  const expected = secrets.map((s) => Buffer.from(hmac(s, timestamp, body), 'hex'));
  if (!expected.some((e) => signatures.some((s) => s.length === e.length && timingSafeEqual(s, e)))) {
    throw new WebhookVerificationError('signature-mismatch', 'the signature does not match the body under the secret');
  }
  let event: unknown;
  try {
    event = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch {
    throw new WebhookVerificationError('invalid-body', 'the body is not JSON');
  }
  // Types this version of the client does not know yet still verify: a newer service may send them.
  if (typeof event !== 'object' || event === null || typeof (event as { type?: unknown }).type !== 'string' || typeof (event as { id?: unknown }).id !== 'string') {
    throw new WebhookVerificationError('invalid-body', 'the body is not a ratecard event');
  }
  return event as AnyRatecardEvent;
}
