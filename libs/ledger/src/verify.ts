import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Database } from './database';

/** One broken invariant. */
export interface LedgerProblem {
  readonly accountId?: string;
  readonly code: 'BALANCE_MISMATCH' | 'NEGATIVE_BALANCE' | 'BROKEN_CHAIN' | 'HELD_MISMATCH' | 'CHARGE_MISMATCH' | 'OVER_REFUNDED' | 'HOLD_MISMATCH';
  readonly message: string;
}

/** What `verifyLedger` checked and found. */
export interface LedgerReport {
  readonly accounts: number;
  readonly entries: number;
  readonly charges: number;
  readonly problems: readonly LedgerProblem[];
}

const n = (v: unknown): number => Number(v ?? 0);

/**
 * Checks the ledger's invariants across the whole database, with plain SQL aggregates:
 * - every account's cached balance equals the sum of its entries, and is never negative;
 * - each entry's `balanceAfter` is the previous one plus its amount (no lost or doubled entry);
 * - the cached held amount equals the active holds;
 * - every charge has exactly one debit of its cost (none for a free charge);
 * - no charge is refunded beyond its cost;
 * - every active hold has its reservation entry and no closing entry.
 */
export async function verifyLedger(db: Database): Promise<LedgerReport> {
  const em = db.orm.em.fork() as SqlEntityManager;
  const q = <T>(sql: string, params: unknown[] = []): Promise<T[]> => em.getConnection('write').execute<T[]>(sql, params);
  const problems: LedgerProblem[] = [];

  const balances = await q<{ id: string; balance_mc: unknown; held_mc: unknown; total: unknown; entries: unknown }>(
    `select a.id, a.balance_mc, a.held_mc, coalesce(sum(e.amount_mc), 0) as total, count(e.id) as entries
     from account a left join ledger_entry e on e.account_id = a.id group by a.id, a.balance_mc, a.held_mc`,
  );
  let entries = 0;
  for (const b of balances) {
    entries += n(b.entries);
    if (n(b.balance_mc) !== n(b.total)) problems.push({ accountId: b.id, code: 'BALANCE_MISMATCH', message: `balance ${n(b.balance_mc)} mc but entries sum to ${n(b.total)} mc` });
    if (n(b.balance_mc) < 0) problems.push({ accountId: b.id, code: 'NEGATIVE_BALANCE', message: `balance is ${n(b.balance_mc)} mc` });
  }

  // Each entry follows from the previous entry of its account.
  const chain = await q<{ account_id: string; id: unknown; amount_mc: unknown; balance_after_mc: unknown }>('select account_id, id, amount_mc, balance_after_mc from ledger_entry order by account_id, id');
  let last: { account: string; after: number } | undefined;
  for (const e of chain) {
    const before = last && last.account === e.account_id ? last.after : 0;
    if (before + n(e.amount_mc) !== n(e.balance_after_mc)) {
      problems.push({ accountId: e.account_id, code: 'BROKEN_CHAIN', message: `entry ${n(e.id)}: ${before} + ${n(e.amount_mc)} is not the recorded balance ${n(e.balance_after_mc)}` });
    }
    last = { account: e.account_id, after: n(e.balance_after_mc) };
  }

  const held = await q<{ id: string; held_mc: unknown; active: unknown }>(
    `select a.id, a.held_mc, coalesce(sum(h.amount_mc), 0) as active from account a left join hold h on h.account_id = a.id and h.status = 'active' group by a.id, a.held_mc`,
  );
  for (const h of held) if (n(h.held_mc) !== n(h.active)) problems.push({ accountId: h.id, code: 'HELD_MISMATCH', message: `held ${n(h.held_mc)} mc but active holds total ${n(h.active)} mc` });

  const charges = await q<{ id: string; account_id: string; cost_mc: unknown; debits: unknown; debited: unknown; refunded: unknown }>(
    `select c.id, c.account_id, c.cost_mc,
       (select count(*) from ledger_entry e where e.charge_id = c.id and e.kind = 'debit') as debits,
       (select coalesce(-sum(e.amount_mc), 0) from ledger_entry e where e.charge_id = c.id and e.kind = 'debit') as debited,
       (select coalesce(sum(e.amount_mc), 0) from ledger_entry e where e.charge_id = c.id and e.kind = 'refund') as refunded
     from charge c`,
  );
  for (const c of charges) {
    const expected = n(c.cost_mc) > 0 ? 1 : 0;
    if (n(c.debits) !== expected || n(c.debited) !== n(c.cost_mc)) {
      problems.push({ accountId: c.account_id, code: 'CHARGE_MISMATCH', message: `charge ${c.id} of ${n(c.cost_mc)} mc has ${n(c.debits)} debit(s) of ${n(c.debited)} mc` });
    }
    if (n(c.refunded) > n(c.cost_mc)) problems.push({ accountId: c.account_id, code: 'OVER_REFUNDED', message: `charge ${c.id} of ${n(c.cost_mc)} mc was refunded ${n(c.refunded)} mc` });
  }

  const holds = await q<{ id: string; account_id: string; status: string; amount_mc: unknown; reserved: unknown; closed: unknown }>(
    `select h.id, h.account_id, h.status, h.amount_mc,
       (select coalesce(-sum(e.amount_mc), 0) from ledger_entry e where e.hold_id = h.id and e.kind = 'hold') as reserved,
       (select coalesce(sum(e.amount_mc), 0) from ledger_entry e where e.hold_id = h.id and e.kind in ('capture', 'release')) as closed
     from hold h`,
  );
  for (const h of holds) {
    const amount = n(h.amount_mc);
    const closedOk = h.status === 'active' ? n(h.closed) === 0 : n(h.closed) === amount;
    if (n(h.reserved) !== amount || !closedOk) {
      problems.push({ accountId: h.account_id, code: 'HOLD_MISMATCH', message: `hold ${h.id} (${h.status}) of ${amount} mc: reserved ${n(h.reserved)} mc, returned ${n(h.closed)} mc` });
    }
  }
  return { accounts: balances.length, entries, charges: charges.length, problems };
}
