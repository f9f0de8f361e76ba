import { DateTimeType, Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Webhook } from './webhook.entity';

/**
 * `pending`: to be sent (again) at `nextAttemptAt`; `delivered`: a 2xx came back; `failed`: no 2xx
 * within the retry window (24 h), given up; `cancelled`: its webhook was deleted first.
 */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

/**
 * One event for one webhook: made in the event's transaction for every webhook subscribed to it,
 * or by a replay. Delivered at least once, in order per webhook and stream (an account's events,
 * or the rules' events): a delivery waits while an earlier one of its stream is pending. A process
 * claims due deliveries with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so several processes
 * never send the same delivery at once.
 */
@Entity({ tableName: 'webhook_delivery' })
@Index({ properties: ['status', 'nextAttemptAt'] })
@Index({ properties: ['webhookId', 'stream', 'seq'] })
@Index({ properties: ['eventId'] })
export class WebhookDelivery {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne({ entity: () => Webhook, mapToPk: true, fieldName: 'webhook_id', deleteRule: 'restrict', updateRule: 'restrict' })
  webhookId!: string;

  /** The event's `id` (`evt_…`). */
  @Property({ type: 'string', length: 40 })
  eventId!: string;

  /** The event's `seq`: the order within the stream. */
  @Property({ type: 'integer' })
  seq!: number;

  /** What is delivered in order: the account id, or `` for events about the rules. */
  @Property({ type: 'string', length: 64 })
  stream!: string;

  @Property({ type: 'string', length: 16 })
  status!: DeliveryStatus;

  @Property({ type: 'integer' })
  attempts!: number;

  @Property({ type: DateTimeType })
  nextAttemptAt!: Date;

  /** While set and in the future, a process is sending it. */
  @Property({ type: DateTimeType, nullable: true })
  leaseUntil?: Date | null;

  /** The claim's token: only the process holding the lease records the outcome. */
  @Property({ type: 'string', length: 40, nullable: true })
  leaseToken?: string | null;

  @Property({ type: DateTimeType, nullable: true })
  lastAttemptAt?: Date | null;

  /** The HTTP status of the last attempt; null when it got no answer. */
  @Property({ type: 'integer', nullable: true })
  lastStatus?: number | null;

  /** Why the last attempt failed: `HTTP 500`, `timed out after 10000 ms`, `connect ECONNREFUSED`. */
  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Property({ type: DateTimeType, nullable: true })
  deliveredAt?: Date | null;

  /** `event` (made with the event), or `replay` (by whom is in the audit trail). */
  @Property({ type: 'string', length: 16 })
  origin!: 'event' | 'replay';

  @Property({ type: DateTimeType })
  createdAt!: Date;
}
