import type { SqlEntityManager } from '@mikro-orm/knex';
import { RulesetActivation } from './entities';

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
