import type { Knex, SqlEntityManager } from '@mikro-orm/knex';

/**
 * Runs a query built with the ORM's query builder with its values bound by the driver (a
 * parameterized statement), in the entity manager's transaction if it has one. `em.execute`
 * would splice the values into the SQL text first, so every multi-row insert would be a new
 * statement to parse. Driver errors become the ORM's exceptions, as through `em.execute`
 * (a PostgreSQL deadlock is a `DeadlockException` the transaction retries).
 */
export async function runBound<T = unknown>(em: SqlEntityManager, query: Knex.QueryBuilder): Promise<T> {
  const trx = em.getTransactionContext<Knex.Transaction>();
  try {
    return (await (trx ? query.transacting(trx) : query)) as T;
  } catch (e) {
    throw em.getPlatform().getExceptionConverter().convertException(e as Error);
  }
}

/**
 * Runs independent writes of one transaction together (on one connection the driver queues them
 * back to back, instead of one event-loop turn each) and waits for every one of them before
 * reporting the first failure, so that nothing is still running when the transaction rolls back.
 */
export async function allSettledOrThrow(tasks: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}
