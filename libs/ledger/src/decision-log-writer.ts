import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Database } from './database';
import type { DecisionLog } from './entities';
import { insertRows } from './store/bound';

/** A decision-log row as inserted. */
export type DecisionLogRow = Omit<DecisionLog, 'id'>;

/**
 * Writes quote log rows in batches: at most `maxRows` rows or `maxDelayMs` after the first one,
 * in one multi-row INSERT. Quotes move no credits, so their log may trail the answer by a few
 * milliseconds; charges, holds and captures are logged in the transaction that moves the credits.
 * `flush()` before reading the log in the same process; `close()` on shutdown.
 */
export class DecisionLogWriter {
  private buffer: DecisionLogRow[] = [];
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  /** A write is chained and has not taken its rows yet: later flushes join it. */
  private queued = false;
  /** Rows that could not be written (the database refused them), for metrics and logs. */
  lost = 0;

  constructor(
    private readonly db: Database,
    private readonly maxRows = 500,
    private readonly maxDelayMs = 20,
    private readonly onError: (e: unknown, rows: number) => void = () => undefined,
  ) {}

  push(row: DecisionLogRow): void {
    this.buffer.push(row);
    if (this.buffer.length >= this.maxRows) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.maxDelayMs);
      this.timer.unref();
    }
  }

  /**
   * Hands the buffered rows to a transaction that writes them itself (a batch of charges writes the
   * quotes decided before it, first, in its own transaction: one statement less per batch). Waits
   * for writes already started, so rows land in the order they were decided. Until the taker calls
   * `settle`, a {@link flush} waits for it too (a reader of the log sees every row decided before
   * it asked); `settle(false)`, after a rollback, writes the rows here instead, before any others;
   * only the first call counts.
   */
  async take(): Promise<{ readonly rows: readonly DecisionLogRow[]; settle(written: boolean): Promise<void> }> {
    await this.writing;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.buffer;
    this.buffer = [];
    let release!: () => void;
    const settled = new Promise<void>((resolve) => (release = resolve));
    this.writing = this.writing.then(() => settled);
    let done = false;
    return {
      rows,
      settle: (written) => {
        if (done) return Promise.resolve();
        done = true;
        if (!written) this.buffer.unshift(...rows);
        release();
        return written ? settled : this.flush();
      },
    };
  }

  /** Writes everything buffered so far; resolves when it is in the database. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Writes are chained so rows land in order and a flush waits for the ones before it. Each takes
    // what is buffered when its turn comes: while one write is slow, the flushes asked for meanwhile
    // become one write of everything buffered (not a queue of small ones that falls behind).
    if (this.queued) return this.writing;
    this.queued = true;
    this.writing = this.writing.then(() => {
      this.queued = false;
      const rows = this.buffer;
      this.buffer = [];
      return this.write(rows, true);
    });
    return this.writing;
  }

  /**
   * Inserts rows; on failure tries once more (a transient error), then splits the batch in halves
   * so that only the rows the database refuses are lost, and counts them.
   */
  private async write(rows: readonly DecisionLogRow[], retry: boolean): Promise<void> {
    if (rows.length === 0) return;
    try {
      await insertDecisionRows(this.db.orm.em.fork() as SqlEntityManager, rows);
    } catch (e) {
      if (retry) return this.write(rows, false);
      if (rows.length === 1) {
        this.lost += 1;
        this.onError(e, 1);
        return;
      }
      const half = Math.ceil(rows.length / 2);
      await this.write(rows.slice(0, half), false);
      await this.write(rows.slice(half), false);
    }
  }

  close(): Promise<void> {
    return this.flush();
  }
}

/**
 * Inserts decision-log rows in multi-row statements, their values bound ({@link insertRows}): JSON
 * columns serialised here, dates as the platform stores them. Cheaper than entity inserts, and it
 * never mutates the rows (decisions share frozen receipts).
 */
export async function insertDecisionRows(em: SqlEntityManager, rows: readonly DecisionLogRow[]): Promise<void> {
  if (rows.length === 0) return;
  const platform = em.getPlatform();
  const values = rows.map((r) => ({
    kind: r.kind,
    account_id: r.accountId,
    plan: r.plan,
    action: r.action,
    params: JSON.stringify(r.params),
    confirm: r.confirm,
    balance_mc: r.balanceMc,
    usage: JSON.stringify(r.usage),
    allowed: r.allowed,
    cost_mc: r.costMc,
    reasons: r.reasons,
    decision: JSON.stringify(r.decision),
    ruleset_version: r.rulesetVersion,
    charge_id: r.chargeId ?? null,
    api_key_id: r.apiKeyId ?? null,
    created_at: platform.processDateProperty(r.createdAt),
  }));
  await insertRows(em, 'decision_log', values);
}
