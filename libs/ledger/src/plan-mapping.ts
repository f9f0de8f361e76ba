import type { SqlEntityManager } from '@mikro-orm/knex';
import type { PlanMove } from './activation-guard';
import type { DatabaseTarget } from './database';
import { AuditEvent, LedgerEntry } from './entities';
import { toDate } from './hot-reads';
import type { Caller } from './ledger';

/** What a plan mapping did: which accounts moved, and which lost a pending change to a vanished plan. */
export interface PlanMoveResult {
  readonly from: string;
  readonly to: string;
  readonly accounts: readonly string[];
  /** Accounts whose pending plan change pointed at `from` and was cancelled. */
  readonly pendingCleared: readonly string[];
}

/** The activation a mapping belongs to. */
export interface MappingContext {
  readonly version: string;
  /** `activate`, `rollback` or `publish`: how the version became active. */
  readonly how: string;
  readonly caller: Caller;
  readonly now: Date;
}

/**
 * Applies a plan mapping inside the activation's transaction: every account on a mapped plan
 * moves to its new plan, and a pending plan change that points at a mapped (vanished) plan, or at
 * the plan the account now has, is cancelled. Each account's move is in its ledger, as an entry of
 * kind `plan` with amount 0 (the balance is unchanged), and in the audit trail.
 *
 * The only SQL of plan mappings is here: one locking read of the accounts concerned, one update
 * per account, and the inserts of their entries and events.
 */
export async function applyPlanMapping(em: SqlEntityManager, kind: DatabaseTarget['kind'], mapping: readonly PlanMove[], ctx: MappingContext): Promise<PlanMoveResult[]> {
  if (mapping.length === 0) return [];
  const knex = em.getKnex();
  const stamp = em.getPlatform().processDateProperty(ctx.now);
  const froms = mapping.map((m) => m.from);
  let select = knex('account')
    .select('id', 'plan', 'pending_plan', 'balance_mc', 'cycle_start')
    .where((q) => void q.whereIn('plan', froms).orWhereIn('pending_plan', froms))
    .orderBy('id');
  if (kind === 'postgresql') select = select.forUpdate();
  const rows = await em.execute<{ id: string; plan: string; pending_plan: string | null; balance_mc: unknown; cycle_start: unknown }[]>(select);

  const results = new Map(mapping.map((m) => [m.from, { from: m.from, to: m.to, accounts: [] as string[], pendingCleared: [] as string[] }]));
  const short = ctx.version.slice(0, 12);
  const entries: Omit<LedgerEntry, 'id'>[] = [];
  const events: Omit<AuditEvent, 'id'>[] = [];
  for (const row of rows) {
    const move = mapping.find((m) => m.from === row.plan);
    const plan = move ? move.to : row.plan;
    const pending = row.pending_plan;
    const cancel = pending !== null && (froms.includes(pending) || pending === plan);
    await em.execute(knex('account').where('id', row.id).update({ plan, pending_plan: cancel ? null : pending, updated_at: stamp }));
    const said: string[] = [];
    if (move) {
      results.get(move.from)!.accounts.push(row.id);
      said.push(`plan \`${move.from}\` → \`${move.to}\`: version ${short} has no \`${move.from}\` plan`);
    }
    if (cancel) {
      if (froms.includes(pending)) results.get(pending)!.pendingCleared.push(row.id);
      said.push(`pending change to \`${pending}\` cancelled`);
    }
    entries.push({
      accountId: row.id,
      kind: 'plan',
      amountMc: 0,
      balanceAfterMc: Number(row.balance_mc),
      cycleStart: toDate(row.cycle_start),
      action: null,
      chargeId: null,
      holdId: null,
      plan,
      rulesetVersion: ctx.version,
      reason: `${said.join('; ')} (${ctx.how})`,
      createdAt: ctx.now,
    });
    events.push({
      actor: ctx.caller.actor,
      event: 'account.plan',
      target: row.id,
      details: { from: row.plan, to: plan, kind: 'mapping', version: ctx.version, how: ctx.how, ...(cancel ? { pendingCancelled: pending } : {}) },
      createdAt: ctx.now,
    });
  }
  for (let i = 0; i < entries.length; i += 500) await em.insertMany(LedgerEntry, entries.slice(i, i + 500));
  for (let i = 0; i < events.length; i += 500) await em.insertMany(AuditEvent, events.slice(i, i + 500));
  return [...results.values()];
}
