import type { SqlEntityManager } from '@mikro-orm/knex';
import { AuditEvent, RulesetActivation } from './entities';
import { LedgerError } from './errors';
import type { Caller } from './ledger';

/**
 * Which version is active when. The activation log is append-only. An activation written to take
 * effect at once is in effect from the moment it is written, whatever a reader's clock says; a
 * scheduled one from its `effectiveAt`. Activations in effect are ordered by when they took effect
 * (the time written, or the scheduled time; the later row on a tie), and the last one is the active
 * version. A pending scheduled activation withdrawn by a `cancel` row never takes effect. Every
 * reader of "the active version" goes through {@link activeAt}: one definition.
 */
export interface ActivationTimeline {
  /** Activations that take effect, in the order they do. */
  readonly effective: readonly RulesetActivation[];
}

/** When an activation takes effect. */
export function effectiveTime(a: RulesetActivation): number {
  return (a.effectiveAt ?? a.createdAt).getTime();
}

/** The timeline of the log's rows (any order). */
export function timelineOf(rows: readonly RulesetActivation[]): ActivationTimeline {
  const cancelled = new Set(rows.filter((r) => r.reason === 'cancel' && r.cancels != null).map((r) => r.cancels!));
  // Activations at once keep the order they were written in, even when the writers' clocks disagree:
  // each takes effect no earlier than the one written before it.
  const order = new Map<RulesetActivation, number>();
  let written = -Infinity;
  for (const r of [...rows].sort((a, b) => a.id - b.id)) {
    if (r.effectiveAt != null) order.set(r, r.effectiveAt.getTime());
    else order.set(r, (written = Math.max(written, r.createdAt.getTime())));
  }
  const effective = rows.filter((r) => r.reason !== 'cancel' && !cancelled.has(r.id)).sort((a, b) => order.get(a)! - order.get(b)! || a.id - b.id);
  return { effective };
}

/** Whether `a` is in effect at `ms`: at once when not scheduled, else from its scheduled time. */
function inEffect(a: RulesetActivation, ms: number): boolean {
  return a.effectiveAt == null || a.effectiveAt.getTime() <= ms;
}

/** The activation's log, as a timeline. The log holds one row per switch: it stays small. */
export async function loadTimeline(em: SqlEntityManager): Promise<ActivationTimeline> {
  return timelineOf(await em.find(RulesetActivation, {}, { orderBy: { id: 'asc' } }));
}

/** The activation in effect at `now`, or null before the first one. */
export function activeAt(t: ActivationTimeline, now?: Date): RulesetActivation | null {
  const ms = (now ?? new Date()).getTime();
  let found: RulesetActivation | null = null;
  for (const a of t.effective) if (inEffect(a, ms)) found = a;
  return found;
}

/** Scheduled activations still to take effect after `now`, soonest first. */
export function pendingAt(t: ActivationTimeline, now?: Date): RulesetActivation[] {
  const ms = (now ?? new Date()).getTime();
  return t.effective.filter((a) => !inEffect(a, ms));
}

/** The version active before the one active at `now` (the last one in effect of another version). */
export function previousAt(t: ActivationTimeline, now?: Date): string | undefined {
  const current = activeAt(t, now);
  if (!current) return undefined;
  const ms = (now ?? new Date()).getTime();
  let before: string | undefined;
  for (const a of t.effective) if (inEffect(a, ms) && a !== current && a.version !== current.version) before = a.version;
  return before;
}

/** An activation: which version became (or becomes) active, when, by whom and why. */
export interface ActivationView {
  /** The activation's id in the log (a pending one is cancelled by it). */
  readonly id: number;
  readonly version: string;
  readonly activatedBy: string;
  /** `publish`, `activate`, `rollback` or `cancel`. */
  readonly reason: string;
  /** When it was written. */
  readonly at: string;
  /** When it takes effect: `at`, or the scheduled time. */
  readonly effectiveAt: string;
  /** A scheduled activation whose time has not come; false once it took effect. */
  readonly pending: boolean;
  /** Scheduled and withdrawn before its time (by the `cancel` activation `cancelledBy`). */
  readonly cancelledBy: number | null;
  /** For a `cancel` row: the scheduled activation it withdrew. */
  readonly cancels: number | null;
}

/** An activation as shown, with the rows of the log it is read against (for its cancel). */
export function activationView(a: RulesetActivation, rows: readonly RulesetActivation[], now: Date | undefined): ActivationView {
  const cancelledBy = rows.find((r) => r.reason === 'cancel' && r.cancels === a.id)?.id ?? null;
  const pending = a.reason !== 'cancel' && cancelledBy === null && pendingAt(timelineOf(rows), now).some((p) => p.id === a.id);
  return { id: a.id, version: a.version, activatedBy: a.activatedBy, reason: a.reason, at: a.createdAt.toISOString(), effectiveAt: new Date(effectiveTime(a)).toISOString(), pending, cancelledBy, cancels: a.cancels ?? null };
}

/**
 * Withdraws a scheduled activation before its time, with a `cancel` row of its own (the log stays
 * append-only) and an audit event. One that took effect, was cancelled already or was never
 * scheduled is refused.
 */
export async function cancelScheduled(em: SqlEntityManager, id: number, caller: Caller, now: Date): Promise<ActivationView> {
  const rows = await em.find(RulesetActivation, {}, { orderBy: { id: 'asc' } });
  const target = rows.find((r) => r.id === id && r.reason !== 'cancel');
  if (!target) throw new LedgerError('ACTIVATION_NOT_FOUND', `no activation \`${id}\``, { id });
  const view = activationView(target, rows, now);
  if (!view.pending) {
    const why = view.cancelledBy !== null ? `was cancelled by activation ${view.cancelledBy}` : target.effectiveAt ? `took effect at ${view.effectiveAt}` : 'was not scheduled';
    throw new LedgerError('ACTIVATION_NOT_PENDING', `activation ${id} ${why}; only a scheduled activation can be cancelled before its time`, { id });
  }
  const row = { version: target.version, activatedBy: caller.actor, reason: 'cancel', createdAt: now, effectiveAt: null, cancels: id };
  const cancelId = Number(await em.insert(RulesetActivation, row));
  await em.insert(AuditEvent, { actor: caller.actor, event: 'ruleset.cancel', target: target.version, details: { activation: id, effectiveAt: view.effectiveAt }, createdAt: now });
  const inserted = Object.assign(new RulesetActivation(), row, { id: cancelId });
  return activationView(inserted, [...rows, inserted], now);
}
