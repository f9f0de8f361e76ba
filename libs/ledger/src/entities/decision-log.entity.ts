import { BigIntType, DateTimeType, Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Account } from './account.entity';

export type DecisionKind = 'quote' | 'charge' | 'hold' | 'capture';

/** Every decision a service asked for: request, result and the rule-set version that priced it. */
@Entity({ tableName: 'decision_log' })
@Index({ properties: ['accountId', 'id'] })
@Index({ properties: ['createdAt'] })
export class DecisionLog {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 16 })
  kind!: DecisionKind;

  // No index of its own: the table's composite index starts with account_id (one index less to write per row).
  @ManyToOne({ entity: () => Account, mapToPk: true, fieldName: 'account_id', deleteRule: 'restrict', updateRule: 'restrict', index: false })
  accountId!: string;

  @Property({ type: 'string', length: 64 })
  plan!: string;

  @Property({ type: 'string', length: 128 })
  action!: string;

  @Property({ type: 'json' })
  params!: Record<string, unknown>;

  @Property({ type: 'boolean' })
  confirm!: boolean;

  /** The spendable balance the decision saw, so it can be replayed under other rules. */
  @Property({ type: new BigIntType('number') })
  balanceMc!: number;

  /** The usage counts the decision saw (the action's, when it has a quota). */
  @Property({ type: 'json' })
  usage!: Record<string, number>;

  @Property({ type: 'boolean' })
  allowed!: boolean;

  @Property({ type: new BigIntType('number') })
  costMc!: number;

  /** Reason codes, comma-separated (empty when allowed). */
  @Property({ type: 'string', length: 255 })
  reasons!: string;

  @Property({ type: 'json' })
  decision!: unknown;

  @Property({ type: 'string', length: 64 })
  rulesetVersion!: string;

  @Property({ type: 'string', length: 40, nullable: true })
  chargeId?: string | null;

  @Property({ type: 'string', length: 40, nullable: true })
  apiKeyId?: string | null;

  @Property({ type: DateTimeType })
  createdAt!: Date;
}
