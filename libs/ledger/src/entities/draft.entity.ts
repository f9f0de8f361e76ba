import { DateTimeType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A draft of a rule set that a PM edits before publishing. Immutable: its content lives in its revisions. */
@Entity({ tableName: 'draft' })
export class Draft {
  @PrimaryKey({ type: 'string', length: 40 })
  id!: string;

  @Property({ type: 'string', length: 200 })
  name!: string;

  /** The published version it was started from; null when it was started from files. */
  @Property({ type: 'string', length: 64, nullable: true })
  baseVersion?: string | null;

  /** The key name (or `cli:<user>`) that started it. */
  @Property({ type: 'string', length: 255 })
  createdBy!: string;

  @Property({ type: DateTimeType })
  createdAt!: Date;
}
