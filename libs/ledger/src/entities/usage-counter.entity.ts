import { DateTimeType, Entity, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Account } from './account.entity';

/** How many times an action was charged (or is held) for an account in one billing cycle. */
@Entity({ tableName: 'usage_counter' })
@Unique({ properties: ['accountId', 'action', 'cycleStart'] })
export class UsageCounter {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  // No index of its own: the table's composite index starts with account_id (one index less to write per row).
  @ManyToOne({ entity: () => Account, mapToPk: true, fieldName: 'account_id', deleteRule: 'restrict', updateRule: 'restrict', index: false })
  accountId!: string;

  @Property({ type: 'string', length: 128 })
  action!: string;

  @Property({ type: DateTimeType })
  cycleStart!: Date;

  @Property({ type: 'integer' })
  count!: number;
}
