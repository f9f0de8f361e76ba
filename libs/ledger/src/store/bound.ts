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
 * Runs independent writes of one transaction. On SQLite they are sent together (the driver queues
 * them back to back on the one connection, instead of one event-loop turn each) and every one is
 * waited for before the first failure is reported, so nothing is still running when the transaction
 * rolls back. On PostgreSQL they run one after another: a pg client must not be given a query while
 * it runs another (deprecated, refused by pg 9).
 */
export async function writeTogether(em: SqlEntityManager, writes: readonly (() => Promise<unknown>)[]): Promise<void> {
  if ((em.getKnex().client as { dialect?: string }).dialect !== 'sqlite3') {
    for (const w of writes) await w();
    return;
  }
  const results = await Promise.allSettled(writes.map((w) => w()));
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}
