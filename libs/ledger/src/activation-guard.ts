import type { SqlEntityManager } from '@mikro-orm/knex';
import { LedgerError } from './errors';

/** Accounts on plan `from` move to plan `to` (a plan of the version being activated). */
export interface PlanMove {
  readonly from: string;
  readonly to: string;
}

/** What the guard needs to know of the version being activated. */
export interface GuardTarget {
  readonly version: string;
  /** Its plans, by id, with their names. */
  readonly plans: ReadonlyMap<string, string>;
  readonly actions: ReadonlySet<string>;
}

/** A plan live accounts are on (or are about to move to) that the target version lacks. */
export interface StrandedPlan {
  readonly plan: string;
  /** Accounts on the plan now. */
  readonly accounts: number;
  /** Accounts with a pending change (a downgrade at the next billing date) to the plan. */
  readonly pendingChanges: number;
  /** Up to ten of those accounts, by id. */
  readonly sample: readonly string[];
  /** The plan they are mapped to, when the activation maps this one. */
  readonly mappedTo: string | null;
}

/** An action in use that the target version lacks: requests for it would be denied. */
export interface VanishingAction {
  readonly action: string;
  /** Charges of the last {@link GUARD_WINDOW_DAYS} days, their credits, and how many accounts made them. */
  readonly charges: number;
  readonly chargedMillicredits: number;
  readonly accounts: number;
  /** Uses counted against quotas in billing cycles that started within the window. */
  readonly usage: number;
  /** Active holds priced by the action, and the credits they reserve. */
  readonly activeHolds: number;
  readonly heldMillicredits: number;
}

/** One reason an activation is refused, in words. */
export interface GuardProblem {
  readonly kind: 'stranded-plan' | 'vanishing-action' | 'vanishing-hold';
  readonly subject: string;
  readonly message: string;
}

/**
 * What switching the active version to `to` does to live accounts, computed before the switch:
 * accounts on plans the target lacks (without a mapping they would be denied everything and get
 * no allowance), actions in use that it lacks, and active holds priced by such actions.
 */
export interface ActivationReport {
  readonly from: string | null;
  readonly to: string;
  /** The window "in use" looks at: charges since `since`. */
  readonly since: string;
  readonly until: string;
  readonly plans: readonly StrandedPlan[];
  readonly actions: readonly VanishingAction[];
  /** Why the switch is refused; empty when it is safe (with the mapping given). */
  readonly problems: readonly GuardProblem[];
  readonly safe: boolean;
}

/** How far back an action counts as in use. */
export const GUARD_WINDOW_DAYS = 30;

/**
 * Checks a plan mapping against the target version: each source plan at most once and not a plan
 * of the target, each destination a plan of the target. Throws `INVALID_PLAN_MAPPING`.
 */
export function checkPlanMapping(mapping: readonly PlanMove[], target: GuardTarget): void {
  const seen = new Set<string>();
  const plans = [...target.plans.keys()].map((p) => `\`${p}\``).join(', ');
  for (const m of mapping) {
    if (seen.has(m.from)) throw new LedgerError('INVALID_PLAN_MAPPING', `plan \`${m.from}\` is mapped twice`, { plan: m.from });
    seen.add(m.from);
    if (target.plans.has(m.from)) {
      throw new LedgerError('INVALID_PLAN_MAPPING', `\`${m.from}\` is a plan of version ${target.version.slice(0, 12)}: only plans it lacks can be mapped`, { plan: m.from });
    }
    if (!target.plans.has(m.to)) {
      throw new LedgerError('INVALID_PLAN_MAPPING', `\`${m.to}\` is not a plan of version ${target.version.slice(0, 12)}; its plans are ${plans}`, { plan: m.to });
    }
  }
}

/**
 * The report of switching to `target`, read in the caller's transaction (read-only). `mapping` is
 * the plan mapping the switch would apply; a stranded plan it maps is no longer a problem.
 */
export async function activationReport(em: SqlEntityManager, target: GuardTarget, from: string | null, mapping: readonly PlanMove[], now: Date): Promise<ActivationReport> {
  const knex = em.getKnex();
  const plans = [...target.plans.keys()];
  const actions = [...target.actions];
  const since = new Date(now.getTime() - GUARD_WINDOW_DAYS * 86_400_000);
  const num = (v: unknown): number => Number(v ?? 0);
  const sinceValue = em.getPlatform().processDateProperty(since);

  // Accounts on, or about to move to, a plan the target lacks: one grouped read.
  const pairs = await em.execute<{ plan: string; pending_plan: string | null; n: unknown }[]>(
    knex('account')
      .select('plan', 'pending_plan')
      .count({ n: '*' })
      .where((q) => void q.whereNotIn('plan', plans).orWhere((p) => void p.whereNotNull('pending_plan').whereNotIn('pending_plan', plans)))
      .groupBy('plan', 'pending_plan'),
  );
  const stranded = new Map<string, { accounts: number; pendingChanges: number }>();
  const tally = (plan: string) => stranded.get(plan) ?? (stranded.set(plan, { accounts: 0, pendingChanges: 0 }), stranded.get(plan)!);
  for (const r of pairs) {
    if (!target.plans.has(r.plan)) tally(r.plan).accounts += num(r.n);
    if (r.pending_plan !== null && !target.plans.has(r.pending_plan)) tally(r.pending_plan).pendingChanges += num(r.n);
  }
  const strandedPlans: StrandedPlan[] = [];
  for (const [plan, counts] of [...stranded.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const sample = await em.execute<{ id: string }[]>(knex('account').select('id').where('plan', plan).orWhere('pending_plan', plan).orderBy('id').limit(10));
    strandedPlans.push({ plan, ...counts, sample: sample.map((r) => r.id), mappedTo: mapping.find((m) => m.from === plan)?.to ?? null });
  }

  // Actions the target lacks that are in use: charges in the window, uses counted in cycles that
  // started in it, active holds. One read, a row per source and action.
  const charged = knex('charge')
    .select(knex.raw('? as source', ['charge']), 'action')
    .count({ n: '*' })
    .sum({ mc: 'cost_mc' })
    .countDistinct({ accounts: 'account_id' })
    .where('created_at', '>=', sinceValue)
    .whereNotIn('action', actions)
    .groupBy('action');
  const used = knex('usage_counter')
    .select(knex.raw('? as source', ['usage']), 'action')
    .sum({ n: 'count' })
    .select(knex.raw('0 as mc'), knex.raw('0 as accounts'))
    .where('cycle_start', '>=', sinceValue)
    .where('count', '>', 0)
    .whereNotIn('action', actions)
    .groupBy('action');
  const held = knex('hold').select(knex.raw('? as source', ['hold']), 'action').count({ n: '*' }).sum({ mc: 'amount_mc' }).select(knex.raw('0 as accounts')).where('status', 'active').whereNotIn('action', actions).groupBy('action');
  const inUse = await em.execute<{ source: string; action: string; n: unknown; mc: unknown; accounts: unknown }[]>(
    knex
      .select('*')
      .from(charged.as('c'))
      .unionAll(knex.select('*').from(used.as('u')))
      .unionAll(knex.select('*').from(held.as('h'))),
  );
  const byAction = new Map<string, { charges: number; chargedMillicredits: number; accounts: number; usage: number; activeHolds: number; heldMillicredits: number }>();
  for (const r of inUse) {
    let e = byAction.get(r.action);
    if (!e) byAction.set(r.action, (e = { charges: 0, chargedMillicredits: 0, accounts: 0, usage: 0, activeHolds: 0, heldMillicredits: 0 }));
    if (r.source === 'charge') Object.assign(e, { charges: num(r.n), chargedMillicredits: num(r.mc), accounts: num(r.accounts) });
    else if (r.source === 'usage') e.usage = num(r.n);
    else Object.assign(e, { activeHolds: num(r.n), heldMillicredits: num(r.mc) });
  }
  const vanishing: VanishingAction[] = [...byAction.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([action, e]) => ({ action, ...e }));

  const short = target.version.slice(0, 12);
  const problems: GuardProblem[] = [];
  for (const p of strandedPlans) {
    if (p.mappedTo) continue;
    const who = [p.accounts ? `${count(p.accounts, 'account')} on it` : '', p.pendingChanges ? `${count(p.pendingChanges, 'pending plan change')} to it` : ''].filter(Boolean).join(' and ');
    problems.push({ kind: 'stranded-plan', subject: p.plan, message: `plan \`${p.plan}\` is not in ${short}: ${who} would be denied everything, with no allowance` });
  }
  for (const a of vanishing) {
    if (a.charges || a.usage) {
      const what = [a.charges ? `${count(a.charges, 'charge')} from ${count(a.accounts, 'account')} in the last ${GUARD_WINDOW_DAYS} days` : '', a.usage ? `${count(a.usage, 'use')} this billing cycle` : ''].filter(Boolean).join(', ');
      problems.push({ kind: 'vanishing-action', subject: a.action, message: `action \`${a.action}\` is not in ${short} but is in use: ${what}` });
    }
    if (a.activeHolds) {
      problems.push({ kind: 'vanishing-hold', subject: a.action, message: `${count(a.activeHolds, 'active hold')} (${credits(a.heldMillicredits)} cr reserved) ${a.activeHolds === 1 ? 'is' : 'are'} priced by \`${a.action}\`, which ${short} lacks` });
    }
  }
  return { from, to: target.version, since: since.toISOString(), until: now.toISOString(), plans: strandedPlans, actions: vanishing, problems, safe: problems.length === 0 };
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

function credits(mc: number): string {
  return (mc / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 });
}
