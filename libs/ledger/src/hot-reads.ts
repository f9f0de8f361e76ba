import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Database } from './database';

/** What a quote needs to know about an account, in one statement. */
export interface AccountState {
  readonly id: string;
  readonly plan: string;
  readonly balanceMc: number;
  readonly heldMc: number;
  readonly cycleStart: Date;
  readonly cycleEnd: Date;
  /** This cycle's count of the asked action. */
  readonly used: number;
  /** The earliest expiry of an active hold, if any. */
  readonly nextHoldExpiry: Date | null;
}

/** A date column's value as a Date: SQLite stores milliseconds, PostgreSQL returns Dates. */
export const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : (v as number | string)));

/**
 * The reads on every request, as single parameterized statements on a read connection (a SQLite
 * read-only connection, or the PostgreSQL pool) instead of entity queries: the same data, a
 * fraction of the cost. Values are bound by MikroORM's connection; no SQL is built from input.
 */
export class HotReads {
  constructor(private readonly db: Database) {}

  private reader(): ReturnType<SqlEntityManager['getConnection']> {
    return (this.db.orm.em.fork() as SqlEntityManager).getConnection('read');
  }

  /** The stored response for an idempotency key, if any. */
  async idempotency(scope: string, key: string): Promise<{ requestHash: string; response: unknown } | undefined> {
    const rows = await this.reader().execute<{ request_hash: string; response: unknown }[]>('select request_hash, response from idempotency_record where scope = ? and key = ?', [scope, key]);
    const row = rows[0];
    if (!row) return undefined;
    return { requestHash: row.request_hash, response: typeof row.response === 'string' ? JSON.parse(row.response) : row.response };
  }

  /** An account's plan, balances, cycle, usage of `action` this cycle and next hold expiry. */
  async account(id: string, action: string): Promise<AccountState | undefined> {
    const rows = await this.reader().execute<Record<string, unknown>[]>(
      `select a.plan, a.balance_mc, a.held_mc, a.cycle_start, a.cycle_end,
         (select u.count from usage_counter u where u.account_id = a.id and u.action = ? and u.cycle_start = a.cycle_start) as used,
         (select min(h.expires_at) from hold h where h.account_id = a.id and h.status = 'active') as next_hold_expiry
       from account a where a.id = ?`,
      [action, id],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      id,
      plan: String(r.plan),
      balanceMc: Number(r.balance_mc),
      heldMc: Number(r.held_mc),
      cycleStart: toDate(r.cycle_start),
      cycleEnd: toDate(r.cycle_end),
      used: r.used === null || r.used === undefined ? 0 : Number(r.used),
      nextHoldExpiry: r.next_hold_expiry === null || r.next_hold_expiry === undefined ? null : toDate(r.next_hold_expiry),
    };
  }
}

/**
 * True when an account must be brought up to date before it is used: its cycle ended, or a hold
 * expired (a hold of a free action reserves nothing and still expires).
 */
export function isStale(a: { readonly cycleEnd: Date; readonly nextHoldExpiry: Date | null }, now: Date): boolean {
  return now.getTime() >= a.cycleEnd.getTime() || (a.nextHoldExpiry !== null && a.nextHoldExpiry.getTime() <= now.getTime());
}
