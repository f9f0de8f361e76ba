import type { SqlEntityManager } from '@mikro-orm/knex';
import { openDatabase, type Database } from '@ratecard/ledger';

/** Counters of the PostgreSQL server so far. */
export interface PgCounters {
  /**
   * Transaction ids assigned: transactions that wrote (a read-only one gets none), from the next id
   * to be assigned (`pg_snapshot_xmax(pg_current_snapshot())`). Unlike `pg_stat_database`, which a
   * busy backend reports at most once a second and an idle one up to ten seconds late, exact at once.
   */
  readonly writeTransactions: number;
  /** WAL written, in bytes (`pg_current_wal_lsn()`). */
  readonly walBytes: number;
}

/** PostgreSQL's own counters, read over one connection of the bench's (each reading is read-only: it writes no WAL and takes no transaction id). */
export class PgStats {
  private constructor(private readonly db: Database) {}

  static async open(url: string): Promise<PgStats> {
    return new PgStats(await openDatabase({ kind: 'postgresql', url }, { poolSize: 1 }));
  }

  /** The server's version, e.g. `18.4`. */
  async version(): Promise<string> {
    const [row] = await this.em().execute<{ server_version: string }[]>('show server_version');
    return row.server_version;
  }

  async read(): Promise<PgCounters> {
    const [row] = await this.em().execute<{ xid: string; wal: string }[]>(`select pg_snapshot_xmax(pg_current_snapshot())::text as xid, (pg_current_wal_lsn() - '0/0'::pg_lsn)::text as wal`);
    return { writeTransactions: Number(row.xid), walBytes: Number(row.wal) };
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private em(): SqlEntityManager {
    return this.db.orm.em.fork() as SqlEntityManager;
  }
}
