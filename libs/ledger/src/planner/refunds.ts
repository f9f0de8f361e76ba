import { formatCredits, type Millicredits } from '@ratecard/dsl';
import { cycleWindow } from '@ratecard/engine';
import type { Allocation, Book } from '../book';
import { LedgerError } from '../errors';
import type { OpContext } from '../operation';
import { noteRefund } from './events';
import { expireDue, returnCredits } from './grants';
import { audit, countUsage, touched, type Plan, type PlannedEntry } from './plan';

/** A charge as a refund needs it: its cost, cycle, and the grants that paid. */
export interface RefundableCharge {
  readonly id: string;
  readonly action: string;
  readonly costMc: number;
  readonly rulesetVersion: string;
  /** The cycle the charge counted in (for charges before ledger v2: its debit's cycle, or null). */
  readonly cycleStart: Date | null;
  /** The debit's allocations (negative, in draw order). */
  readonly paid: readonly Allocation[];
  /** What earlier refunds gave back (positive). */
  readonly refunded: readonly Allocation[];
  /** Credits refunded so far. */
  readonly refundedMc: number;
}

/** What a refund did. */
export interface PlannedRefund {
  readonly amountMc: number;
  /** Refunded before this one. */
  readonly previousMc: number;
  readonly entry: PlannedEntry;
}

/**
 * Refunds all or part of a charge, never more than it cost across all refunds. The credits go back
 * to the grants that paid, in the reverse of the order they were drawn; what lands on a grant that
 * has expired expires again at once. A charge refunded in full within its own cycle did not
 * happen: its use no longer counts against the plan's quota.
 */
export function planRefund(plan: Plan, book: Book, ctx: OpContext, charge: RefundableCharge, amountMc: Millicredits | undefined, reason: string | undefined): PlannedRefund {
  const remaining = charge.costMc - charge.refundedMc;
  const amount = amountMc ?? remaining;
  if (amount <= 0 || amount > remaining) {
    throw new LedgerError(
      'REFUND_EXCEEDS_CHARGE',
      remaining <= 0
        ? `charge \`${charge.id}\` is already fully refunded`
        : `cannot refund ${formatCredits(amount)} credits: ${formatCredits(remaining)} of ${formatCredits(charge.costMc)} remain refundable`,
      { costMc: charge.costMc, refundedMc: charge.refundedMc, remainingMc: remaining },
    );
  }
  const a = book.account;
  const origin = charge.cycleStart ?? a.cycleStart;
  const { entry } = returnCredits(
    plan,
    book,
    ctx,
    amount,
    { taken: charge.paid, returned: charge.refunded, cycleEnd: cycleWindow(a.billingAnchor, origin).end },
    { kind: 'refund', reason: reason ? `refund: ${reason}` : `refund of \`${charge.id}\``, action: charge.action, chargeId: charge.id, rulesetVersion: charge.rulesetVersion },
  );
  if (amount === remaining && charge.cycleStart !== null && charge.cycleStart.getTime() === a.cycleStart.getTime()) {
    countUsage(plan, book, charge.action, charge.cycleStart, -1);
  }
  expireDue(plan, book, ctx);
  touched(plan, book, ctx.now);
  noteRefund(plan, book, ctx, { chargeId: charge.id, action: charge.action, amountMc: amount, totalMc: charge.refundedMc + amount, costMc: charge.costMc, reason: reason ?? null });
  audit(plan, ctx, 'charge.refund', charge.id, { amountMc: amount, reason: reason ?? null });
  return { amountMc: amount, previousMc: charge.refundedMc, entry };
}
