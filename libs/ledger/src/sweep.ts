import { newId } from './ids';
import type { LedgerDeps, OpContext } from './operation';
import { noteGrantsExpiring } from './planner/events';
import { fork, transaction } from './store/transactions';
import { withBooks } from './store/unit-of-work';

/** What one sweep did. */
export interface SweepResult {
  /** Accounts brought up to date (expired holds and grants, an ended cycle). */
  readonly touched: number;
  /** Accounts checked for grants expiring within the horizon. */
  readonly noticed: number;
}

/** Accounts per transaction. */
const BATCH = 20;

/**
 * Time-based events for accounts nobody touches: brings every stale account up to date, as the
 * next operation on it would (its expired holds and grants give `hold.expired` and `grant.expired`,
 * its ended cycle rolls over), and notices the live grants that expire within `expiringWithinMs`
 * (`grant.expiring`, once per grant). Each batch of accounts is one transaction under their locks,
 * planned like any operation, so several processes may sweep at once on PostgreSQL: an account
 * already brought up to date is no longer stale, and a notice is written once.
 */
export async function sweep(deps: LedgerDeps, now: Date, options: { expiringWithinMs: number | null; limit: number }): Promise<SweepResult> {
  const em = fork(deps.db);
  const knex = em.getKnex();
  const at = em.getPlatform().processDateProperty(now);
  const ctx: OpContext = { compiled: deps.rules.active(now), now, caller: { actor: 'ledger' }, newId };

  const stale = await em.execute<{ id: string }[]>(
    knex
      .select('id')
      .from('account')
      .where('cycle_end', '<=', at)
      .union((q) => void q.select('account_id as id').from('hold').where('status', 'active').where('expires_at', '<=', at))
      .union((q) => void q.select('account_id as id').from('credit_grant').where('remaining_mc', '>', 0).where('expires_at', '<=', at))
      .orderBy('id')
      .limit(options.limit),
  );
  for (let i = 0; i < stale.length; i += BATCH) {
    await transaction(deps.db, (tem) => withBooks(tem, deps.db.kind, ctx, stale.slice(i, i + BATCH).map((r) => r.id), {}, () => undefined));
  }

  let noticed = 0;
  if (options.expiringWithinMs !== null) {
    const until = new Date(now.getTime() + options.expiringWithinMs);
    const expiring = await em.execute<{ id: string }[]>(
      knex('credit_grant as g')
        .distinct('g.account_id as id')
        .where('g.remaining_mc', '>', 0)
        .where('g.expires_at', '>', at)
        .where('g.expires_at', '<=', em.getPlatform().processDateProperty(until))
        // A constant prefix: no value of ours is spliced into the SQL.
        .whereNotExists(knex('outbox as o').select(knex.raw('1')).whereRaw("o.dedupe_key = 'grant.expiring:' || g.id"))
        .orderBy('id')
        .limit(options.limit),
    );
    for (let i = 0; i < expiring.length; i += BATCH) {
      await transaction(deps.db, (tem) =>
        withBooks(tem, deps.db.kind, ctx, expiring.slice(i, i + BATCH).map((r) => r.id), {}, (plan, books) => {
          for (const book of books.values()) noteGrantsExpiring(plan, book, ctx, until);
        }),
      );
    }
    noticed = expiring.length;
  }
  return { touched: stale.length, noticed };
}
