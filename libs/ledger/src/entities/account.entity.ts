import { BigIntType, DateTimeType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A customer account: its plan, billing anchor, current cycle and cached balances. */
@Entity({ tableName: 'account' })
export class Account {
  @PrimaryKey({ type: 'string', length: 64 })
  id!: string;

  @Property({ type: 'string', length: 64 })
  plan!: string;

  /** A downgrade waiting for the next billing date. */
  @Property({ type: 'string', length: 64, nullable: true })
  pendingPlan?: string | null;

  /** Day of month (1-31) the cycle resets on. */
  @Property({ type: 'integer' })
  billingAnchor!: number;

  @Property({ type: DateTimeType })
  cycleStart!: Date;

  @Property({ type: DateTimeType })
  cycleEnd!: Date;

  /**
   * Spendable credits in millicredits.
   * INVARIANT: equals the sum of the account's ledger entries (checked by tests and `ledger verify`).
   */
  @Property({ type: new BigIntType('number') })
  balanceMc: number = 0;

  /** Credits reserved by active holds, in millicredits (already subtracted from `balanceMc`). */
  @Property({ type: new BigIntType('number') })
  heldMc: number = 0;

  @Property({ type: DateTimeType })
  createdAt!: Date;

  @Property({ type: DateTimeType })
  updatedAt!: Date;
}
