import { formatCredits, type Millicredits } from '@ratecard/dsl';
import { captureBlockers, cycleWindow, decide, type CompiledRuleSet, type Decision } from '@ratecard/engine';
import type { Book, HoldRow } from '../book';
import { DecisionDenied, LedgerError } from '../errors';
import type { OpContext } from '../operation';
import { consume } from './draw';
import { noteHoldExpired } from './events';
import { expireDue, returnCredits } from './grants';
import { countUsage, logDecision, post, touched, type Plan, type PlannedCharge } from './plan';

/** When the cycle a hold counted in ends: where its returned credits expire if no grant took them. */
function holdCycleEnd(book: Book, hold: HoldRow): Date {
  return cycleWindow(book.account.billingAnchor, hold.cycleStart).end;
}

function ensureActive(hold: HoldRow): void {
  if (hold.status !== 'active') throw new LedgerError('HOLD_NOT_ACTIVE', `hold \`${hold.id}\` is ${hold.status}`, { holdStatus: hold.status, ...(hold.chargeId ? { chargeId: hold.chargeId } : {}) });
}

/**
 * Closes a hold without a charge (released, or expired): its reservation returns to the grants it
 * was drawn from, its use no longer counts.
 */
export function closeHold(plan: Plan, book: Book, ctx: OpContext, hold: HoldRow, status: 'released' | 'expired'): void {
  ensureActive(hold);
  const reason = status === 'expired' ? `hold \`${hold.id}\` expired` : `hold \`${hold.id}\` released`;
  if (hold.amountMc > 0) {
    returnCredits(plan, book, ctx, hold.amountMc, { taken: hold.reserved, returned: [], cycleEnd: holdCycleEnd(book, hold) }, { kind: 'release', reason, action: hold.action, holdId: hold.id, rulesetVersion: hold.rulesetVersion });
  }
  book.account.heldMc -= hold.amountMc;
  countUsage(plan, book, hold.action, hold.cycleStart, -1);
  hold.status = status;
  hold.closedAt = ctx.now;
  plan.holds.add(hold);
  touched(plan, book, ctx.now);
  if (status === 'expired') noteHoldExpired(plan, book, ctx, hold);
}

/** Releases a hold at the caller's request. */
export function planRelease(plan: Plan, book: Book, ctx: OpContext, hold: HoldRow): void {
  closeHold(plan, book, ctx, hold, 'released');
  expireDue(plan, book, ctx);
}

/** How much of a hold to capture: all of it, an amount, or the price of the parameters the job ended with. */
export interface CaptureInput {
  readonly params?: Record<string, unknown>;
  readonly amountMc?: Millicredits;
}

/**
 * Captures a hold: the charge is the hold's amount, an explicit amount, or what the actual
 * parameters cost, priced as the hold was (its rule-set version, its plan, its time), never more
 * than the hold. The reservation comes back (`capture`), the charge draws from it in the order it
 * was reserved (`debit`), and the rest stays with its grants, expiring at once where they have.
 */
export function planCapture(plan: Plan, book: Book, ctx: OpContext, hold: HoldRow, compiledAtHold: CompiledRuleSet, input: CaptureInput): { charge: PlannedCharge; decision: Decision } {
  ensureActive(hold);
  const a = book.account;
  const req = { accountId: a.id, action: hold.action, params: input.params ?? hold.params, confirm: hold.confirm };
  // Priced as the hold was: the plan and the time it was quoted for, whatever the balance or quota now.
  const priced = decide(compiledAtHold, { plan: hold.plan ?? a.plan, balanceMc: Number.MAX_SAFE_INTEGER, usage: {} }, { action: req.action, params: req.params, confirm: req.confirm }, hold.createdAt);
  let amount = hold.amountMc;
  if (input.amountMc !== undefined) {
    if (input.amountMc > hold.amountMc) throw new LedgerError('CAPTURE_EXCEEDS_HOLD', `cannot capture ${formatCredits(input.amountMc)} credits from a hold of ${formatCredits(hold.amountMc)}`);
    amount = input.amountMc;
  } else if (input.params !== undefined) {
    if (captureBlockers(priced).length > 0) throw new DecisionDenied(priced);
    amount = Math.min(hold.amountMc, priced.costMillicredits);
  }
  const chargeId = ctx.newId('ch');
  let entry = null;
  if (hold.amountMc > 0) {
    const back = returnCredits(plan, book, ctx, hold.amountMc, { taken: hold.reserved, returned: [], cycleEnd: holdCycleEnd(book, hold) }, { kind: 'capture', reason: `hold \`${hold.id}\` closed by capture`, action: hold.action, holdId: hold.id, chargeId, rulesetVersion: hold.rulesetVersion });
    // The reservation in the order it was drawn (returns come back in reverse).
    const reservation = [...back.allocations].reverse().map((x) => ({ grantId: x.grantId, amountMc: -x.amountMc }));
    if (amount > 0) entry = post(plan, book, ctx.now, { kind: 'debit', reason: `capture of hold \`${hold.id}\``, action: hold.action, holdId: hold.id, chargeId, rulesetVersion: hold.rulesetVersion }, consume(reservation, amount));
  }
  a.heldMc -= hold.amountMc;
  hold.status = 'captured';
  hold.chargeId = chargeId;
  hold.closedAt = ctx.now;
  plan.holds.add(hold);
  expireDue(plan, book, ctx);
  touched(plan, book, ctx.now);
  const charge: PlannedCharge = {
    id: chargeId,
    accountId: a.id,
    action: hold.action,
    params: req.params as Record<string, unknown>,
    costMc: amount,
    rulesetVersion: hold.rulesetVersion,
    entry,
    holdId: hold.id,
    idempotencyKey: null,
    cycleStart: hold.cycleStart,
    balanceAfterMc: a.balanceMc,
    createdAt: ctx.now,
  };
  plan.charges.push(charge);
  const decision: Decision = { ...priced, cost: amount / 1000, costMillicredits: amount };
  logDecision(plan, ctx, 'capture', a, req, decision, undefined, chargeId);
  return { charge, decision };
}
