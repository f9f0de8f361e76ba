import { randomUUID } from 'node:crypto';
import type { RatecardClient } from './client';
import type { Capture, Denied, Hold } from './types';

/** What the job reports it used; the capture charges that (the whole hold when it reports nothing). */
export interface Usage {
  /** The parameters the job ended with (8 s asked, 6 s rendered): priced as the hold was, never above it. */
  params(params: Readonly<Record<string, unknown>>): void;
  /** An amount in credits, at most the hold. */
  amount(credits: number): void;
}

export interface WithHoldOptions {
  /** Until the hold releases itself if nothing captures or releases it (a crash), in seconds (service default 900). */
  readonly ttlSeconds?: number;
  /** Your operation's id: the hold's idempotency key (`<id>:hold`), so a retried operation holds once. */
  readonly operationId?: string;
  readonly confirm?: boolean;
}

/** The job's result with what it was charged, or the denial (the job did not run). */
export type WithHoldResult<T> = { readonly allowed: true; readonly result: T; readonly charge: Capture['charge']; readonly hold: Capture['hold'] } | Denied;

/**
 * The hold-then-capture dance (see `RatecardClient.withHold`). Each step is one idempotent or
 * retry-safe call, so the only way to lose track is a crash between steps, and then the hold
 * expires on its own.
 */
export async function runWithHold<T>(
  client: RatecardClient,
  request: { readonly accountId: string; readonly action: string; readonly params: Readonly<Record<string, unknown>> },
  job: (hold: Hold, usage: Usage) => Promise<T>,
  options: WithHoldOptions,
): Promise<WithHoldResult<T>> {
  const held = await client.hold(
    { ...request, params: { ...request.params }, ...(options.confirm !== undefined ? { confirm: options.confirm } : {}), ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}) },
    { idempotencyKey: options.operationId ? `${options.operationId}:hold` : randomUUID() },
  );
  if (!held.allowed) return held;
  let used: { params?: Readonly<Record<string, unknown>>; amount?: number } = {};
  const usage: Usage = {
    params: (params) => void (used = { params }),
    amount: (credits) => void (used = { amount: credits }),
  };
  let result: T;
  try {
    result = await job(held.hold, usage);
  } catch (e) {
    // The job failed: nothing is charged. If the release is lost too, the hold expires by itself.
    await client.release(held.hold.id).catch(() => undefined);
    throw e;
  }
  const captured = await client.capture(held.hold.id, { ...(used.params ? { params: { ...used.params } } : {}), ...(used.amount !== undefined ? { amount: used.amount } : {}) });
  return { allowed: true, result, charge: captured.charge, hold: captured.hold };
}
