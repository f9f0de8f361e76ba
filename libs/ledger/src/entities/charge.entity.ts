import { BigIntType, DateTimeType, Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Account } from './account.entity';

/** A completed charge: what was charged, for what, priced by which rule-set version. Immutable. */
@Entity({ tableName: 'charge' })
@Index({ properties: ['accountId', 'createdAt'] })
export class Charge {
  @PrimaryKey({ type: 'string', length: 40 })
  id!: string;

  // No index of its own: the table's composite index starts with account_id (one index less to write per row).
  @ManyToOne({ entity: () => Account, mapToPk: true, fieldName: 'account_id', deleteRule: 'restrict', updateRule: 'restrict', index: false })
  accountId!: string;

  @Property({ type: 'string', length: 128 })
  action!: string;

  @Property({ type: 'json' })
  params!: Record<string, unknown>;

  @Property({ type: new BigIntType('number') })
  costMc!: number;

  @Property({ type: 'string', length: 64 })
  rulesetVersion!: string;

  /** The debit entry; absent for a charge of 0 (a free action), which moves no credits. */
  @Property({ type: new BigIntType('number'), nullable: true })
  entryId?: number | null;

  /** Set when the charge is a hold's capture. */
  @Property({ type: 'string', length: 40, nullable: true })
  holdId?: string | null;

  @Property({ type: 'string', length: 255, nullable: true })
  idempotencyKey?: string | null;

  /** The billing cycle the charge counted in (absent on charges made before ledger v2). */
  @Property({ type: DateTimeType, nullable: true })
  cycleStart?: Date | null;

  /** The account's spendable balance right after the charge (absent on charges made before ledger v2). */
  @Property({ type: new BigIntType('number'), nullable: true })
  balanceAfterMc?: number | null;

  @Property({ type: DateTimeType })
  createdAt!: Date;
}
