import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Database } from './database';

/** One broken invariant. */
export interface LedgerProblem {
  readonly accountId?: string;
  readonly code:
    | 'BALANCE_MISMATCH'
    | 'NEGATIVE_BALANCE'
    | 'BROKEN_CHAIN'
    | 'HELD_MISMATCH'
    | 'CHARGE_MISMATCH'
    | 'OVER_REFUNDED'
    | 'HOLD_MISMATCH'
    | 'GRANT_MISMATCH'
    | 'GRANT_OUT_OF_RANGE'
    | 'ALLOCATION_MISMATCH'
    | 'GRANTS_MISMATCH';
  readonly message: string;
}

/** What `verifyLedger` checked and found. */
export interface LedgerReport {
  readonly accounts: number;
  readonly entries: number;
  readonly grants: number;
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
 * - every active hold has its reservation entry and no closing entry;
 * - every grant's remaining credits equal its allocations (granted - drawn + returned - expired),
 *   never below zero or above what was granted;
 * - every entry that names grants moves exactly its amount through them, and so does every entry
 *   after an account's first grant (credits move only through grants);
 * - every account's balance equals the sum of its grants' remaining credits.
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
  const grants = await q<{ id: string; account_id: string; amount_mc: unknown; remaining_mc: unknown; allocated: unknown }>(
    `select g.id, g.account_id, g.amount_mc, g.remaining_mc, coalesce(sum(x.amount_mc), 0) as allocated
     from credit_grant g left join entry_allocation x on x.grant_id = g.id group by g.id, g.account_id, g.amount_mc, g.remaining_mc`,
  );
  for (const g of grants) {
    if (n(g.remaining_mc) !== n(g.allocated)) problems.push({ accountId: g.account_id, code: 'GRANT_MISMATCH', message: `grant ${g.id} has ${n(g.remaining_mc)} mc left but its allocations sum to ${n(g.allocated)} mc` });
    if (n(g.remaining_mc) < 0 || n(g.remaining_mc) > n(g.amount_mc)) problems.push({ accountId: g.account_id, code: 'GRANT_OUT_OF_RANGE', message: `grant ${g.id} has ${n(g.remaining_mc)} mc left of ${n(g.amount_mc)} mc granted` });
  }

  // Entries move credits through grants: from an account's first allocation on, every entry that moves credits names its grants.
  const unallocated = await q<{ id: unknown; account_id: string; amount_mc: unknown; allocated: unknown }>(
    `select e.id, e.account_id, e.amount_mc, coalesce(sum(x.amount_mc), 0) as allocated
     from ledger_entry e left join entry_allocation x on x.entry_id = e.id
     where e.id >= (select min(x2.entry_id) from entry_allocation x2 where x2.account_id = e.account_id)
     group by e.id, e.account_id, e.amount_mc
     having coalesce(sum(x.amount_mc), 0) <> e.amount_mc`,
  );
  for (const e of unallocated) {
    problems.push({ accountId: e.account_id, code: 'ALLOCATION_MISMATCH', message: `entry ${n(e.id)} moves ${n(e.amount_mc)} mc but its allocations sum to ${n(e.allocated)} mc` });
  }

  const pooled = await q<{ id: string; balance_mc: unknown; remaining: unknown }>(
    `select a.id, a.balance_mc, coalesce(sum(g.remaining_mc), 0) as remaining from account a left join credit_grant g on g.account_id = a.id group by a.id, a.balance_mc`,
  );
  for (const p of pooled) {
    if (n(p.balance_mc) !== n(p.remaining)) problems.push({ accountId: p.id, code: 'GRANTS_MISMATCH', message: `balance ${n(p.balance_mc)} mc but the grants hold ${n(p.remaining)} mc` });
  }
  return { accounts: balances.length, entries, charges: charges.length, grants: grants.length, problems };
}
