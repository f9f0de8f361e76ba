import type { AbstractSqlConnection } from '@mikro-orm/knex';
import type { Database } from '../database';
import { openSqliteConnection, sqliteFile, type SqliteConnection } from './sqlite-connection';

/** What the last checkpoint did: WAL frames in the log, and how many of them are in the database file now. */
export interface CheckpointResult {
  readonly logFrames: number;
  readonly checkpointedFrames: number;
}

/**
 * Copies the WAL back into a SQLite database file on a connection of its own, beside the writer.
 *
 * Left to the writer, a checkpoint runs inside the commit that crosses `wal_autocheckpoint`: the
 * charges of that batch waited for ~40 MB to be copied (the p99 of the charge path: ~210 ms, eight
 * times its p50, in the bench's ledger-alone run). Nudged after each charge batch, a passive checkpoint (it never waits for a lock and never
 * blocks the writer or the readers) copies what the commits wrote while the next batch is being
 * settled; at most one runs at a time, at most one starts per `minIntervalMs`, and a commit in
 * between is checkpointed after (no WAL tail is left waiting for the next burst). The writer's own
 * `wal_autocheckpoint` stays as the backstop for the other writes. PostgreSQL and in-memory SQLite:
 * nothing to do.
 */
export class WalCheckpointer {
  private conn?: Promise<SqliteConnection>;
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  /** A commit since the last checkpoint started: one more is due. */
  private wanted = false;
  private lastStart = -Infinity;
  /** The database file; none on PostgreSQL and in-memory SQLite (nothing to checkpoint). */
  private readonly file: string | undefined;
  /** Checkpoints completed (failed ones are not counted, and leave the work to the writer's backstop). */
  completed = 0;
  last?: CheckpointResult;

  constructor(
    private readonly db: Database,
    private readonly minIntervalMs = 100,
  ) {
    this.file = sqliteFile(db);
  }

  /**
   * After a commit: a checkpoint is due. It starts now, or when the running one ends, or when
   * `minIntervalMs` have passed since the last one started; nudges in between ask for one.
   */
  nudge(): void {
    if (!this.file) return;
    this.wanted = true;
    this.schedule();
  }

  /** Runs the checkpoint still due, if any, and closes the connection (a later nudge opens it again). */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.wanted && this.file) {
      this.wanted = false;
      await this.checkpoint(this.file);
    }
    const conn = this.conn;
    this.conn = undefined;
    if (conn) await conn.then((c) => new Promise<void>((resolve) => c.close(() => resolve())), () => undefined);
  }

  private schedule(): void {
    const file = this.file;
    if (!this.wanted || this.running || this.timer || !file) return;
    const wait = this.lastStart + this.minIntervalMs - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
      this.timer.unref();
      return;
    }
    this.wanted = false;
    this.lastStart = performance.now();
    this.running = this.checkpoint(file).finally(() => {
      this.running = undefined;
      this.schedule();
    });
  }

  private async checkpoint(file: string): Promise<void> {
    let conn: SqliteConnection;
    try {
      conn = await (this.conn ??= openSqliteConnection(this.db.orm.em.getDriver().getConnection('write') as AbstractSqlConnection, file, 'read-write'));
    } catch {
      this.conn = undefined; // tried again at the next nudge
      return;
    }
    try {
      const [row] = await new Promise<Record<string, unknown>[]>((resolve, reject) => conn.all('PRAGMA wal_checkpoint(PASSIVE)', [], (err, rows) => (err ? reject(err) : resolve(rows))));
      this.last = { logFrames: Number(row.log), checkpointedFrames: Number(row.checkpointed) };
      this.completed++;
    } catch {
      // The WAL is left to the writer's backstop.
    }
  }
}
