import { DateTimeType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/** Who did what to accounts, plans, keys and rules. Append-only. */
@Entity({ tableName: 'audit_event' })
@Index({ properties: ['createdAt'] })
export class AuditEvent {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  /** The API key id, or `cli:<user>` for command-line actions. */
  @Property({ type: 'string', length: 255 })
  actor!: string;

  /** e.g. `ruleset.publish`, `ruleset.activate`, `key.create`, `account.create`, `account.plan`. */
  @Property({ type: 'string', length: 64 })
  event!: string;

  @Property({ type: 'string', length: 128 })
  target!: string;

  @Property({ type: 'json' })
  details!: Record<string, unknown>;

  @Property({ type: DateTimeType })
  createdAt!: Date;
}
