import { DateTimeType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * An endpoint that receives events: its URL (checked against server-side request forgery when it is
 * registered and again at every delivery), the event types it wants (`*` for all), and the secret
 * its deliveries are signed with (shown once, when it is registered). Deleting it stops new
 * deliveries; it stays, with its deliveries, for the record.
 */
@Entity({ tableName: 'webhook' })
export class Webhook {
  /** `wh_…` */
  @PrimaryKey({ type: 'string', length: 40 })
  id!: string;

  @Property({ type: 'text' })
  url!: string;

  /** Event types, or `['*']` for every type. */
  @Property({ type: 'json' })
  events!: string[];

  /** The HMAC-SHA256 key of the `Ratecard-Signature` header. */
  @Property({ type: 'string', length: 255 })
  secret!: string;

  @Property({ type: 'text', nullable: true })
  description?: string | null;

  /** Who registered it: the API key id, or `cli:<user>`. */
  @Property({ type: 'string', length: 255 })
  createdBy!: string;

  @Property({ type: DateTimeType })
  createdAt!: Date;

  @Property({ type: DateTimeType, nullable: true })
  deletedAt?: Date | null;
}
