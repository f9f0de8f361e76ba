import { BigIntType, DateTimeType, Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Account } from './account.entity';

/**
 * Where a grant's credits came from. `allowance`: a plan's allowance for a billing cycle (at the
 * cycle start, on creation or on an upgrade); `upgrade`: the allowance's unused credits carried
 * over on a mid-cycle upgrade; `rollover`: unused credits carried into the next cycle when the
 * rules say they roll over; `pack`: a credit pack the customer bought; `goodwill`: credits an
 * admin granted; `refund`: credits a refund returns when no grant of theirs is recorded (charges
 * made before grants existed).
 */
export type GrantSource = 'allowance' | 'upgrade' | 'rollover' | 'pack' | 'goodwill' | 'refund';

/** Every grant source, for validation and documentation. */
export const GRANT_SOURCES: readonly GrantSource[] = ['allowance', 'upgrade', 'rollover', 'pack', 'goodwill', 'refund'];

/**
 * Credits that entered an account, with their own expiry and draw priority. The account's balance
 * is the sum of its live grants' `remainingMc`. Every change of `remainingMc` is an allocation of a
 * ledger entry (see {@link EntryAllocation}), so
 * INVARIANT: `remainingMc` equals the sum of the grant's allocations, is never negative, and is 0
 * once the grant has expired (checked by `ratecard verify`).
 */
@Entity({ tableName: 'credit_grant' })
@Index({ properties: ['accountId', 'expiresAt'] })
export class CreditGrant {
  @PrimaryKey({ type: 'string', length: 96 })
  id!: string;

  // No index of its own: the table's composite index starts with account_id (one index less to write per row).
  @ManyToOne({ entity: () => Account, mapToPk: true, fieldName: 'account_id', deleteRule: 'restrict', updateRule: 'restrict', index: false })
  accountId!: string;

  @Property({ type: 'string', length: 16 })
  source!: GrantSource;

  /** Credits granted. */
  @Property({ type: new BigIntType('number') })
  amountMc!: number;

  /** Credits left: granted minus drawn (charges, holds) plus returned (refunds, releases) minus expired. */
  @Property({ type: new BigIntType('number') })
  remainingMc!: number;

  /** Lower is drawn first; then the soonest expiry, then the oldest. */
  @Property({ type: 'integer' })
  priority!: number;

  /** When what is left expires; null: never. */
  @Property({ type: DateTimeType, nullable: true })
  expiresAt?: Date | null;

  /** For allowances: the plan whose allowance it is. */
  @Property({ type: 'string', length: 64, nullable: true })
  plan?: string | null;

  /** For packs: the pack's id in the rules. */
  @Property({ type: 'string', length: 64, nullable: true })
  pack?: string | null;

  /** The rule-set version that set the amount (allowances and packs). */
  @Property({ type: 'string', length: 64, nullable: true })
  rulesetVersion?: string | null;

  /** The caller's reason, for the ledger. */
  @Property({ type: 'text' })
  reason!: string;

  @Property({ type: DateTimeType })
  createdAt!: Date;
}
