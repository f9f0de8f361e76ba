import type { CompiledRuleSet } from '@ratecard/engine';
import type { AccountRow, Book, GrantRow } from '../book';
import type { OpContext } from '../operation';
import { Plan } from './plan';

/**
 * Small builders for the planner's specs: books in memory and a context with counted ids. No
 * database: the planner is pure.
 */
export function specContext(compiled: CompiledRuleSet, now: string | Date): OpContext {
  let n = 0;
  return { compiled, now: new Date(now), caller: { actor: 'spec' }, newId: (prefix) => `${prefix}_${++n}` };
}

/** A grant in a book: `remaining` defaults to the whole amount. */
export function grantOf(id: string, amountMc: number, over: Partial<GrantRow> = {}): GrantRow {
  return {
    id,
    accountId: 'acme',
    source: 'goodwill',
    amountMc,
    remainingMc: amountMc,
    priority: 100,
    expiresAt: null,
    plan: null,
    pack: null,
    rulesetVersion: null,
    reason: id,
    createdAt: new Date('2026-03-01T00:00:00Z'),
    ...over,
  };
}

/** A book for account `acme` (anchor day 20, cycle 2026-03-20 .. 2026-04-20) with these grants; the balance is theirs. */
export function bookOf(grants: readonly GrantRow[], over: Partial<AccountRow> = {}, usage: Record<string, number> = {}): Book {
  const account: AccountRow = {
    id: 'acme',
    plan: 'basic',
    pendingPlan: null,
    billingAnchor: 20,
    cycleStart: new Date('2026-03-20T00:00:00Z'),
    cycleEnd: new Date('2026-04-20T00:00:00Z'),
    balanceMc: grants.reduce((s, g) => s + g.remainingMc, 0),
    heldMc: 0,
    createdAt: new Date('2026-03-01T00:00:00Z'),
    updatedAt: new Date('2026-03-01T00:00:00Z'),
    ...over,
  };
  return { account, grants: new Map(grants.map((g) => [g.id, { ...g }])), usage: new Map(Object.entries(usage)) };
}

/** What a plan's entries did, readably: `[kind, amount, [[grant, amount]...]]`. */
export function entriesOf(plan: Plan): [string, number, [string, number][]][] {
  return plan.entries.map((e) => [e.kind, e.amountMc, e.allocations.map((a) => [a.grantId, a.amountMc] as [string, number])]);
}

/** Each grant's remaining credits, by id. */
export function remaining(book: Book): Record<string, number> {
  return Object.fromEntries([...book.grants.values()].map((g) => [g.id, g.remainingMc]));
}

export { Plan };
