import type { SqlEntityManager } from '@mikro-orm/knex';
import type { RatecardEvent } from '@ratecard/client';
import type { PlannedEvent } from '../planner/events';
import { fromJson } from './rows';

/** Rows per multi-row statement: within SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 200;

/** The event as receivers get it: the JSON body of every delivery, written once. */
export function eventBody(e: PlannedEvent): string {
  const event: RatecardEvent = { id: e.id, type: e.type, createdAt: e.createdAt.toISOString(), accountId: e.accountId, data: e.data };
  return JSON.stringify(event);
}

/** True when a webhook subscribed to `events` wants an event of `type`. */
export function subscribed(events: readonly string[], type: string): boolean {
  return events.includes('*') || events.includes(type);
}

/**
 * Writes events to the outbox in the caller's transaction, with a pending delivery for every
 * webhook subscribed to each (registered and not deleted when the transaction runs). An event with
 * a `once` key that was written before is dropped, with its deliveries. Returns the events written.
 */
export async function writeEvents(em: SqlEntityManager, events: readonly PlannedEvent[]): Promise<PlannedEvent[]> {
  if (events.length === 0) return [];
  const knex = em.getKnex();
  const date = (d: Date): unknown => em.getPlatform().processDateProperty(d);
  const byId = new Map(events.map((e) => [e.id, e]));
  const written: { seq: number; event: PlannedEvent }[] = [];
  for (let i = 0; i < events.length; i += CHUNK) {
    const rows = await em.execute<{ seq: number | string; id: string }[]>(
      knex('outbox')
        .insert(
          events.slice(i, i + CHUNK).map((e) => ({ id: e.id, type: e.type, account_id: e.accountId, body: eventBody(e), dedupe_key: e.once ?? null, created_at: date(e.createdAt) })),
        )
        .onConflict('dedupe_key')
        .ignore()
        .returning(['seq', 'id']),
    );
    for (const r of rows) written.push({ seq: Number(r.seq), event: byId.get(r.id)! });
  }
  if (written.length === 0) return [];
  const hooks = await em.execute<{ id: string; events: unknown }[]>(knex('webhook').select('id', 'events').whereNull('deleted_at'));
  const deliveries = written.flatMap(({ seq, event }) =>
    hooks
      .filter((h) => subscribed(fromJson<string[]>(h.events), event.type))
      .map((h) => ({
        webhook_id: h.id,
        event_id: event.id,
        seq,
        stream: event.accountId ?? '',
        status: 'pending',
        attempts: 0,
        next_attempt_at: date(event.createdAt),
        origin: 'event',
        created_at: date(event.createdAt),
      })),
  );
  for (let i = 0; i < deliveries.length; i += CHUNK) await em.execute(knex('webhook_delivery').insert(deliveries.slice(i, i + CHUNK)));
  return written.map((w) => w.event);
}
