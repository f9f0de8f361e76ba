import type { SqlEntityManager } from '@mikro-orm/knex';
import type { CompiledRuleSet } from '@ratecard/engine';
import type { AccountRow, Allocation } from './book';
import type { EntryKind } from './entities';
import { LedgerError } from './errors';
import { accountRow, fromJson, grantRow, holdRow, toDate } from './store/rows';
import { accountView, allocationView, chargeView, entryView, grantView, holdView, type AccountView, type AllocationView, type ChargeView, type EntryView, type GrantView, type HoldView } from './views';

/** A page of a list, and the cursor of the next one (null at the end). */
export interface Page<T, C = number> {
  readonly items: T[];
  readonly next: C | null;
}

/** A charge with what has been refunded from it and the grants that paid it. */
export type ChargeDetail = ChargeView & { readonly refunded: number; readonly refundedMillicredits: number; readonly paidBy: readonly AllocationView[] };

export function accountNotFound(id: string): LedgerError {
  return new LedgerError('ACCOUNT_NOT_FOUND', `account \`${id}\` does not exist`, { accountId: id });
}

async function allocationsOf(em: SqlEntityManager, entryIds: readonly number[]): Promise<Map<number, Allocation[]>> {
  const out = new Map<number, Allocation[]>();
  if (entryIds.length === 0) return out;
  const rows = await em.execute<{ entry_id: unknown; grant_id: string; amount_mc: unknown }[]>(em.getKnex()('entry_allocation').select('entry_id', 'grant_id', 'amount_mc').whereIn('entry_id', entryIds).orderBy('id'));
  for (const r of rows) out.set(Number(r.entry_id), [...(out.get(Number(r.entry_id)) ?? []), { grantId: r.grant_id, amountMc: Number(r.amount_mc) }]);
  return out;
}

/** The account row, or a not-found error. */
export async function readAccountRow(em: SqlEntityManager, id: string): Promise<AccountRow> {
  const rows = await em.execute<Record<string, unknown>[]>(em.getKnex()('account').select('*').where('id', id));
  if (!rows[0]) throw accountNotFound(id);
  return accountRow(rows[0]);
}

/** The account as the API shows it, read with `em` (inside a transaction, what it wrote). */
export async function readAccountView(em: SqlEntityManager, id: string, compiled: CompiledRuleSet, now: Date): Promise<AccountView> {
  const knex = em.getKnex();
  const a = await readAccountRow(em, id);
  const counters = await em.execute<{ action: string; count: unknown }[]>(knex('usage_counter').select('action', 'count').where('account_id', id).where('cycle_start', em.getPlatform().processDateProperty(a.cycleStart)).orderBy('action'));
  const grants = await em.execute<Record<string, unknown>[]>(knex('credit_grant').select('*').where('account_id', id).where('remaining_mc', '>', 0));
  return accountView(a, compiled, counters.map((c) => ({ action: c.action, count: Number(c.count) })), grants.map(grantRow), now);
}

/** Ledger rows as the API shows them, each with the grants it moved credits from or to. */
async function entryViews(em: SqlEntityManager, rows: readonly Record<string, unknown>[]): Promise<EntryView[]> {
  const allocations = await allocationsOf(em, rows.map((r) => Number(r.id)));
  return rows.map((r) =>
    entryView(
      {
        id: Number(r.id),
        accountId: String(r.account_id),
        kind: String(r.kind) as EntryKind,
        amountMc: Number(r.amount_mc),
        balanceAfterMc: Number(r.balance_after_mc),
        cycleStart: toDate(r.cycle_start),
        action: (r.action as string | null) ?? null,
        chargeId: (r.charge_id as string | null) ?? null,
        holdId: (r.hold_id as string | null) ?? null,
        plan: (r.plan as string | null) ?? null,
        rulesetVersion: (r.ruleset_version as string | null) ?? null,
        reason: String(r.reason),
        createdAt: toDate(r.created_at),
      },
      allocations.get(Number(r.id)) ?? [],
    ),
  );
}

/** A page of the account's ledger, newest first unless `order` is `asc`, each entry with its allocations. */
export async function readEntries(em: SqlEntityManager, id: string, page: { limit: number; cursor?: number; order?: 'asc' | 'desc' }): Promise<Page<EntryView>> {
  await readAccountRow(em, id);
  const order = page.order ?? 'desc';
  let q = em.getKnex()('ledger_entry').select('*').where('account_id', id).orderBy('id', order).limit(page.limit + 1);
  if (page.cursor !== undefined) q = q.where('id', order === 'desc' ? '<' : '>', page.cursor);
  const rows = await em.execute<Record<string, unknown>[]>(q);
  const items = await entryViews(em, rows.slice(0, page.limit));
  return { items, next: rows.length > page.limit ? items[items.length - 1].id : null };
}

/** The ledger entries of a charge, oldest first: its debit (or capture), its refunds, and the hold's entries when it captured one. */
export async function readChargeEntries(em: SqlEntityManager, chargeId: string, holdId: string | null): Promise<EntryView[]> {
  let q = em.getKnex()('ledger_entry').select('*').where('charge_id', chargeId);
  if (holdId) q = q.orWhere('hold_id', holdId);
  return entryViews(em, await em.execute<Record<string, unknown>[]>(q.orderBy('id').limit(1000)));
}

/** A page of the account's grants, newest first; `live` only those that can still be drawn from. */
export async function readGrants(em: SqlEntityManager, id: string, page: { limit: number; cursor?: string; status?: 'live' | 'all' }, now: Date): Promise<Page<GrantView, string>> {
  await readAccountRow(em, id);
  const knex = em.getKnex();
  let q = knex('credit_grant').select('*').where('account_id', id).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(page.limit + 1);
  if (page.status === 'live') q = q.where('remaining_mc', '>', 0).where((w) => w.whereNull('expires_at').orWhere('expires_at', '>', em.getPlatform().processDateProperty(now)));
  if (page.cursor !== undefined) {
    const m = /^(\d{1,15})\.(.{1,96})$/.exec(page.cursor);
    if (!m) throw new LedgerError('INVALID_CURSOR', `\`${page.cursor}\` is not a cursor from this list`);
    const at = em.getPlatform().processDateProperty(new Date(Number(m[1])));
    q = q.where((w) => w.where('created_at', '<', at).orWhere((x) => x.where('created_at', at).where('id', '<', m[2])));
  }
  const rows = (await em.execute<Record<string, unknown>[]>(q)).map(grantRow);
  const items = rows.slice(0, page.limit).map((g) => grantView(g, now));
  const last = rows[page.limit - 1];
  return { items, next: rows.length > page.limit && last ? `${last.createdAt.getTime()}.${last.id}` : null };
}

/** A charge with its refunds so far, the balance right after it and the grants that paid it. */
export async function readCharge(em: SqlEntityManager, chargeId: string): Promise<ChargeDetail> {
  const knex = em.getKnex();
  const c = (await em.execute<Record<string, unknown>[]>(knex('charge').select('*').where('id', chargeId)))[0];
  if (!c) throw new LedgerError('CHARGE_NOT_FOUND', `charge \`${chargeId}\` does not exist`);
  const entryId = c.entry_id === null || c.entry_id === undefined ? null : Number(c.entry_id);
  const refunds = await em.execute<{ total: unknown }[]>(knex('ledger_entry').sum({ total: 'amount_mc' }).where('charge_id', chargeId).where('kind', 'refund'));
  const refunded = Number(refunds[0]?.total ?? 0);
  let balanceAfter = c.balance_after_mc === null || c.balance_after_mc === undefined ? null : Number(c.balance_after_mc);
  if (balanceAfter === null) {
    // Charges made before ledger v2: their debit says; a free one left the balance as the entry before it did.
    const before = entryId ?? Number.MAX_SAFE_INTEGER;
    const prior = await em.execute<{ balance_after_mc: unknown }[]>(
      knex('ledger_entry').select('balance_after_mc').where('account_id', c.account_id as string).where('id', '<=', before).where('created_at', '<=', c.created_at as string).orderBy('id', 'desc').limit(1),
    );
    balanceAfter = Number(prior[0]?.balance_after_mc ?? 0);
  }
  const paid = entryId === null ? [] : ((await allocationsOf(em, [entryId])).get(entryId) ?? []);
  const view = chargeView({
    id: String(c.id),
    accountId: String(c.account_id),
    action: String(c.action),
    params: fromJson(c.params),
    costMc: Number(c.cost_mc),
    rulesetVersion: String(c.ruleset_version),
    entryId,
    holdId: (c.hold_id as string | null) ?? null,
    balanceAfterMc: balanceAfter,
    createdAt: toDate(c.created_at),
  });
  return { ...view, refunded: refunded / 1000, refundedMillicredits: refunded, paidBy: paid.map(allocationView) };
}

/** A hold as stored. */
export async function readHold(em: SqlEntityManager, holdId: string): Promise<HoldView> {
  const h = (await em.execute<Record<string, unknown>[]>(em.getKnex()('hold').select('*').where('id', holdId)))[0];
  if (!h) throw new LedgerError('HOLD_NOT_FOUND', `hold \`${holdId}\` does not exist`);
  const a = await readAccountRow(em, String(h.account_id));
  return holdView(holdRow(h, []), a);
}
