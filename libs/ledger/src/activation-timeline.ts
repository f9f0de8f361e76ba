import type { SqlEntityManager } from '@mikro-orm/knex';
import { RulesetActivation } from './entities';

/**
 * Which version is active when. The activation log is append-only; an activation takes effect at
 * its `effectiveAt` when it was scheduled, else when it was written. The version active at a time
 * is the one whose activation took effect last at or before it (the later row on a tie); a pending
 * scheduled activation withdrawn by a `cancel` row never takes effect. Every reader of "the active
 * version" goes through {@link activeAt}: one definition.
 */
export interface ActivationTimeline {
  /** Activations that take effect, in the order they do. */
  readonly effective: readonly RulesetActivation[];
  /** When the last row was written: a time without a caller's clock is never before it. */
  readonly writtenMs: number;
}

/** When an activation takes effect. */
export function effectiveTime(a: RulesetActivation): number {
  return (a.effectiveAt ?? a.createdAt).getTime();
}

/** The timeline of the log's rows (any order). */
export function timelineOf(rows: readonly RulesetActivation[]): ActivationTimeline {
  const cancelled = new Set(rows.filter((r) => r.reason === 'cancel' && r.cancels != null).map((r) => r.cancels!));
  const effective = rows.filter((r) => r.reason !== 'cancel' && !cancelled.has(r.id)).sort((a, b) => effectiveTime(a) - effectiveTime(b) || a.id - b.id);
  return { effective, writtenMs: Math.max(0, ...rows.map((r) => r.createdAt.getTime())) };
}

/**
 * The time to read the timeline at: the caller's clock, or, without one, the later of the system
 * clock and the last write (so a log written on a test's or another process's clock reads as it
 * was written, while a scheduled activation waits for its time).
 */
function at(t: ActivationTimeline, now: Date | undefined): number {
  return now?.getTime() ?? Math.max(Date.now(), t.writtenMs);
}

/** The activation's log, as a timeline. The log holds one row per switch: it stays small. */
export async function loadTimeline(em: SqlEntityManager): Promise<ActivationTimeline> {
  return timelineOf(await em.find(RulesetActivation, {}, { orderBy: { id: 'asc' } }));
}

/** The activation in effect at `now`, or null before the first one. */
export function activeAt(t: ActivationTimeline, now?: Date): RulesetActivation | null {
  const ms = at(t, now);
  let found: RulesetActivation | null = null;
  for (const a of t.effective) {
    if (effectiveTime(a) > ms) break;
    found = a;
  }
  return found;
}

/** Scheduled activations still to take effect after `now`, soonest first. */
export function pendingAt(t: ActivationTimeline, now?: Date): RulesetActivation[] {
  const ms = at(t, now);
  return t.effective.filter((a) => effectiveTime(a) > ms);
}

/** The version active before the one active at `now` (the last one in effect of another version). */
export function previousAt(t: ActivationTimeline, now?: Date): string | undefined {
  const current = activeAt(t, now);
  if (!current) return undefined;
  const ms = at(t, now);
  let before: string | undefined;
  for (const a of t.effective) {
    if (effectiveTime(a) > ms) break;
    if (a.version !== current.version) before = a.version;
  }
  return before;
}
