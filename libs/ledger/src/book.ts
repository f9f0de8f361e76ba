import type { GrantSource, HoldStatus } from './entities';

/** An account as an operation reads and changes it: plain data, written back in one statement. */
export interface AccountRow {
  readonly id: string;
  plan: string;
  pendingPlan: string | null;
  readonly billingAnchor: number;
  cycleStart: Date;
  cycleEnd: Date;
  /** Spendable: the sum of the live grants' remaining credits. */
  balanceMc: number;
  /** Reserved by active holds (already drawn from grants, so not in `balanceMc`). */
  heldMc: number;
  readonly createdAt: Date;
  updatedAt: Date;
}

/** A credit grant as an operation reads and changes it. */
export interface GrantRow {
  readonly id: string;
  readonly accountId: string;
  readonly source: GrantSource;
  readonly amountMc: number;
  remainingMc: number;
  readonly priority: number;
  /** Null: never expires. */
  readonly expiresAt: Date | null;
  readonly plan: string | null;
  readonly pack: string | null;
  readonly rulesetVersion: string | null;
  readonly reason: string;
  readonly createdAt: Date;
}

/** Credits an entry moved from (negative) or to (positive) one grant. */
export interface Allocation {
  readonly grantId: string;
  readonly amountMc: number;
}

/** A hold as an operation reads and changes it, with the grants its reservation was drawn from. */
export interface HoldRow {
  readonly id: string;
  readonly accountId: string;
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly confirm: boolean;
  readonly amountMc: number;
  readonly rulesetVersion: string;
  /** The plan the hold was priced for; null on holds made before ledger v2. */
  readonly plan: string | null;
  readonly cycleStart: Date;
  status: HoldStatus;
  readonly expiresAt: Date;
  chargeId: string | null;
  readonly idempotencyKey: string | null;
  readonly createdAt: Date;
  closedAt: Date | null;
  /** The reservation, in draw order (negative amounts); empty for holds made before ledger v2. */
  readonly reserved: readonly Allocation[];
}

/**
 * One account's state for an operation: the account row, its grants (every live one, plus any an
 * operation needs by id) and this cycle's usage of the actions loaded. Planning steps change it in
 * memory and record what to write in a {@link Plan}.
 */
export interface Book {
  readonly account: AccountRow;
  readonly grants: Map<string, GrantRow>;
  /** This cycle's count per action, for the actions the operation reads. */
  usage: Map<string, number>;
}

/** True when the grant can no longer be drawn from at `now`. */
export function expired(g: Pick<GrantRow, 'expiresAt'>, now: Date): boolean {
  return g.expiresAt !== null && g.expiresAt.getTime() <= now.getTime();
}
