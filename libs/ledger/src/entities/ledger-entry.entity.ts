import { BigIntType, DateTimeType, Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Account } from './account.entity';

/**
 * Every kind of ledger entry: `grant` credits enter (a new grant); `debit` a charge; `hold` a
 * reservation; `capture` and `release` a hold's reservation coming back (a capture is followed by
 * its debit); `refund` credits returned to the grants that paid; `expiry` what is left of a grant
 * expires; `rollover` unused credits carried into a new grant (after their `expiry`); `plan` moves
 * no credits (amount 0): it records a plan change made for the account, such as a plan mapping
 * applied with an activation.
 */
export type EntryKind = 'grant' | 'debit' | 'hold' | 'capture' | 'release' | 'refund' | 'expiry' | 'rollover' | 'plan';

/**
 * One credit movement. Append-only: never updated or deleted (the migrations install triggers that
 * refuse it). `amountMc` is the signed change of the spendable balance; `balanceAfterMc` the balance
 * after it, so each entry can be checked against its predecessor.
 */
@Entity({ tableName: 'ledger_entry' })
@Index({ properties: ['accountId', 'id'] })
@Index({ properties: ['chargeId'] })
@Index({ properties: ['holdId'] })
export class LedgerEntry {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  id!: number;

  // No index of its own: the table's composite index starts with account_id (one index less to write per row).
  @ManyToOne({ entity: () => Account, mapToPk: true, fieldName: 'account_id', deleteRule: 'restrict', updateRule: 'restrict', index: false })
  accountId!: string;

  @Property({ type: 'string', length: 16 })
  kind!: EntryKind;

  @Property({ type: new BigIntType('number') })
  amountMc!: number;

  @Property({ type: new BigIntType('number') })
  balanceAfterMc!: number;

  /** Start of the billing cycle the entry belongs to. */
  @Property({ type: DateTimeType })
  cycleStart!: Date;

  @Property({ type: 'string', length: 128, nullable: true })
  action?: string | null;

  @Property({ type: 'string', length: 40, nullable: true })
  chargeId?: string | null;

  @Property({ type: 'string', length: 40, nullable: true })
  holdId?: string | null;

  /** For grants: the plan whose allowance was granted. */
  @Property({ type: 'string', length: 64, nullable: true })
  plan?: string | null;

  /** The rule-set version that priced a debit, hold or refund (or set the allowance of a grant). */
  @Property({ type: 'string', length: 64, nullable: true })
  rulesetVersion?: string | null;

  @Property({ type: 'text' })
  reason!: string;

  @Property({ type: DateTimeType })
  createdAt!: Date;
}
