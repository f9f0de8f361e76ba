import { randomBytes } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/knex';
import type { AnyRatecardEvent, EventType } from '@ratecard/client';
import type { Database } from '../database';
import type { DeliveryStatus } from '../entities';
import { LedgerError } from '../errors';
import type { Caller } from '../operation';
import type { Page } from '../reads';
import { subscribed } from '../store/outbox';
import { fromJson, toDate, toDateOrNull } from '../store/rows';
import { fork, transaction } from '../store/transactions';
import { webhookNotFound, type WebhookTarget } from './webhooks';

/** A delivery as listed. */
export interface DeliveryView {
  readonly id: number;
  readonly webhookId: string;
  readonly eventId: string;
  readonly eventType: EventType;
  readonly accountId: string | null;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  /** When it is tried next (pending deliveries only). */
  readonly nextAttemptAt: string | null;
  readonly lastAttemptAt: string | null;
  /** The HTTP status of the last attempt; null when it got no answer. */
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
  /** `event`: made with the event; `replay`: made by a replay. */
  readonly origin: 'event' | 'replay';
  readonly createdAt: string;
}

/** An event as stored, with its deliveries when asked for one. */
export type EventView = AnyRatecardEvent & { readonly deliveries?: readonly DeliveryView[] };

/** A delivery claimed for sending: the exact body, the webhook's URL and secret, and the claim's token. */
export interface ClaimedDelivery {
  readonly id: number;
  readonly token: string;
  /** Attempts made before this one. */
  readonly attempts: number;
  readonly createdAt: Date;
  readonly eventId: string;
  readonly eventType: EventType;
  readonly body: string;
  readonly webhook: WebhookTarget;
}

/** Filters for the deliveries list. */
export interface DeliveryFilter {
  readonly webhookId?: string;
  readonly eventId?: string;
  readonly accountId?: string;
  readonly status?: DeliveryStatus;
  readonly cursor?: number;
  readonly limit: number;
}

function eventNotFound(id: string): LedgerError {
  return new LedgerError('EVENT_NOT_FOUND', `event \`${id}\` does not exist`, { eventId: id });
}

function deliveryView(r: Record<string, unknown>): DeliveryView {
  const status = String(r.status) as DeliveryStatus;
  return {
    id: Number(r.id),
    webhookId: String(r.webhook_id),
    eventId: String(r.event_id),
    eventType: String(r.event_type) as EventType,
    accountId: r.stream ? String(r.stream) : null,
    status,
    attempts: Number(r.attempts),
    nextAttemptAt: status === 'pending' ? toDate(r.next_attempt_at).toISOString() : null,
    lastAttemptAt: toDateOrNull(r.last_attempt_at)?.toISOString() ?? null,
    lastStatus: r.last_status === null || r.last_status === undefined ? null : Number(r.last_status),
    lastError: (r.last_error as string | null) ?? null,
    deliveredAt: toDateOrNull(r.delivered_at)?.toISOString() ?? null,
    origin: String(r.origin) as DeliveryView['origin'],
    createdAt: toDate(r.created_at).toISOString(),
  };
}

const DELIVERY_COLUMNS = ['d.*', 'o.type as event_type'] as const;

/**
 * The outbox's side of webhooks: listing events and deliveries, replaying an event, and what the
 * dispatcher does with deliveries: claim the due ones under a lease, then record each outcome.
 *
 * Order: a delivery is due only when no earlier delivery of its webhook and stream (an account, or
 * the rules) is pending, so an account's later events wait for its earlier ones. Several
 * processes: on PostgreSQL a claim locks the rows it takes (`FOR UPDATE SKIP LOCKED`) and leases
 * them, so no two processes send a delivery at once; a process that dies mid-send leaves a lease
 * that runs out, and the delivery is sent again (at least once).
 */
export class Outbox {
  constructor(private readonly db: Database) {}

  /** Claims up to `limit` due deliveries for `leaseMs`: no other process takes them until the lease ends or an outcome is recorded. */
  async claim(now: Date, options: { limit: number; leaseMs: number }): Promise<ClaimedDelivery[]> {
    // Most passes find nothing due: a plain read first, so they take no lock (SQLite's single writer).
    const peek = fork(this.db);
    const due = await peek.execute<unknown[]>(peek.getKnex()('webhook_delivery').select('id').where('status', 'pending').where('next_attempt_at', '<=', peek.getPlatform().processDateProperty(now)).limit(1));
    if (due.length === 0) return [];
    const token = randomBytes(12).toString('base64url');
    return transaction(this.db, async (em) => {
      const knex = em.getKnex();
      const date = (d: Date) => em.getPlatform().processDateProperty(d);
      let query = knex('webhook_delivery as d')
        .join('webhook as w', 'w.id', 'd.webhook_id')
        .select('d.id')
        .where('d.status', 'pending')
        .where('d.next_attempt_at', '<=', date(now))
        .where((q) => void q.whereNull('d.lease_until').orWhere('d.lease_until', '<=', date(now)))
        .whereNull('w.deleted_at')
        .whereNotExists(
          knex('webhook_delivery as p')
            .select(knex.raw('1'))
            .whereRaw('p.webhook_id = d.webhook_id')
            .whereRaw('p.stream = d.stream')
            .where('p.status', 'pending')
            .whereRaw('(p.seq < d.seq or (p.seq = d.seq and p.id < d.id))'),
        )
        .orderBy([{ column: 'd.seq' }, { column: 'd.id' }])
        .limit(options.limit);
      if (this.db.kind === 'postgresql') query = query.forUpdate('d').skipLocked();
      const ids = (await em.execute<{ id: number | string }[]>(query)).map((r) => Number(r.id));
      if (ids.length === 0) return [];
      await em.execute(knex('webhook_delivery').update({ lease_until: date(new Date(now.getTime() + options.leaseMs)), lease_token: token }).whereIn('id', ids));
      const rows = await em.execute<Record<string, unknown>[]>(
        knex('webhook_delivery as d')
          .join('webhook as w', 'w.id', 'd.webhook_id')
          .join('outbox as o', 'o.id', 'd.event_id')
          .select('d.id', 'd.attempts', 'd.created_at', 'd.event_id', 'o.type', 'o.body', 'w.url', 'w.secret', 'w.id as webhook_id')
          .whereIn('d.id', ids)
          .orderBy([{ column: 'd.seq' }, { column: 'd.id' }]),
      );
      return rows.map((r) => ({
        id: Number(r.id),
        token,
        attempts: Number(r.attempts),
        createdAt: toDate(r.created_at),
        eventId: String(r.event_id),
        eventType: String(r.type) as EventType,
        body: String(r.body),
        webhook: { id: String(r.webhook_id), url: String(r.url), secret: String(r.secret) },
      }));
    });
  }

  /** Records a 2xx answer. False when the claim's lease was lost (another process took the delivery over). */
  succeeded(claim: ClaimedDelivery, now: Date, status: number): Promise<boolean> {
    return this.record(claim, now, { status: 'delivered', last_status: status, last_error: null, delivered_at: now });
  }

  /** Records a failed attempt: tried again at `retryAt`, or given up (`failed`) when it is null. */
  failed(claim: ClaimedDelivery, now: Date, outcome: { status: number | null; error: string; retryAt: Date | null }): Promise<boolean> {
    return this.record(claim, now, {
      status: outcome.retryAt ? 'pending' : 'failed',
      last_status: outcome.status,
      last_error: outcome.error.slice(0, 1000),
      ...(outcome.retryAt ? { next_attempt_at: outcome.retryAt } : {}),
    });
  }

  private async record(claim: ClaimedDelivery, now: Date, change: Record<string, unknown>): Promise<boolean> {
    return transaction(this.db, async (em) => {
      const knex = em.getKnex();
      const date = (v: unknown): unknown => (v instanceof Date ? em.getPlatform().processDateProperty(v) : v);
      const values = Object.fromEntries(Object.entries({ ...change, last_attempt_at: now, lease_until: null, lease_token: null }).map(([k, v]) => [k, date(v)]));
      const res = await em.execute(knex('webhook_delivery').update({ ...values, attempts: knex.raw('attempts + 1') }).where('id', claim.id).where('lease_token', claim.token).where('status', 'pending'), [], 'run');
      return Number((res as { affectedRows?: number }).affectedRows ?? 0) > 0;
    });
  }

  /** Deliveries, newest first. */
  async deliveries(filter: DeliveryFilter): Promise<Page<DeliveryView>> {
    const em = fork(this.db);
    let q = em.getKnex()('webhook_delivery as d').join('outbox as o', 'o.id', 'd.event_id').select(...DELIVERY_COLUMNS).orderBy('d.id', 'desc').limit(filter.limit + 1);
    if (filter.webhookId) q = q.where('d.webhook_id', filter.webhookId);
    if (filter.eventId) q = q.where('d.event_id', filter.eventId);
    if (filter.accountId) q = q.where('d.stream', filter.accountId);
    if (filter.status) q = q.where('d.status', filter.status);
    if (filter.cursor !== undefined) q = q.where('d.id', '<', filter.cursor);
    const rows = await em.execute<Record<string, unknown>[]>(q);
    const items = rows.slice(0, filter.limit).map(deliveryView);
    return { items, next: rows.length > filter.limit ? items[items.length - 1].id : null };
  }

  /** Events, newest first; the cursor is the `seq` of the last one shown. */
  async events(filter: { accountId?: string; type?: string; cursor?: number; limit: number }): Promise<Page<EventView>> {
    const em = fork(this.db);
    let q = em.getKnex()('outbox').select('seq', 'body').orderBy('seq', 'desc').limit(filter.limit + 1);
    if (filter.accountId) q = q.where('account_id', filter.accountId);
    if (filter.type) q = q.where('type', filter.type);
    if (filter.cursor !== undefined) q = q.where('seq', '<', filter.cursor);
    const rows = await em.execute<{ seq: unknown; body: string }[]>(q);
    const shown = rows.slice(0, filter.limit);
    return { items: shown.map((r) => JSON.parse(r.body) as EventView), next: rows.length > filter.limit ? Number(shown[shown.length - 1].seq) : null };
  }

  /** One event with its deliveries, oldest first. */
  async event(id: string): Promise<EventView> {
    const em = fork(this.db);
    const knex = em.getKnex();
    const rows = await em.execute<{ body: string }[]>(knex('outbox').select('body').where('id', id));
    if (!rows[0]) throw eventNotFound(id);
    const deliveries = await em.execute<Record<string, unknown>[]>(knex('webhook_delivery as d').join('outbox as o', 'o.id', 'd.event_id').select(...DELIVERY_COLUMNS).where('d.event_id', id).orderBy('d.id'));
    return { ...(JSON.parse(rows[0].body) as AnyRatecardEvent), deliveries: deliveries.map(deliveryView) };
  }

  /**
   * Sends an event again, with the same id and body: a new pending delivery to one webhook, or to
   * every webhook subscribed to its type. It takes its place in the stream's order by the event's
   * position, so it goes before the account's later events still pending.
   */
  async replay(eventId: string, options: { webhookId?: string }, now: Date, caller: Caller): Promise<DeliveryView[]> {
    return transaction(this.db, async (em: SqlEntityManager) => {
      const knex = em.getKnex();
      const date = (d: Date) => em.getPlatform().processDateProperty(d);
      const events = await em.execute<{ seq: unknown; id: string; type: string; account_id: string | null }[]>(knex('outbox').select('seq', 'id', 'type', 'account_id').where('id', eventId));
      const event = events[0];
      if (!event) throw eventNotFound(eventId);
      let hooks = knex('webhook').select('id', 'events').whereNull('deleted_at');
      if (options.webhookId) hooks = hooks.where('id', options.webhookId);
      const targets = (await em.execute<{ id: string; events: unknown }[]>(hooks)).filter((h) => options.webhookId || subscribed(fromJson<string[]>(h.events), event.type));
      if (options.webhookId && targets.length === 0) throw webhookNotFound(options.webhookId);
      const ids: number[] = [];
      for (const h of targets) {
        const [row] = await em.execute<{ id: number | string }[]>(
          knex('webhook_delivery')
            .insert({ webhook_id: h.id, event_id: event.id, seq: Number(event.seq), stream: event.account_id ?? '', status: 'pending', attempts: 0, next_attempt_at: date(now), origin: 'replay', created_at: date(now) })
            .returning(['id']),
        );
        ids.push(Number(row.id));
      }
      await em.execute(knex('audit_event').insert({ actor: caller.actor, event: 'event.replay', target: eventId, details: JSON.stringify({ webhooks: targets.map((t) => t.id) }), created_at: date(now) }));
      if (ids.length === 0) return [];
      const rows = await em.execute<Record<string, unknown>[]>(knex('webhook_delivery as d').join('outbox as o', 'o.id', 'd.event_id').select(...DELIVERY_COLUMNS).whereIn('d.id', ids).orderBy('d.id'));
      return rows.map(deliveryView);
    });
  }
}
