import { randomBytes } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { EVENT_TYPES, isEventType } from '@ratecard/client';
import type { Database } from '../database';
import { LedgerError } from '../errors';
import { newId } from '../ids';
import type { Caller } from '../operation';
import { fork, transaction } from '../store/transactions';
import { fromJson, toDate, toDateOrNull } from '../store/rows';
import { checkWebhookUrl, type UrlGuardOptions } from './url-guard';

/** The shortest signing secret accepted. */
export const MIN_SECRET = 16;

/** A webhook as listed: never its secret. */
export interface WebhookView {
  readonly id: string;
  readonly url: string;
  /** Event types, or `['*']` for all. */
  readonly events: readonly string[];
  readonly description: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  /** Set once deleted: it gets no new deliveries. */
  readonly deletedAt: string | null;
}

/** A webhook just registered: the only time its secret is shown. */
export interface CreatedWebhook extends WebhookView {
  readonly secret: string;
}

/** What registering a webhook takes. */
export interface WebhookInput {
  readonly url: string;
  /** Event types (see `EVENT_TYPES`), or `*` for all. */
  readonly events: readonly string[];
  /** The signing secret; one is generated (`whsec_…`) when absent. */
  readonly secret?: string;
  readonly description?: string;
}

/** A webhook with what the dispatcher needs to sign for it. */
export interface WebhookTarget {
  readonly id: string;
  readonly url: string;
  readonly secret: string;
}

export function webhookNotFound(id: string): LedgerError {
  return new LedgerError('WEBHOOK_NOT_FOUND', `webhook \`${id}\` does not exist`, { webhookId: id });
}

export function webhookView(r: Record<string, unknown>): WebhookView {
  return {
    id: String(r.id),
    url: String(r.url),
    events: fromJson<string[]>(r.events),
    description: (r.description as string | null) ?? null,
    createdBy: String(r.created_by),
    createdAt: toDate(r.created_at).toISOString(),
    deletedAt: toDateOrNull(r.deleted_at)?.toISOString() ?? null,
  };
}

/**
 * Webhook endpoints: registered by an admin with the event types they want, checked against
 * server-side request forgery (see `checkWebhookUrl`), deleted softly (their deliveries stay).
 */
export class Webhooks {
  constructor(
    private readonly db: Database,
    private readonly guard: UrlGuardOptions,
  ) {}

  /** Registers an endpoint. Unknown event types and refused URLs change nothing. */
  async create(input: WebhookInput, now: Date, caller: Caller): Promise<CreatedWebhook> {
    const events = [...new Set(input.events)];
    const unknown = events.filter((e) => e !== '*' && !isEventType(e));
    if (events.length === 0 || unknown.length > 0) {
      const what = unknown.length ? `${unknown.map((e) => `\`${e}\``).join(', ')} ${unknown.length > 1 ? 'are not event types' : 'is not an event type'}` : 'no event types given';
      throw new LedgerError('INVALID_WEBHOOK', `${what}; events are ${EVENT_TYPES.map((e) => `\`${e}\``).join(', ')} or \`*\``, { events: unknown });
    }
    if (input.secret !== undefined && (input.secret.length < MIN_SECRET || input.secret.length > 255)) {
      throw new LedgerError('INVALID_WEBHOOK', `a webhook secret must be ${MIN_SECRET} to 255 characters`);
    }
    const url = (await checkWebhookUrl(input.url, this.guard)).toString();
    const secret = input.secret ?? `whsec_${randomBytes(24).toString('base64url')}`;
    const id = newId('wh');
    const row = { id, url, events: JSON.stringify(events.includes('*') ? ['*'] : events), secret, description: input.description ?? null, created_by: caller.actor, created_at: now, deleted_at: null };
    await transaction(this.db, async (em) => {
      const date = (d: Date) => em.getPlatform().processDateProperty(d);
      await em.execute(em.getKnex()('webhook').insert({ ...row, created_at: date(now) }));
      await em.execute(em.getKnex()('audit_event').insert({ actor: caller.actor, event: 'webhook.create', target: id, details: JSON.stringify({ url, events: fromJson(row.events) }), created_at: date(now) }));
    });
    return { ...webhookView(row), secret };
  }

  /** Every webhook, oldest first; deleted ones too with `all`. */
  async list(options: { all?: boolean } = {}): Promise<WebhookView[]> {
    let q = fork(this.db).getKnex()('webhook').select('*').orderBy([{ column: 'created_at' }, { column: 'id' }]);
    if (!options.all) q = q.whereNull('deleted_at');
    return (await fork(this.db).execute<Record<string, unknown>[]>(q)).map(webhookView);
  }

  async get(id: string): Promise<WebhookView> {
    const em = fork(this.db);
    const rows = await em.execute<Record<string, unknown>[]>(em.getKnex()('webhook').select('*').where('id', id));
    if (!rows[0]) throw webhookNotFound(id);
    return webhookView(rows[0]);
  }

  /** Deletes a webhook: it gets no new deliveries, and those still pending are cancelled. Deleting it again changes nothing. */
  async delete(id: string, now: Date, caller: Caller): Promise<WebhookView> {
    return transaction(this.db, async (em: SqlEntityManager) => {
      const knex = em.getKnex();
      const date = (d: Date) => em.getPlatform().processDateProperty(d);
      const rows = await em.execute<Record<string, unknown>[]>(knex('webhook').select('*').where('id', id));
      if (!rows[0]) throw webhookNotFound(id);
      if (rows[0].deleted_at !== null && rows[0].deleted_at !== undefined) return webhookView(rows[0]);
      await em.execute(knex('webhook').update({ deleted_at: date(now) }).where('id', id));
      await em.execute(knex('webhook_delivery').update({ status: 'cancelled', lease_until: null, lease_token: null }).where('webhook_id', id).where('status', 'pending'));
      await em.execute(knex('audit_event').insert({ actor: caller.actor, event: 'webhook.delete', target: id, details: JSON.stringify({ url: rows[0].url }), created_at: date(now) }));
      return webhookView({ ...rows[0], deleted_at: now });
    });
  }
}
