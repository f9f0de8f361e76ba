import { DateTimeType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Append-only log of activations. The active version at a time is the activation with the latest
 * effective instant at or before it (see activation-timeline.ts): `effectiveAt` when it was
 * scheduled, else the moment it was written. A `cancel` row withdraws a pending scheduled one.
 */
@Entity({ tableName: 'ruleset_activation' })
export class RulesetActivation {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 64 })
  version!: string;

  @Property({ type: 'string', length: 255 })
  activatedBy!: string;

  /** `publish`, `activate`, `rollback`, or `cancel` (withdraws the scheduled activation `cancels`). */
  @Property({ type: 'string', length: 16 })
  reason!: string;

  @Property({ type: DateTimeType })
  createdAt!: Date;

  /** When a scheduled activation takes effect; null: when it was written. */
  @Property({ type: DateTimeType, nullable: true })
  effectiveAt?: Date | null;

  /** For a `cancel` row: the id of the scheduled activation it withdraws. */
  @Property({ type: 'integer', nullable: true })
  cancels?: number | null;
}
