import type { AbstractSqlConnection } from '@mikro-orm/knex';
import type { Database } from '../database';

/** The parts of node-sqlite3 used here (the driver knex loaded; it has no types of its own here). */
export interface SqliteStatement {
  all(params: readonly unknown[], done: (err: Error | null, rows: Record<string, unknown>[]) => void): void;
  finalize(done: () => void): void;
}
export interface SqliteConnection {
  configure(option: 'busyTimeout', ms: number): void;
  prepare(sql: string, done: (err: Error | null) => void): SqliteStatement;
  all(sql: string, params: readonly unknown[], done: (err: Error | null, rows: Record<string, unknown>[]) => void): void;
  close(done: (err: Error | null) => void): void;
}
interface SqliteDriver {
  readonly OPEN_READONLY: number;
  readonly OPEN_READWRITE: number;
  readonly Database: new (file: string, mode: number, done: (err: Error | null) => void) => SqliteConnection;
}

/** The database's file when it is a SQLite file (not PostgreSQL, not in-memory SQLite, which no second connection can see). */
export function sqliteFile(db: Database): string | undefined {
  if (db.kind !== 'sqlite') return undefined;
  const file = String(db.orm.config.get('dbName'));
  return file === ':memory:' ? undefined : file;
}

/**
 * A SQLite connection of our own to the ORM's database file, outside its pool, opened with the
 * driver knex loaded: for work that must not wait behind the pool's single writer connection (the
 * prepared reads, the WAL checkpoints). It never opens a write transaction.
 */
export async function openSqliteConnection(orm: AbstractSqlConnection, file: string, mode: 'read-only' | 'read-write'): Promise<SqliteConnection> {
  const driver = (orm.getKnex().client as { readonly driver: unknown }).driver as SqliteDriver;
  const conn = await new Promise<SqliteConnection>((resolve, reject) => {
    const c: SqliteConnection = new driver.Database(file, mode === 'read-only' ? driver.OPEN_READONLY : driver.OPEN_READWRITE, (err) => (err ? reject(err) : resolve(c)));
  });
  conn.configure('busyTimeout', 5000);
  return conn;
}
