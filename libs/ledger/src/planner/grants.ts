import { expired, type Allocation, type Book, type GrantRow } from '../book';
import type { GrantSource } from '../entities';
import type { OpContext } from '../operation';
import { giveBack } from './draw';
import { noteGrantExpired } from './events';
import { post, type EntrySpec, type Plan, type PlannedEntry } from './plan';

/** The draw priority of a grant when none is given. Lower is drawn first. */
export const DEFAULT_GRANT_PRIORITY = 100;

/** What a new grant is. */
export interface GrantSpec {
  readonly source: GrantSource;
  readonly amountMc: number;
  /** Null: never expires. */
  readonly expiresAt: Date | null;
  readonly priority?: number;
  readonly reason: string;
  readonly plan?: string;
  readonly pack?: string;
  readonly rulesetVersion?: string;
}

/** Makes an empty grant; the entry that fills it allocates its credits. */
function openGrant(plan: Plan, book: Book, ctx: OpContext, spec: GrantSpec, amountMc: number): GrantRow {
  const g: GrantRow = {
    id: ctx.newId('gr'),
    accountId: book.account.id,
    source: spec.source,
    amountMc,
    remainingMc: 0,
    priority: spec.priority ?? DEFAULT_GRANT_PRIORITY,
    expiresAt: spec.expiresAt,
    plan: spec.plan ?? null,
    pack: spec.pack ?? null,
    rulesetVersion: spec.rulesetVersion ?? null,
    reason: spec.reason,
    createdAt: ctx.now,
  };
  book.grants.set(g.id, g);
  plan.newGrants.add(g);
  return g;
}

/** Credits enter the account: a new grant and its `grant` entry (or `rollover`, for carried credits). */
export function addGrant(plan: Plan, book: Book, ctx: OpContext, spec: GrantSpec, kind: 'grant' | 'rollover' = 'grant'): { grant: GrantRow; entry: PlannedEntry } {
  const grant = openGrant(plan, book, ctx, spec, spec.amountMc);
  const entry = post(plan, book, ctx.now, { kind, reason: spec.reason, ...(spec.plan ? { plan: spec.plan } : {}), ...(spec.rulesetVersion ? { rulesetVersion: spec.rulesetVersion } : {}) }, [{ grantId: grant.id, amountMc: spec.amountMc }]);
  return { grant, entry };
}

/** Closes what is left of a grant now (an expiry entry); returns the credits closed. */
export function closeGrant(plan: Plan, book: Book, now: Date, g: GrantRow, reason: string): number {
  const left = g.remainingMc;
  if (left > 0) post(plan, book, now, { kind: 'expiry', reason }, [{ grantId: g.id, amountMc: -left }]);
  return left;
}

/**
 * Every grant whose expiry has come expires: what is left of it leaves the balance in an `expiry`
 * entry (and a `grant.expired` event). Applied lazily, inside the transaction of whatever touches
 * the account next.
 */
export function expireDue(plan: Plan, book: Book, ctx: OpContext): void {
  const due = [...book.grants.values()].filter((g) => g.remainingMc > 0 && expired(g, ctx.now));
  due.sort((a, b) => a.expiresAt!.getTime() - b.expiresAt!.getTime() || (a.id < b.id ? -1 : 1));
  for (const g of due) {
    const expiredMc = closeGrant(plan, book, ctx.now, g, `grant \`${g.id}\` (${g.source}) expired at ${g.expiresAt!.toISOString()}`);
    noteGrantExpired(plan, book, ctx, g, expiredMc);
  }
}

/**
 * Gives credits back to the grants they were drawn from (a refund, a release, a capture's
 * reservation): in the reverse of the draw order, what earlier returns gave back excepted. Credits
 * no recorded grant can take (drawn before grants existed) come back as a `refund` grant that
 * expires when the cycle they were drawn in ended. Returns the allocations in the order given.
 * Whatever lands on a grant that has expired must expire again at once (a return never carries an
 * old cycle's credits into a new one): every operation that returns credits ends with
 * {@link expireDue}.
 */
export function returnCredits(
  plan: Plan,
  book: Book,
  ctx: OpContext,
  amountMc: number,
  drawn: { readonly taken: readonly Allocation[]; readonly returned: readonly Allocation[]; readonly cycleEnd: Date },
  spec: EntrySpec,
): { entry: PlannedEntry; allocations: Allocation[] } {
  const { allocations, uncovered } = giveBack(drawn.taken, drawn.returned, amountMc);
  if (uncovered > 0) {
    const g = openGrant(plan, book, ctx, { source: 'refund', amountMc: uncovered, expiresAt: drawn.cycleEnd, reason: `${spec.reason}: credits drawn before grants were recorded` }, uncovered);
    allocations.push({ grantId: g.id, amountMc: uncovered });
  }
  return { entry: post(plan, book, ctx.now, spec, allocations), allocations };
}
