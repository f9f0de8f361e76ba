import { BigIntType, DateTimeType, Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Account } from './account.entity';

export type HoldStatus = 'active' | 'captured' | 'released' | 'expired';

/** Credits reserved for a long job; captured, released, or expired. */
@Entity({ tableName: 'hold' })
@Index({ properties: ['accountId', 'status', 'expiresAt'] })
export class Hold {
  @PrimaryKey({ type: 'string', length: 40 })
  id!: string;

  // No index of its own: the table's composite index starts with account_id (one index less to write per row).
  @ManyToOne({ entity: () => Account, mapToPk: true, fieldName: 'account_id', deleteRule: 'restrict', updateRule: 'restrict', index: false })
  accountId!: string;

  @Property({ type: 'string', length: 128 })
  action!: string;

  @Property({ type: 'json' })
  params!: Record<string, unknown>;

  @Property({ type: 'boolean' })
  confirm!: boolean;

  @Property({ type: new BigIntType('number') })
  amountMc!: number;

  @Property({ type: 'string', length: 64 })
  rulesetVersion!: string;

  /** The account's plan when the hold was made: a capture is priced for it (absent on holds made before ledger v2). */
  @Property({ type: 'string', length: 64, nullable: true })
  plan?: string | null;

  /** The cycle whose quota the hold counted against. */
  @Property({ type: DateTimeType })
  cycleStart!: Date;

  @Property({ type: 'string', length: 16 })
  status!: HoldStatus;

  @Property({ type: DateTimeType })
  expiresAt!: Date;

  @Property({ type: 'string', length: 40, nullable: true })
  chargeId?: string | null;

  @Property({ type: 'string', length: 255, nullable: true })
  idempotencyKey?: string | null;

  @Property({ type: DateTimeType })
  createdAt!: Date;

  @Property({ type: DateTimeType, nullable: true })
  closedAt?: Date | null;
}
