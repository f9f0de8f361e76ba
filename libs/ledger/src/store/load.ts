import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Allocation, Book, GrantRow, HoldRow } from '../book';
import type { DatabaseTarget } from '../database';
import type { Plan } from '../planner/plan';
import type { RefundableCharge } from '../planner/refunds';
import { runBound, runTogether } from './bound';
import { accountRow, grantRow, holdRow, toDate, toDateOrNull } from './rows';

/** A book as loaded, with what tells whether it must be brought up to date first. */
export interface LoadedBook extends Book {
  readonly nextHoldExpiry: Date | null;
  readonly nextGrantExpiry: Date | null;
}

/** What to load besides the account and its live grants. */
export interface LoadOptions {
  /** Actions whose count this cycle is read (for every account loaded). */
  readonly actions?: Iterable<string>;
  /** Also this cycle's allowance grants that are used up (a plan change needs them). */
  readonly allowances?: boolean;
}

/**
 * Reads accounts with their live grants and this cycle's usage, locking the account rows in id
 * order on PostgreSQL (SQLite's transaction holds the write lock already). Every statement is
 * built by the ORM's query builder with bound values (passed to the driver by {@link runBound});
 * the three are sent together ({@link runTogether}: on PostgreSQL the locking read goes first).
 */
export async function loadBooks(em: SqlEntityManager, kind: DatabaseTarget['kind'], ids: readonly string[], options: LoadOptions = {}): Promise<Map<string, LoadedBook>> {
  const knex = em.getKnex();
  const sorted = [...new Set(ids)].sort();
  let select = knex('account as a')
    .select(
      'a.*',
      knex.raw('(select min(h.expires_at) from hold h where h.account_id = a.id and h.status = ?) as next_hold_expiry', ['active']),
      knex.raw('(select min(g.expires_at) from credit_grant g where g.account_id = a.id and g.remaining_mc > 0) as next_grant_expiry'),
    )
    .whereIn('a.id', sorted)
    .orderBy('a.id');
  if (kind === 'postgresql') select = select.forUpdate('a');
  let grants = knex('credit_grant').select('*').whereIn('account_id', sorted).where('remaining_mc', '>', 0);
  if (options.allowances) {
    grants = grants.orWhere((q) =>
      q.whereIn('account_id', sorted).where('source', 'allowance').where('remaining_mc', 0).whereRaw('expires_at = (select a.cycle_end from account a where a.id = credit_grant.account_id)'),
    );
  }
  const actions = [...new Set(options.actions ?? [])];
  type Counter = { account_id: string; action: string; cycle_start: unknown; count: unknown };
  const [accounts, grantRows, counters] = await runTogether<[Record<string, unknown>[], Record<string, unknown>[], Counter[]]>(em, [
    () => runBound<Record<string, unknown>[]>(em, select),
    () => runBound<Record<string, unknown>[]>(em, grants),
    () => (actions.length > 0 ? runBound<Counter[]>(em, knex('usage_counter').select('account_id', 'action', 'cycle_start', 'count').whereIn('account_id', sorted).whereIn('action', actions)) : Promise.resolve([])),
  ]);
  const books = new Map<string, LoadedBook>();
  for (const r of accounts) {
    books.set(String(r.id), { account: accountRow(r), grants: new Map(), usage: new Map(), nextHoldExpiry: toDateOrNull(r.next_hold_expiry), nextGrantExpiry: toDateOrNull(r.next_grant_expiry) });
  }
  for (const r of grantRows) {
    const g = grantRow(r);
    books.get(g.accountId)?.grants.set(g.id, g);
  }
  for (const b of books.values()) for (const action of actions) b.usage.set(action, 0);
  for (const c of counters) {
    const b = books.get(c.account_id);
    if (b && toDate(c.cycle_start).getTime() === b.account.cycleStart.getTime()) b.usage.set(c.action, Number(c.count));
  }
  return books;
}

/** Adds grants the book lacks (used up or expired ones an operation returns credits to). */
export async function loadGrants(em: SqlEntityManager, book: Book, ids: Iterable<string>): Promise<void> {
  const missing = [...new Set(ids)].filter((id) => !book.grants.has(id));
  if (missing.length === 0) return;
  for (const r of await em.execute<Record<string, unknown>[]>(em.getKnex()('credit_grant').select('*').whereIn('id', missing))) {
    const g: GrantRow = grantRow(r);
    book.grants.set(g.id, g);
  }
}

/** Holds with their reservations, by a condition on the `hold` table; their grants join the book. */
async function loadHolds(em: SqlEntityManager, book: Book, where: (q: ReturnType<ReturnType<SqlEntityManager['getKnex']>>) => void): Promise<HoldRow[]> {
  const knex = em.getKnex();
  const q = knex('hold').select('*');
  where(q);
  const rows = await em.execute<Record<string, unknown>[]>(q);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => String(r.id));
  const allocations = await em.execute<{ hold_id: string; grant_id: string; amount_mc: unknown }[]>(
    knex('entry_allocation as x').join('ledger_entry as e', 'e.id', 'x.entry_id').select('e.hold_id', 'x.grant_id', 'x.amount_mc').whereIn('e.hold_id', ids).where('e.kind', 'hold').orderBy('x.id'),
  );
  const reserved = new Map<string, Allocation[]>();
  for (const a of allocations) reserved.set(a.hold_id, [...(reserved.get(a.hold_id) ?? []), { grantId: a.grant_id, amountMc: Number(a.amount_mc) }]);
  await loadGrants(em, book, allocations.map((a) => a.grant_id));
  return rows.map((r) => holdRow(r, reserved.get(String(r.id)) ?? []));
}

/** The account's active holds whose time ran out. */
export function loadExpiredHolds(em: SqlEntityManager, book: Book, now: Date): Promise<HoldRow[]> {
  return loadHolds(em, book, (q) => void q.where('account_id', book.account.id).where('status', 'active').where('expires_at', '<=', em.getPlatform().processDateProperty(now)));
}

/** One hold of the account, or undefined; as the plan left it if the plan changed it already (an expiry). */
export async function loadHold(em: SqlEntityManager, book: Book, id: string, plan: Plan): Promise<HoldRow | undefined> {
  for (const h of plan.holds) if (h.id === id) return h;
  return (await loadHolds(em, book, (q) => void q.where('id', id).where('account_id', book.account.id)))[0];
}

/** The account a hold or charge belongs to, read without a lock (to know which account to lock). */
export async function ownerOf(em: SqlEntityManager, table: 'hold' | 'charge', id: string): Promise<string | undefined> {
  const rows = await em.execute<{ account_id: string }[]>(em.getKnex()(table).select('account_id').where('id', id));
  return rows[0]?.account_id;
}

/** A charge with the grants that paid it and what was refunded so far; their grants join the book. */
export async function loadRefundable(em: SqlEntityManager, book: Book, chargeId: string): Promise<RefundableCharge | undefined> {
  const knex = em.getKnex();
  const rows = await em.execute<Record<string, unknown>[]>(knex('charge').select('*').where('id', chargeId));
  const c = rows[0];
  if (!c) return undefined;
  const entries = await em.execute<{ id: unknown; kind: string; amount_mc: unknown; cycle_start: unknown }[]>(
    knex('ledger_entry').select('id', 'kind', 'amount_mc', 'cycle_start').where('charge_id', chargeId).whereIn('kind', ['debit', 'refund']).orderBy('id'),
  );
  const allocations = await em.execute<{ kind: string; grant_id: string; amount_mc: unknown }[]>(
    knex('entry_allocation as x').join('ledger_entry as e', 'e.id', 'x.entry_id').select('e.kind', 'x.grant_id', 'x.amount_mc').where('e.charge_id', chargeId).whereIn('e.kind', ['debit', 'refund']).orderBy('x.id'),
  );
  await loadGrants(em, book, allocations.map((a) => a.grant_id));
  const debit = entries.find((e) => e.kind === 'debit');
  const cycleStart = c.cycle_start !== null && c.cycle_start !== undefined ? toDate(c.cycle_start) : debit ? toDate(debit.cycle_start) : null;
  return {
    id: chargeId,
    action: String(c.action),
    costMc: Number(c.cost_mc),
    rulesetVersion: String(c.ruleset_version),
    cycleStart,
    paid: allocations.filter((a) => a.kind === 'debit').map((a) => ({ grantId: a.grant_id, amountMc: Number(a.amount_mc) })),
    refunded: allocations.filter((a) => a.kind === 'refund').map((a) => ({ grantId: a.grant_id, amountMc: Number(a.amount_mc) })),
    refundedMc: entries.filter((e) => e.kind === 'refund').reduce((s, e) => s + Number(e.amount_mc), 0),
  };
}
