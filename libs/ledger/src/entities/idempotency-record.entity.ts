import { DateTimeType, Entity, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/**
 * The first successful response to a request with an `Idempotency-Key`, replayed for retries with
 * the same body. Unique per scope (the operation) and key, so concurrent retries cannot both commit.
 */
@Entity({ tableName: 'idempotency_record' })
@Unique({ properties: ['scope', 'key'] })
export class IdempotencyRecord {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 32 })
  scope!: string;

  @Property({ type: 'string', length: 255 })
  key!: string;

  /** SHA-256 of the canonical request body. */
  @Property({ type: 'string', length: 64 })
  requestHash!: string;

  @Property({ type: 'integer' })
  status!: number;

  @Property({ type: 'json' })
  response!: unknown;

  @Property({ type: DateTimeType })
  createdAt!: Date;
}
