import type { Decision } from '@ratecard/engine';
import type { AccountRow, Allocation, Book, GrantRow, HoldRow } from '../book';
import type { DecisionLogRow } from '../decision-log-writer';
import type { DecisionKind, EntryKind } from '../entities';
import type { ActionRequest, OpContext } from '../operation';
import type { PlannedEvent } from './events';

/** A ledger entry to append. The writer sets `id` when it is inserted. */
export interface PlannedEntry {
  id?: number;
  readonly accountId: string;
  readonly kind: EntryKind;
  readonly amountMc: number;
  readonly balanceAfterMc: number;
  readonly cycleStart: Date;
  readonly action: string | null;
  readonly chargeId: string | null;
  readonly holdId: string | null;
  readonly plan: string | null;
  readonly rulesetVersion: string | null;
  readonly reason: string;
  readonly createdAt: Date;
  readonly allocations: readonly Allocation[];
}

/** A charge to insert; `entry` is its debit (none for a charge of 0). */
export interface PlannedCharge {
  readonly id: string;
  readonly accountId: string;
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly costMc: number;
  readonly rulesetVersion: string;
  readonly entry: PlannedEntry | null;
  readonly holdId: string | null;
  readonly idempotencyKey: string | null;
  readonly cycleStart: Date;
  readonly balanceAfterMc: number;
  readonly createdAt: Date;
}

/** An audit event to insert. */
export interface PlannedAudit {
  readonly actor: string;
  readonly event: string;
  readonly target: string;
  readonly details: Record<string, unknown>;
  readonly createdAt: Date;
}

/** A stored response for an idempotency key; `body` is read after the writer has set entry ids. */
export interface PlannedIdempotency {
  readonly scope: string;
  readonly key: string;
  readonly requestHash: string;
  readonly status: number;
  readonly body: () => unknown;
  readonly createdAt: Date;
}

/**
 * Everything one transaction writes, as plain data: the planning steps fill it, the writer applies
 * it. Rows that change (accounts, grants, holds) are the books' own objects, so what is written is
 * their state at the end of the plan.
 */
export class Plan {
  readonly entries: PlannedEntry[] = [];
  readonly newAccounts = new Set<AccountRow>();
  readonly accounts = new Set<AccountRow>();
  readonly newGrants = new Set<GrantRow>();
  readonly grants = new Set<GrantRow>();
  readonly newHolds = new Set<HoldRow>();
  readonly holds = new Set<HoldRow>();
  readonly charges: PlannedCharge[] = [];
  /** Usage count changes by account, action and cycle. */
  readonly usage = new Map<string, { accountId: string; action: string; cycleStart: Date; delta: number }>();
  readonly logs: DecisionLogRow[] = [];
  readonly audits: PlannedAudit[] = [];
  readonly idempotency: PlannedIdempotency[] = [];
  /** Events for the outbox, in the order they happened (see `./events`). */
  readonly events: PlannedEvent[] = [];

  /** True when the plan writes nothing. */
  get empty(): boolean {
    return this.entries.length + this.accounts.size + this.newAccounts.size + this.charges.length + this.logs.length + this.audits.length + this.holds.size + this.newHolds.size + this.events.length === 0;
  }
}

/** What an entry says besides its amount and allocations. */
export interface EntrySpec {
  readonly kind: EntryKind;
  readonly reason: string;
  readonly action?: string;
  readonly chargeId?: string;
  readonly holdId?: string;
  readonly plan?: string;
  readonly rulesetVersion?: string;
}

/**
 * Appends one entry: the account's balance and each allocated grant's remaining credits move with
 * it. The one place credits move.
 * INVARIANT: the allocations sum to the amount, no grant's remaining goes below zero or above what
 * was granted, and the balance never goes below zero: every caller checks before it draws.
 */
export function post(plan: Plan, book: Book, now: Date, spec: EntrySpec, allocations: readonly Allocation[]): PlannedEntry {
  const account = book.account;
  const amountMc = allocations.reduce((s, a) => s + a.amountMc, 0);
  for (const a of allocations) {
    const g = book.grants.get(a.grantId);
    if (!g) throw new Error(`ledger invariant violated: grant ${a.grantId} of ${account.id} is not loaded`);
    g.remainingMc += a.amountMc;
    if (g.remainingMc < 0 || g.remainingMc > g.amountMc) throw new Error(`ledger invariant violated: grant ${g.id} would hold ${g.remainingMc} of ${g.amountMc} mc`);
    if (!plan.newGrants.has(g)) plan.grants.add(g);
  }
  // Spendable balance: what the entry moves, except credits that move into the reservation of a hold.
  account.balanceMc += amountMc;
  if (account.balanceMc < 0) throw new Error(`ledger invariant violated: balance of ${account.id} would be ${account.balanceMc}`);
  touched(plan, book, now);
  const entry: PlannedEntry = {
    accountId: account.id,
    kind: spec.kind,
    amountMc,
    balanceAfterMc: account.balanceMc,
    cycleStart: account.cycleStart,
    action: spec.action ?? null,
    chargeId: spec.chargeId ?? null,
    holdId: spec.holdId ?? null,
    plan: spec.plan ?? null,
    rulesetVersion: spec.rulesetVersion ?? null,
    reason: spec.reason,
    createdAt: now,
    allocations,
  };
  plan.entries.push(entry);
  return entry;
}

/** Marks the account row as changed. */
export function touched(plan: Plan, book: Book, now: Date): void {
  book.account.updatedAt = now;
  if (!plan.newAccounts.has(book.account)) plan.accounts.add(book.account);
}

/** Counts (or uncounts) one use of `action` in the cycle that started at `cycleStart`. */
export function countUsage(plan: Plan, book: Book, action: string, cycleStart: Date, delta: number): void {
  const key = `${book.account.id}\u0000${action}\u0000${cycleStart.getTime()}`;
  const u = plan.usage.get(key) ?? { accountId: book.account.id, action, cycleStart, delta: 0 };
  u.delta += delta;
  plan.usage.set(key, u);
  if (cycleStart.getTime() === book.account.cycleStart.getTime() && book.usage.has(action)) book.usage.set(action, book.usage.get(action)! + delta);
}

/** Records an audit event. */
export function audit(plan: Plan, ctx: OpContext, event: string, target: string, details: Record<string, unknown>): void {
  plan.audits.push({ actor: ctx.caller.actor, event, target, details, createdAt: ctx.now });
}

/** What `decide` saw of the account: kept with the logged decision so it can be replayed under other rules. */
export interface DecidedState {
  readonly plan: string;
  readonly balanceMc: number;
  readonly usage: Record<string, number>;
}

/** Logs a decision (a charge, hold or capture; denied ones too). */
export function logDecision(plan: Plan, ctx: OpContext, kind: DecisionKind, account: AccountRow, req: ActionRequest, decision: Decision, state: DecidedState | undefined, chargeId?: string): void {
  plan.logs.push(decisionLogRow(kind, account, req, decision, ctx, state, chargeId));
}

/** A decision-log row. The decision is kept by reference: rows are serialised on insert, never mutated. */
export function decisionLogRow(
  kind: DecisionKind,
  account: Pick<AccountRow, 'id' | 'plan' | 'balanceMc'>,
  req: ActionRequest,
  decision: Decision,
  ctx: Pick<OpContext, 'caller' | 'now'>,
  state?: DecidedState,
  chargeId?: string,
): DecisionLogRow {
  return {
    kind,
    accountId: account.id,
    plan: state?.plan ?? account.plan,
    action: req.action,
    params: { ...(req.params ?? {}) },
    confirm: req.confirm ?? false,
    balanceMc: state?.balanceMc ?? account.balanceMc,
    usage: state?.usage ?? {},
    allowed: decision.allowed,
    costMc: decision.costMillicredits,
    reasons: decision.reasons.map((r) => r.code).join(','),
    decision: decision as unknown as object,
    rulesetVersion: decision.rulesetVersion,
    chargeId: chargeId ?? null,
    apiKeyId: ctx.caller.apiKeyId ?? null,
    createdAt: ctx.now,
  };
}
