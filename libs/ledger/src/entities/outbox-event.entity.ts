import { DateTimeType, Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import type { EventType } from '@ratecard/client';

/**
 * An event, written in the transaction of the change that caused it (the transactional outbox): a
 * crash never loses one, and a rolled-back change never sends one. Append-only. `seq` orders the
 * events (an account's events were written under its lock, so their order is the order of its
 * changes); `id` is the stable id receivers deduplicate on. The dispatcher delivers each event to
 * the webhooks subscribed to its type (see {@link WebhookDelivery}).
 */
@Entity({ tableName: 'outbox' })
@Index({ properties: ['accountId', 'seq'] })
@Index({ properties: ['createdAt'] })
export class OutboxEvent {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  seq!: number;

  /** `evt_…` */
  @Property({ type: 'string', length: 40 })
  @Unique()
  id!: string;

  @Property({ type: 'string', length: 40 })
  type!: EventType;

  /** The account it is about; null for events about the rules (`ruleset.activated`). */
  @Property({ type: 'string', length: 64, nullable: true })
  accountId?: string | null;

  /** The event as delivered, `{ id, type, createdAt, accountId, data }` in JSON: the exact bytes every attempt signs and sends. */
  @Property({ type: 'text' })
  body!: string;

  /** Set for notices sent once (`grant.expiring:<grant>`): a second one with the key is not written. */
  @Property({ type: 'string', length: 160, nullable: true })
  @Unique()
  dedupeKey?: string | null;

  @Property({ type: DateTimeType })
  createdAt!: Date;
}
