import type { SqlEntityManager } from '@mikro-orm/knex';
import type { CompiledRuleSet } from '@ratecard/engine';
import type { PlanMove } from './activation-guard';
import type { DatabaseTarget } from './database';
import { newId } from './ids';
import type { Caller } from './operation';
import { planPlanMove } from './planner/cycle';
import { Plan } from './planner/plan';
import { loadBooks } from './store/load';
import { applyPlan } from './store/write';

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
  /** The version being activated. */
  readonly target: CompiledRuleSet;
  /** `activate`, `rollback` or `publish`: how the version became active. */
  readonly how: string;
  readonly caller: Caller;
  readonly now: Date;
}

/**
 * Applies a plan mapping inside the activation's transaction: every account on a mapped plan moves
 * to its new plan, and a pending plan change that points at a mapped (vanished) plan, or at the plan
 * the account now has, is cancelled. Each move is planned like any other change of an account (a
 * `plan` entry of 0 credits in its ledger, an audit event) and written with the activation.
 */
export async function applyPlanMapping(em: SqlEntityManager, kind: DatabaseTarget['kind'], mapping: readonly PlanMove[], mc: MappingContext): Promise<PlanMoveResult[]> {
  if (mapping.length === 0) return [];
  const froms = mapping.map((m) => m.from);
  const vanished = new Set(froms);
  const ids = await em.execute<{ id: string }[]>(em.getKnex()('account').select('id').where((q) => void q.whereIn('plan', froms).orWhereIn('pending_plan', froms)).orderBy('id'));
  const books = await loadBooks(em, kind, ids.map((r) => r.id));
  const results = new Map(mapping.map((m) => [m.from, { from: m.from, to: m.to, accounts: [] as string[], pendingCleared: [] as string[] }]));
  const plan = new Plan();
  const ctx = { compiled: mc.target, now: mc.now, caller: mc.caller, newId };
  const short = mc.target.version.slice(0, 12);
  for (const book of books.values()) {
    const move = mapping.find((m) => m.from === book.account.plan);
    const pending = book.account.pendingPlan;
    const said = [move ? `plan \`${move.from}\` → \`${move.to}\`: version ${short} has no \`${move.from}\` plan` : null, pending && (vanished.has(pending) || pending === (move?.to ?? book.account.plan)) ? `pending change to \`${pending}\` cancelled` : null].filter(Boolean);
    const { cancelled } = planPlanMove(plan, book, ctx, move?.to ?? book.account.plan, vanished, `${said.join('; ')} (${mc.how})`, { how: mc.how });
    if (move) results.get(move.from)!.accounts.push(book.account.id);
    if (cancelled && vanished.has(cancelled)) results.get(cancelled)!.pendingCleared.push(book.account.id);
  }
  await applyPlan(em, plan);
  return [...results.values()];
}
