import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Which grant a ledger entry moved credits from or to, and how much (signed, like the entry: a
 * debit's allocations are negative, a refund's positive). Append-only, like the entries.
 * INVARIANT: an entry's allocations sum to its amount.
 */
@Entity({ tableName: 'entry_allocation' })
@Index({ properties: ['entryId'] })
@Index({ properties: ['grantId'] })
export class EntryAllocation {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  id!: number;

  @Property({ type: new BigIntType('number') })
  entryId!: number;

  @Property({ type: 'string', length: 96 })
  grantId!: string;

  @Property({ type: 'string', length: 64 })
  accountId!: string;

  @Property({ type: new BigIntType('number') })
  amountMc!: number;
}
