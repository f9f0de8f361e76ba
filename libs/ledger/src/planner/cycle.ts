import { formatCredits } from '@ratecard/dsl';
import { cycleWindow, planChange, type PlanChange } from '@ratecard/engine';
import type { AccountRow, Book, GrantRow, HoldRow } from '../book';
import type { OpContext } from '../operation';
import { notePlanChanged } from './events';
import { addGrant, closeGrant, expireDue } from './grants';
import { closeHold } from './holds';
import { audit, post, touched, type Plan } from './plan';

/** True when an account must be brought up to date first: its cycle ended, or a hold or a grant expired. */
export function isStale(a: { readonly cycleEnd: Date; readonly nextHoldExpiry: Date | null; readonly nextGrantExpiry: Date | null }, now: Date): boolean {
  const t = now.getTime();
  return t >= a.cycleEnd.getTime() || (a.nextHoldExpiry !== null && a.nextHoldExpiry.getTime() <= t) || (a.nextGrantExpiry !== null && a.nextGrantExpiry.getTime() <= t);
}

/** The plan's allowance for a cycle, as a grant that expires when the cycle ends. */
function grantAllowance(plan: Plan, book: Book, ctx: OpContext, planId: string, amountMc: number, why: string): void {
  const p = ctx.compiled.plans.get(planId);
  if (!p || amountMc <= 0) return;
  addGrant(plan, book, ctx, { source: 'allowance', amountMc, expiresAt: book.account.cycleEnd, reason: `${p.plan.name} allowance ${why}`, plan: planId, rulesetVersion: ctx.compiled.version });
}

/** This cycle's allowance grants (used up or not): what an upgrade must not grant twice. */
function allowancesThisCycle(book: Book): GrantRow[] {
  const end = book.account.cycleEnd.getTime();
  return [...book.grants.values()].filter((g) => g.source === 'allowance' && g.expiresAt?.getTime() === end);
}

/**
 * Brings an account up to `now`, once, inside the transaction of whatever touches it: holds that
 * expired release their reservations; at the billing date the cycle rolls over (unused allowance
 * credits roll into the new cycle if the rules say so, a pending downgrade applies, the new
 * allowance is granted); every grant whose expiry came expires.
 */
export function planTouch(plan: Plan, book: Book, ctx: OpContext, expiredHolds: readonly HoldRow[]): void {
  for (const h of [...expiredHolds].sort((x, y) => x.expiresAt.getTime() - y.expiresAt.getTime())) closeHold(plan, book, ctx, h, 'expired');
  const a = book.account;
  if (ctx.now.getTime() < a.cycleEnd.getTime()) {
    expireDue(plan, book, ctx);
    return;
  }
  const window = cycleWindow(a.billingAnchor, ctx.now);
  if (ctx.compiled.ruleset.cycle.unused === 'roll-over') carryOver(plan, book, ctx, allowancesThisCycle(book), window.end, 'rollover', 'unused credits roll over to the new cycle');
  expireDue(plan, book, ctx);
  if (a.pendingPlan) {
    const from = a.plan;
    a.plan = a.pendingPlan;
    a.pendingPlan = null;
    notePlanChanged(plan, a, ctx, from, { kind: 'downgrade', cause: 'billing-date' });
  }
  a.cycleStart = window.start;
  a.cycleEnd = window.end;
  book.usage = new Map([...book.usage.keys()].map((k) => [k, 0]));
  touched(plan, book, ctx.now);
  grantAllowance(plan, book, ctx, a.plan, ctx.compiled.plans.get(a.plan)?.plan.allowanceMc ?? 0, 'for the cycle');
}

/** Closes what is left of `from` and carries it into one new grant (source `rollover` or `upgrade`) expiring at `until`. */
function carryOver(plan: Plan, book: Book, ctx: OpContext, from: readonly GrantRow[], until: Date, source: 'rollover' | 'upgrade', why: string): void {
  let total = 0;
  for (const g of from) total += closeGrant(plan, book, ctx.now, g, `${why}: grant \`${g.id}\` closes`);
  if (total > 0) addGrant(plan, book, ctx, { source, amountMc: total, expiresAt: until, reason: `${why}: ${formatCredits(total)} credits carried` }, 'rollover');
}

/** A new account: its row and its plan's allowance for the current cycle. */
export function planNewAccount(plan: Plan, ctx: OpContext, input: { id: string; plan: string; billingAnchor: number }): Book {
  const window = cycleWindow(input.billingAnchor, ctx.now);
  const account: AccountRow = { id: input.id, plan: input.plan, pendingPlan: null, billingAnchor: input.billingAnchor, cycleStart: window.start, cycleEnd: window.end, balanceMc: 0, heldMc: 0, createdAt: ctx.now, updatedAt: ctx.now };
  const book: Book = { account, grants: new Map(), usage: new Map() };
  plan.newAccounts.add(account);
  grantAllowance(plan, book, ctx, input.plan, ctx.compiled.plans.get(input.plan)!.plan.allowanceMc, 'for the cycle');
  audit(plan, ctx, 'account.create', input.id, { plan: input.plan, billingAnchor: input.billingAnchor });
  return book;
}

/** What a plan change did. */
export type AppliedPlanChange = PlanChange & { readonly from: string; readonly to: string };

/**
 * Changes the plan by the rules' cycle policy. An upgrade applies now: the allowance's unused
 * credits carry over (as a grant that expires at the end of the next cycle) or expire, and the new
 * plan's allowance is granted, at most once per plan per cycle. A downgrade waits for the next
 * billing date unless the policy says `immediate`. Off a plan the rules no longer have, the move
 * applies now and grants nothing until the next cycle. Choosing the current plan cancels a pending
 * downgrade. Packs, goodwill and other grants are untouched.
 */
export function planPlanChange(plan: Plan, book: Book, ctx: OpContext, to: string): AppliedPlanChange {
  const a = book.account;
  const from = a.plan;
  const allowances = allowancesThisCycle(book);
  const change = planChange(ctx.compiled, from, to, allowances.filter((g) => g.plan !== null).map((g) => ({ plan: g.plan!, mc: g.amountMc })));
  const name = ctx.compiled.plans.get(to)!.plan.name;
  if (change.kind === 'upgrade') {
    const unused = allowances.filter((g) => g.remainingMc > 0);
    if (change.unused === 'carry-over') carryOver(plan, book, ctx, unused, cycleWindow(a.billingAnchor, a.cycleEnd).end, 'upgrade', `upgrade to ${name}: the allowance's unused credits carry over`);
    else for (const g of unused) closeGrant(plan, book, ctx.now, g, `upgrade to ${name}: the cycle's unused credits close`);
    a.plan = to;
    a.pendingPlan = null;
    grantAllowance(plan, book, ctx, to, change.grantMc, 'on upgrade');
  } else if (change.kind === 'same') a.pendingPlan = null;
  else if (change.effective === 'now') {
    a.plan = to;
    a.pendingPlan = null;
  } else a.pendingPlan = to;
  touched(plan, book, ctx.now);
  if (change.kind !== 'same') notePlanChanged(plan, a, ctx, from, { kind: change.kind, cause: 'request' });
  audit(plan, ctx, 'account.plan', a.id, { from, to, kind: change.kind, effective: change.effective, grantMc: change.grantMc });
  return { ...change, from, to };
}

/**
 * Moves an account to another plan outside the cycle policy (a plan mapping applied with a rule-set
 * activation, because its plan or its pending plan is gone): the plan changes now, credits stay
 * where they are, and the move is a `plan` entry of 0 credits in the account's ledger. A pending
 * change to a vanished plan, or to the plan the account now has, is cancelled.
 */
export function planPlanMove(plan: Plan, book: Book, ctx: OpContext, to: string, vanished: ReadonlySet<string>, reason: string, activation: { readonly how: string }): { movedFrom: string | null; cancelled: string | null } {
  const a = book.account;
  const from = a.plan;
  const movedFrom = from !== to ? from : null;
  a.plan = to;
  const cancelled = a.pendingPlan !== null && (vanished.has(a.pendingPlan) || a.pendingPlan === to) ? a.pendingPlan : null;
  if (cancelled) a.pendingPlan = null;
  post(plan, book, ctx.now, { kind: 'plan', reason, plan: to, rulesetVersion: ctx.compiled.version }, []);
  notePlanChanged(plan, a, ctx, from, { kind: 'mapping', cause: 'activation' });
  audit(plan, ctx, 'account.plan', a.id, { from, to, kind: 'mapping', version: ctx.compiled.version, how: activation.how, ...(cancelled ? { pendingCancelled: cancelled } : {}) });
  return { movedFrom, cancelled };
}
