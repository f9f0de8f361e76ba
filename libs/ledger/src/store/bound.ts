import type { Knex, SqlEntityManager } from '@mikro-orm/knex';
import type { SqliteConnection } from './sqlite-connection';

/**
 * Runs a query built with the ORM's query builder with its values bound by the driver (a
 * parameterized statement), in the entity manager's transaction if it has one. `em.execute`
 * would splice the values into the SQL text first, so every multi-row insert would be a new
 * statement to parse. Driver errors become the ORM's exceptions, as through `em.execute`
 * (a PostgreSQL deadlock is a `DeadlockException` the transaction retries).
 */
export async function runBound<T = unknown>(em: SqlEntityManager, query: Knex.QueryBuilder | Knex.Raw): Promise<T> {
  const trx = em.getTransactionContext<Knex.Transaction>();
  try {
    return (await (trx ? query.transacting(trx) : query)) as T;
  } catch (e) {
    throw em.getPlatform().getExceptionConverter().convertException(e as Error);
  }
}

/**
 * Runs independent statements of one transaction and returns their results in order. On SQLite
 * they are sent together: the driver (serialized, see `ormOptions`) runs them one after another in
 * the order given, back to back, instead of one event-loop turn each; every one is waited for
 * before the first failure is reported, so nothing is still running when the transaction rolls
 * back. On PostgreSQL they run one after another too, each awaited (a pg client must not be given a
 * query while it runs another: deprecated, refused by pg 9), so a read after a locking read sees
 * the lock.
 */
export async function runTogether<T extends readonly unknown[]>(em: SqlEntityManager, runs: { readonly [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  if ((em.getKnex().client as { dialect?: string }).dialect !== 'sqlite3') {
    const out: unknown[] = [];
    for (const run of runs) out.push(await run());
    return out as unknown as T;
  }
  const results = await Promise.allSettled(runs.map((run) => run()));
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Independent writes of one transaction, sent together ({@link runTogether}). */
export async function writeTogether(em: SqlEntityManager, writes: readonly (() => Promise<unknown>)[]): Promise<void> {
  await runTogether<unknown[]>(em, writes);
}

/** A row to insert: column name to value (`undefined` is stored as NULL). */
export type InsertRow = Readonly<Record<string, unknown>>;

/** Rows per multi-row INSERT: within SQLite's (32,766) and PostgreSQL's (65,535) bound-parameter limits for our widest tables. */
const INSERT_CHUNK = 400;

/** The fixed parts of multi-row INSERTs, by table, columns and tail: built once each. */
const insertParts = new Map<string, { readonly head: string; readonly tuple: string; readonly after: string }>();

function insertText(table: string, columns: readonly string[], rows: number, tail: string): string {
  const key = `${table}\u0000${columns.join(',')}\u0000${tail}`;
  let parts = insertParts.get(key);
  if (parts === undefined) {
    // Identifiers written in the ledger's code (table and column names of its row builders) and `?`
    // placeholders: no value is ever part of the text.
    const names = columns.map((c) => `"${c}"`).join(', ');
    const head = `insert into "${table}" (${names}) values `;
    parts = { head, tuple: `(${columns.map(() => '?').join(', ')})`, after: tail ? ` ${tail}` : '' };
    insertParts.set(key, parts);
  }
  return parts.head + `${parts.tuple}, `.repeat(rows - 1) + parts.tuple + parts.after;
}

/**
 * Inserts rows (every row with the same columns, in the same order) with multi-row statements whose
 * values are all bound, in the entity manager's transaction if it has one. The SQL text is composed
 * from cached parts (no query builder per call: knex spent 84 µs per charge building these). `tail` follows
 * the VALUES list as written: an `on conflict` clause, a `returning` list (SQLite 3.35+ and
 * PostgreSQL both read the same text). Returns the rows a `returning` tail gives back.
 */
export async function insertRows<T = Record<string, unknown>>(em: SqlEntityManager, table: string, rows: readonly InsertRow[], tail = ''): Promise<T[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]);
  const knex = em.getKnex();
  const sqlite = await sqliteConnection(em);
  const out: T[] = [];
  try {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      const values: Knex.RawBinding[] = [];
      for (const row of chunk) for (const c of columns) values.push((row[c] ?? null) as Knex.RawBinding);
      const sql = insertText(table, columns, chunk.length, tail);
      if (sqlite) {
        out.push(...(await sqliteAll<T>(em, sqlite.conn, sql, values)));
        continue;
      }
      const result = await runBound<unknown>(em, knex.raw(sql, values));
      // pg answers with a result holding the rows.
      out.push(...((result as { rows?: T[] } | undefined)?.rows ?? []));
    }
  } finally {
    await sqlite?.release();
  }
  return out;
}

/**
 * On SQLite, the connection to give statements to directly: the transaction's, or the writer taken
 * from the pool (a statement of its own, outside any transaction; given back with `release`).
 * Statements given to it directly skip knex's formatting of raw SQL, which for a multi-row INSERT
 * scanned and rebuilt the text and copied its values (a third of what a charge allocated).
 */
async function sqliteConnection(em: SqlEntityManager): Promise<{ readonly conn: SqliteConnection; release(): Promise<void> } | undefined> {
  const client = em.getKnex().client as unknown as { dialect?: string; acquireConnection(): Promise<SqliteConnection>; releaseConnection(conn: SqliteConnection): Promise<unknown> };
  if (client.dialect !== 'sqlite3') return undefined;
  const trx = em.getTransactionContext<Knex.Transaction>();
  if (trx) return { conn: await (trx.client as unknown as typeof client).acquireConnection(), release: async () => undefined };
  const conn = await client.acquireConnection();
  return { conn, release: async () => void (await client.releaseConnection(conn)) };
}

function sqliteAll<T>(em: SqlEntityManager, conn: SqliteConnection, sql: string, values: readonly unknown[]): Promise<T[]> {
  return new Promise((resolve, reject) =>
    conn.all(sql, values, (err, rows) => (err ? reject(em.getPlatform().getExceptionConverter().convertException(err)) : resolve(rows as T[]))),
  );
}
