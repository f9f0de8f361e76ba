import type { SqlEntityManager } from '@mikro-orm/knex';
import type { DatabaseTarget } from '../database';
import type { OpContext } from '../operation';
import { isStale, planTouch } from '../planner/cycle';
import { noteBalance } from '../planner/events';
import { Plan } from '../planner/plan';
import { loadBooks, loadExpiredHolds, type LoadedBook, type LoadOptions } from './load';
import { applyPlan } from './write';

/**
 * The shape of every operation that changes accounts, in the caller's transaction: load the
 * accounts' books (locked), bring the stale ones up to date (expired holds, grants, an ended cycle),
 * let `fn` plan the operation on them, note the low-balance thresholds the whole operation took a
 * balance across, write the plan. A lone charge and a batch of charges, a hold, a refund, a grant:
 * all go through here.
 */
export async function withBooks<T>(
  em: SqlEntityManager,
  kind: DatabaseTarget['kind'],
  ctx: OpContext,
  ids: readonly string[],
  options: LoadOptions,
  fn: (plan: Plan, books: ReadonlyMap<string, LoadedBook>) => T | Promise<T>,
): Promise<T> {
  return withLoadedBooks(em, ctx, await loadBooks(em, kind, ids, options), fn);
}

/** {@link withBooks} on books the caller loaded ({@link loadBooks}) in this transaction, with reads of its own sent along. */
export async function withLoadedBooks<T>(em: SqlEntityManager, ctx: OpContext, books: ReadonlyMap<string, LoadedBook>, fn: (plan: Plan, books: ReadonlyMap<string, LoadedBook>) => T | Promise<T>): Promise<T> {
  const opening = new Map([...books.values()].map((b) => [b, b.account.balanceMc]));
  const plan = new Plan();
  for (const b of books.values()) if (isStale({ ...b, cycleEnd: b.account.cycleEnd }, ctx.now)) planTouch(plan, b, ctx, await loadExpiredHolds(em, b, ctx.now));
  const result = await fn(plan, books);
  for (const [b, balanceMc] of opening) noteBalance(plan, b, ctx, balanceMc);
  await applyPlan(em, plan);
  return result;
}
