import { DateTimeType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** Append-only log of activations; the latest row is the active version. */
@Entity({ tableName: 'ruleset_activation' })
export class RulesetActivation {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 64 })
  version!: string;

  @Property({ type: 'string', length: 255 })
  activatedBy!: string;

  /** `publish`, `activate` or `rollback`. */
  @Property({ type: 'string', length: 16 })
  reason!: string;

  @Property({ type: DateTimeType })
  createdAt!: Date;
}
