import type { SqlEntityManager } from '@mikro-orm/knex';
import type { AccountRow, GrantRow, HoldRow } from '../book';
import { insertDecisionRows } from '../decision-log-writer';
import type { Plan, PlannedIdempotency } from '../planner/plan';
import { insertRows, runBound, writeTogether } from './bound';
import { writeEvents } from './outbox';

/** What an upsert of existing accounts updates (written once, not per batch). */
const ACCOUNT_UPSERT =
  'on conflict ("id") do update set "plan" = excluded."plan", "pending_plan" = excluded."pending_plan", "cycle_start" = excluded."cycle_start", "cycle_end" = excluded."cycle_end", ' +
  '"balance_mc" = excluded."balance_mc", "held_mc" = excluded."held_mc", "updated_at" = excluded."updated_at"';

/** Stores responses under their idempotency keys, in the caller's transaction. */
export async function storeResponse(em: SqlEntityManager, ...records: readonly PlannedIdempotency[]): Promise<void> {
  const date = (d: Date): unknown => em.getPlatform().processDateProperty(d);
  await insertRows(em, 'idempotency_record', records.map((r) => ({ scope: r.scope, key: r.key, request_hash: r.requestHash, status: r.status, response: JSON.stringify(r.body()), created_at: date(r.createdAt) })));
}

/**
 * Writes a plan in the caller's transaction, with a few multi-row statements whose values are all
 * bound: new accounts first (every other table refers to its account); then, sent together, new
 * grants, the entries (their ids come back), holds, the changed grants, usage counts, the decision
 * log, audit events, the outbox's events (with their deliveries) and the changed accounts; then,
 * once the entries' ids are known, their allocations, charges and idempotency records (whose
 * bodies may name entry ids). Statements of one table run in order; the transaction fails as a
 * whole if any fails.
 */
export async function applyPlan(em: SqlEntityManager, plan: Plan): Promise<void> {
  const knex = em.getKnex();
  const date = (d: Date): unknown => em.getPlatform().processDateProperty(d);
  const dateOrNull = (d: Date | null): unknown => (d === null ? null : date(d));
  const accountValues = (a: AccountRow, now: Date = a.updatedAt): Record<string, unknown> => ({
    id: a.id,
    plan: a.plan,
    pending_plan: a.pendingPlan,
    billing_anchor: a.billingAnchor,
    cycle_start: date(a.cycleStart),
    cycle_end: date(a.cycleEnd),
    balance_mc: a.balanceMc,
    held_mc: a.heldMc,
    created_at: date(a.createdAt),
    updated_at: date(now),
  });
  const grantValues = (g: GrantRow): Record<string, unknown> => ({
    id: g.id,
    account_id: g.accountId,
    source: g.source,
    amount_mc: g.amountMc,
    remaining_mc: g.remainingMc,
    priority: g.priority,
    expires_at: dateOrNull(g.expiresAt),
    plan: g.plan,
    pack: g.pack,
    ruleset_version: g.rulesetVersion,
    reason: g.reason,
    created_at: date(g.createdAt),
  });
  const holdValues = (h: HoldRow): Record<string, unknown> => ({
    id: h.id,
    account_id: h.accountId,
    action: h.action,
    params: JSON.stringify(h.params),
    confirm: h.confirm,
    amount_mc: h.amountMc,
    ruleset_version: h.rulesetVersion,
    plan: h.plan,
    cycle_start: date(h.cycleStart),
    status: h.status,
    expires_at: date(h.expiresAt),
    charge_id: h.chargeId,
    idempotency_key: h.idempotencyKey,
    created_at: date(h.createdAt),
    closed_at: dateOrNull(h.closedAt),
  });

  await insertRows(em, 'account', [...plan.newAccounts].map((a) => accountValues(a)));

  const insertEntries = async (): Promise<void> => {
    const rows = await insertRows<{ id: number | string }>(
      em,
      'ledger_entry',
      plan.entries.map((e) => ({
        account_id: e.accountId,
        kind: e.kind,
        amount_mc: e.amountMc,
        balance_after_mc: e.balanceAfterMc,
        cycle_start: date(e.cycleStart),
        action: e.action,
        charge_id: e.chargeId,
        hold_id: e.holdId,
        plan: e.plan,
        ruleset_version: e.rulesetVersion,
        reason: e.reason,
        created_at: date(e.createdAt),
      })),
      'returning "id"',
    );
    // INVARIANT: one statement's rows take increasing ids in the order of its values (an
    // autoincrement in SQLite, a sequence in PostgreSQL), whatever order RETURNING lists them in,
    // and a later statement's ids are higher (insertRows runs them one after another).
    const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    plan.entries.forEach((e, j) => (e.id = ids[j]));
  };
  const changedGrants = [...plan.grants].filter((g) => !plan.newGrants.has(g));
  const updateGrants = async (): Promise<void> => {
    await insertRows(em, 'credit_grant', changedGrants.map(grantValues), 'on conflict ("id") do update set "remaining_mc" = excluded."remaining_mc"');
  };
  const updateHolds = async (): Promise<void> => {
    await insertRows(em, 'hold', [...plan.newHolds].map(holdValues));
    for (const h of plan.holds) {
      if (plan.newHolds.has(h)) continue;
      await runBound(em, knex('hold').update({ status: h.status, charge_id: h.chargeId, closed_at: dateOrNull(h.closedAt) }).where('id', h.id));
    }
  };
  const usage = [...plan.usage.values()].filter((u) => u.delta !== 0);
  const countUsage = (): Promise<unknown> =>
    insertRows(
      em,
      'usage_counter',
      usage.map((u) => ({ account_id: u.accountId, action: u.action, cycle_start: date(u.cycleStart), count: u.delta })),
      'on conflict ("account_id", "action", "cycle_start") do update set "count" = "usage_counter"."count" + excluded."count"',
    );
  const changed = [...plan.accounts].filter((a) => !plan.newAccounts.has(a));
  // An upsert of rows that exist: an update of many rows in one bound statement on both databases.
  const updateAccounts = (): Promise<unknown> =>
    insertRows(
      em,
      'account',
      changed.map((a) => accountValues(a)),
      ACCOUNT_UPSERT,
    );
  await writeTogether(em, [
    () => insertRows(em, 'credit_grant', [...plan.newGrants].map(grantValues)),
    () => insertEntries(),
    () => updateHolds(),
    () => updateGrants(),
    () => countUsage(),
    () => insertDecisionRows(em, plan.logs),
    () => insertRows(em, 'audit_event', plan.audits.map((a) => ({ actor: a.actor, event: a.event, target: a.target, details: JSON.stringify(a.details), created_at: date(a.createdAt) }))),
    () => writeEvents(em, plan.events),
    () => updateAccounts(),
  ]);
  // The entries' ids are known now.
  await writeTogether(em, [
    () => insertRows(em, 'entry_allocation', plan.entries.flatMap((e) => e.allocations.map((a) => ({ entry_id: e.id, grant_id: a.grantId, account_id: e.accountId, amount_mc: a.amountMc })))),
    () =>
      insertRows(
        em,
        'charge',
        plan.charges.map((c) => ({
          id: c.id,
          account_id: c.accountId,
          action: c.action,
          params: JSON.stringify(c.params),
          cost_mc: c.costMc,
          ruleset_version: c.rulesetVersion,
          entry_id: c.entry?.id ?? null,
          hold_id: c.holdId,
          idempotency_key: c.idempotencyKey,
          cycle_start: date(c.cycleStart),
          balance_after_mc: c.balanceAfterMc,
          created_at: date(c.createdAt),
        })),
      ),
    () => storeResponse(em, ...plan.idempotency),
  ]);
}
