import { decide, usageCounted, type Decision } from '@ratecard/engine';
import type { Book, HoldRow } from '../book';
import type { ActionRequest, OpContext } from '../operation';
import { draw } from './draw';
import { noteUse } from './events';
import { countUsage, logDecision, post, touched, type DecidedState, type Plan, type PlannedCharge } from './plan';

/** What `decide` sees of the account: plan, spendable balance, this cycle's count of the action when it matters. */
export function decidedState(ctx: OpContext, book: Book, action: string): DecidedState {
  const a = book.account;
  const usage = usageCounted(ctx.compiled, a.plan, action) ? { [action]: book.usage.get(action) ?? 0 } : {};
  return { plan: a.plan, balanceMc: a.balanceMc, usage };
}

/** Decides a request against the book as it stands. */
export function decideOn(ctx: OpContext, book: Book, req: ActionRequest): { decision: Decision; state: DecidedState } {
  const state = decidedState(ctx, book, req.action);
  const decision = decide(ctx.compiled, { ...state, cycleEnd: book.account.cycleEnd }, { action: req.action, params: req.params ?? {}, confirm: req.confirm ?? false }, ctx.now);
  return { decision, state };
}

/** The outcome of planning a charge or a hold. */
export type Planned<T> = { readonly allowed: true; readonly decision: Decision; readonly value: T } | { readonly allowed: false; readonly decision: Decision; readonly state: DecidedState };

/**
 * A charge: decided against the book; if allowed, the cost is drawn from the grants in draw order
 * (a `debit` entry), one use is counted, and the charge is recorded. Denied or not, the decision is
 * logged. Charges in a batch are planned one after the other on the same books, so each sees what
 * the earlier ones left.
 */
export function planCharge(plan: Plan, book: Book, ctx: OpContext, req: ActionRequest, key: string): Planned<PlannedCharge> {
  const { decision, state } = decideOn(ctx, book, req);
  if (!decision.allowed) {
    logDecision(plan, ctx, 'charge', book.account, req, decision, state);
    return { allowed: false, decision, state };
  }
  const a = book.account;
  const chargeId = ctx.newId('ch');
  const cost = decision.costMillicredits;
  const entry = cost > 0 ? post(plan, book, ctx.now, { kind: 'debit', reason: `charge for \`${req.action}\``, action: req.action, chargeId, rulesetVersion: decision.rulesetVersion }, draw(book, cost, ctx.now)) : null;
  countUsage(plan, book, req.action, a.cycleStart, 1);
  noteUse(plan, book, ctx, req.action);
  touched(plan, book, ctx.now);
  const charge: PlannedCharge = {
    id: chargeId,
    accountId: a.id,
    action: req.action,
    params: { ...(req.params ?? {}) },
    costMc: cost,
    rulesetVersion: decision.rulesetVersion,
    entry,
    holdId: null,
    idempotencyKey: key,
    cycleStart: a.cycleStart,
    balanceAfterMc: a.balanceMc,
    createdAt: ctx.now,
  };
  plan.charges.push(charge);
  logDecision(plan, ctx, 'charge', a, req, decision, state, chargeId);
  return { allowed: true, decision, value: charge };
}

/**
 * A hold for a long job: decided like a charge; if allowed, the quoted cost is drawn from the
 * grants into a reservation (a `hold` entry; the credits are no longer spendable) and one use is
 * counted now. The plan it was priced for is kept, so its capture is priced the same way.
 */
export function planHold(plan: Plan, book: Book, ctx: OpContext, req: ActionRequest, ttlSeconds: number, key: string): Planned<HoldRow> {
  const { decision, state } = decideOn(ctx, book, req);
  logDecision(plan, ctx, 'hold', book.account, req, decision, state);
  if (!decision.allowed) return { allowed: false, decision, state };
  const a = book.account;
  const holdId = ctx.newId('hold');
  const cost = decision.costMillicredits;
  const reserved = cost > 0 ? draw(book, cost, ctx.now) : [];
  if (cost > 0) post(plan, book, ctx.now, { kind: 'hold', reason: `hold for \`${req.action}\``, action: req.action, holdId, rulesetVersion: decision.rulesetVersion }, reserved);
  a.heldMc += cost;
  countUsage(plan, book, req.action, a.cycleStart, 1);
  noteUse(plan, book, ctx, req.action);
  touched(plan, book, ctx.now);
  const hold: HoldRow = {
    id: holdId,
    accountId: a.id,
    action: req.action,
    params: { ...(req.params ?? {}) },
    confirm: req.confirm ?? false,
    amountMc: cost,
    rulesetVersion: decision.rulesetVersion,
    plan: a.plan,
    cycleStart: a.cycleStart,
    status: 'active',
    expiresAt: new Date(ctx.now.getTime() + ttlSeconds * 1000),
    chargeId: null,
    idempotencyKey: key,
    createdAt: ctx.now,
    closedAt: null,
    reserved,
  };
  plan.newHolds.add(hold);
  return { allowed: true, decision, value: hold };
}
