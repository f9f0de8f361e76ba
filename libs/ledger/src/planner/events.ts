import type { EventData, EventType } from '@ratecard/client';
import { formatCredits, type LowBalanceThreshold, type Plan as RulesPlan } from '@ratecard/dsl';
import type { CompiledRuleSet } from '@ratecard/engine';
import type { AccountRow, Book, GrantRow, HoldRow } from '../book';
import type { OpContext } from '../operation';
import type { Plan } from './plan';

/**
 * An event to write to the outbox in the operation's transaction; the dispatcher delivers it to
 * the webhooks subscribed to its type. Every event is defined here, once: what causes it and what
 * it carries (the types of `data` are the client's catalogue, `@ratecard/client`'s `EventData`).
 */
export interface PlannedEvent<T extends EventType = EventType> {
  /** `evt_…`: stable across retries and replays. */
  readonly id: string;
  readonly type: T;
  /** The account it is about; null for events about the rules. */
  readonly accountId: string | null;
  readonly data: EventData[T];
  readonly createdAt: Date;
  /** Events with a key are written once: another with the same key is dropped (a notice already sent). */
  readonly once?: string;
}

const credits = (mc: number): number => mc / 1000;

function emit<T extends EventType>(plan: Plan, ctx: Pick<OpContext, 'now' | 'newId'>, type: T, accountId: string | null, data: EventData[T], once?: string): void {
  plan.events.push({ id: ctx.newId('evt'), type, accountId, data, createdAt: ctx.now, ...(once ? { once } : {}) } as PlannedEvent);
}

// ---------------------------------------------------------------- balance.low

/** A plan's `lowBalance` thresholds in millicredits (a share is of the plan's allowance, rounded down), with how the rules write them. */
export function lowBalanceThresholds(plan: RulesPlan): { mc: number; rule: string }[] {
  return (plan.lowBalance ?? []).map((t: LowBalanceThreshold) =>
    t.kind === 'credits' ? { mc: t.mc, rule: `${formatCredits(t.mc, { group: true })} cr` } : { mc: Math.floor((plan.allowanceMc * t.permille) / 1000), rule: `${t.permille / 10}%` },
  );
}

/**
 * `balance.low`: once per threshold of the account's plan that the operation took the spendable
 * balance across, from at or above it (`openingMc`, before the operation) to below it (now). An
 * operation is judged by its net effect, so a billing date that expires the old allowance and grants
 * the new one crosses nothing; the balance must climb back to a threshold before it fires again.
 */
export function noteBalance(plan: Plan, book: Book, ctx: OpContext, openingMc: number): void {
  const a = book.account;
  if (a.balanceMc >= openingMc) return;
  const rules = ctx.compiled.plans.get(a.plan)?.plan;
  if (!rules) return;
  for (const t of lowBalanceThresholds(rules)) {
    if (openingMc >= t.mc && a.balanceMc < t.mc) {
      emit(plan, ctx, 'balance.low', a.id, {
        accountId: a.id,
        plan: a.plan,
        balance: credits(a.balanceMc),
        balanceMillicredits: a.balanceMc,
        previousBalance: credits(openingMc),
        previousBalanceMillicredits: openingMc,
        threshold: credits(t.mc),
        thresholdMillicredits: t.mc,
        rule: t.rule,
      });
    }
  }
}

// ---------------------------------------------------------------- quota.reached

/** `quota.reached`: the use just counted is the last one the plan's quota for the action allows this cycle. */
export function noteUse(plan: Plan, book: Book, ctx: OpContext, action: string): void {
  const a = book.account;
  const quota = ctx.compiled.plans.get(a.plan)?.plan.quotas[action];
  const used = book.usage.get(action);
  if (quota === undefined || used !== quota) return;
  emit(plan, ctx, 'quota.reached', a.id, { accountId: a.id, plan: a.plan, action, used, quota, resetsAt: a.cycleEnd.toISOString() });
}

// ---------------------------------------------------------------- grants and holds

/** `grant.expired`: what was left of a grant left the balance at its expiry. */
export function noteGrantExpired(plan: Plan, book: Book, ctx: Pick<OpContext, 'now' | 'newId'>, g: GrantRow, expiredMc: number): void {
  const a = book.account;
  emit(plan, ctx, 'grant.expired', a.id, {
    accountId: a.id,
    grantId: g.id,
    source: g.source,
    expired: credits(expiredMc),
    expiredMillicredits: expiredMc,
    expiresAt: g.expiresAt!.toISOString(),
    balance: credits(a.balanceMc),
    balanceMillicredits: a.balanceMc,
  });
}

/**
 * `grant.expiring`: every live grant of the book that expires after now and no later than `until`,
 * once per grant (the writer drops a notice already written).
 */
export function noteGrantsExpiring(plan: Plan, book: Book, ctx: OpContext, until: Date): void {
  const now = ctx.now.getTime();
  const due = [...book.grants.values()].filter((g) => g.remainingMc > 0 && g.expiresAt !== null && g.expiresAt.getTime() > now && g.expiresAt.getTime() <= until.getTime());
  due.sort((x, y) => x.expiresAt!.getTime() - y.expiresAt!.getTime() || (x.id < y.id ? -1 : 1));
  for (const g of due) {
    emit(
      plan,
      ctx,
      'grant.expiring',
      g.accountId,
      { accountId: g.accountId, grantId: g.id, source: g.source, remaining: credits(g.remainingMc), remainingMillicredits: g.remainingMc, expiresAt: g.expiresAt!.toISOString(), plan: g.plan, pack: g.pack },
      `grant.expiring:${g.id}`,
    );
  }
}

/** `hold.expired`: a hold ran out of time; its reservation and its use came back. */
export function noteHoldExpired(plan: Plan, book: Book, ctx: OpContext, h: HoldRow): void {
  const a = book.account;
  emit(plan, ctx, 'hold.expired', a.id, {
    accountId: a.id,
    holdId: h.id,
    action: h.action,
    amount: credits(h.amountMc),
    amountMillicredits: h.amountMc,
    expiresAt: h.expiresAt.toISOString(),
    balance: credits(a.balanceMc),
    balanceMillicredits: a.balanceMc,
  });
}

// ---------------------------------------------------------------- charges, plans, rules

/** `charge.refunded`: all or part of a charge went back to the grants that paid it. */
export function noteRefund(plan: Plan, book: Book, ctx: OpContext, refund: { chargeId: string; action: string; amountMc: number; totalMc: number; costMc: number; reason: string | null }): void {
  const a = book.account;
  emit(plan, ctx, 'charge.refunded', a.id, {
    accountId: a.id,
    chargeId: refund.chargeId,
    action: refund.action,
    refunded: credits(refund.amountMc),
    refundedMillicredits: refund.amountMc,
    refundedTotal: credits(refund.totalMc),
    refundedTotalMillicredits: refund.totalMc,
    remaining: credits(refund.costMc - refund.totalMc),
    remainingMillicredits: refund.costMc - refund.totalMc,
    reason: refund.reason,
    balance: credits(a.balanceMc),
    balanceMillicredits: a.balanceMc,
  });
}

/** `account.plan_changed`: the plan the account is on changed (not a downgrade that is only scheduled). */
export function notePlanChanged(plan: Plan, account: AccountRow, ctx: OpContext, from: string, change: Pick<EventData['account.plan_changed'], 'kind' | 'cause'>): void {
  if (from === account.plan) return;
  emit(plan, ctx, 'account.plan_changed', account.id, { accountId: account.id, from, to: account.plan, ...change });
}

/** `ruleset.activated`: another version became active (written with the activation). */
export function rulesetActivated(ctx: Pick<OpContext, 'now' | 'newId'>, target: Pick<CompiledRuleSet, 'version'>, activation: Omit<EventData['ruleset.activated'], 'version'>): PlannedEvent<'ruleset.activated'> {
  return { id: ctx.newId('evt'), type: 'ruleset.activated', accountId: null, data: { version: target.version, ...activation }, createdAt: ctx.now };
}
