import type { AbstractSqlConnection } from '@mikro-orm/knex';
import type { Database } from '../database';
import { openSqliteConnection, sqliteFile, type SqliteConnection, type SqliteStatement } from './sqlite-connection';

/** Dedicated read-only SQLite connections per prepared read. */
const SQLITE_READERS = 2;

/** The part of a pg client used here. */
interface PgClient {
  query(q: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: Record<string, unknown>[] }>;
}
interface KnexClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(conn: unknown): Promise<unknown>;
}

/**
 * One read statement, prepared once and run many times with bound values, outside any
 * transaction. The SQL is written with `?` placeholders.
 *
 * - SQLite file: a few read-only connections of its own (WAL lets them read beside the writer and
 *   see every committed change), each holding the prepared statement; no SQL text is built or
 *   parsed per call.
 * - PostgreSQL: a named statement on the pool's connections (each connection parses it once).
 * - In-memory SQLite (no second connection can see it): the ORM's connection, values bound.
 *
 * Statements run to completion (`all`), so a read connection never keeps a read transaction open.
 */
export class PreparedRead {
  private sqlite?: Promise<{ conn: SqliteConnection; stmt: SqliteStatement }[]>;
  private next = 0;
  private readConnection?: AbstractSqlConnection;
  private readonly pgText: string;
  /** The SQLite file this read opens its own connections to; none on PostgreSQL and in-memory SQLite. */
  private readonly file: string | undefined;

  constructor(
    private readonly db: Database,
    /** Names the statement on PostgreSQL connections: unique per SQL text. */
    private readonly name: string,
    private readonly sql: string,
  ) {
    let n = 0;
    this.pgText = sql.replace(/\?/g, () => `$${++n}`);
    this.file = sqliteFile(db);
  }

  /** The rows for these values. */
  async all<T extends Record<string, unknown>>(params: readonly unknown[]): Promise<T[]> {
    if (this.db.kind === 'postgresql') {
      const client = this.connection().getKnex().client as KnexClient;
      const conn = (await client.acquireConnection()) as PgClient;
      // The text is this read's fixed SQL; only the values vary, bound by the server.
      const statement = { name: this.name, text: this.pgText, values: params };
      try {
        return (await conn.query(statement)).rows as T[];
      } finally {
        await client.releaseConnection(conn);
      }
    }
    // A local name for the fixed SQL: the SQL scanner (test/security) checks such constants where they are made.
    const sql = this.sql;
    if (!this.file) return this.connection().execute<T[]>(sql, [...params]);
    this.sqlite ??= this.openSqlite(this.connection(), this.file);
    const readers = await this.sqlite;
    const { stmt } = readers[this.next++ % readers.length];
    return new Promise((resolve, reject) => stmt.all(params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
  }

  /** The driver's read connection: the same object for the ORM's life, so it is looked up once (an EntityManager fork per call cost more than the read). */
  private connection(): AbstractSqlConnection {
    return (this.readConnection ??= this.db.orm.em.getDriver().getConnection('read') as AbstractSqlConnection);
  }

  /** Closes the dedicated connections (a later call opens them again). */
  async close(): Promise<void> {
    const readers = this.sqlite;
    this.sqlite = undefined;
    if (!readers) return;
    for (const { conn, stmt } of await readers.catch(() => [])) {
      await new Promise<void>((resolve) => stmt.finalize(resolve));
      await new Promise<void>((resolve) => conn.close(() => resolve()));
    }
  }

  private async openSqlite(connection: AbstractSqlConnection, file: string): Promise<{ conn: SqliteConnection; stmt: SqliteStatement }[]> {
    const open = async (): Promise<{ conn: SqliteConnection; stmt: SqliteStatement }> => {
      const conn = await openSqliteConnection(connection, file, 'read-only');
      const stmt = await new Promise<SqliteStatement>((resolve, reject) => {
        const s = conn.prepare(this.sql, (err) => (err ? reject(err) : resolve(s)));
      });
      return { conn, stmt };
    };
    const opened = Promise.all(Array.from({ length: SQLITE_READERS }, open));
    // A failed open is tried again on the next call.
    opened.catch(() => (this.sqlite = undefined));
    return opened;
  }
}
