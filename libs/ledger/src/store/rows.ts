import type { AccountRow, Allocation, GrantRow, HoldRow } from '../book';
import type { GrantSource, HoldStatus } from '../entities';

/** A date column's value as a Date: SQLite stores milliseconds, PostgreSQL returns Dates. */
export const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : (v as number | string)));

/** A nullable date column. */
export const toDateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : toDate(v));

/** A JSON column: PostgreSQL parses it, SQLite returns text. */
export const fromJson = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/** A raw `account` row. */
export function accountRow(r: Record<string, unknown>): AccountRow {
  return {
    id: String(r.id),
    plan: String(r.plan),
    pendingPlan: r.pending_plan === null || r.pending_plan === undefined ? null : String(r.pending_plan),
    billingAnchor: Number(r.billing_anchor),
    cycleStart: toDate(r.cycle_start),
    cycleEnd: toDate(r.cycle_end),
    balanceMc: Number(r.balance_mc),
    heldMc: Number(r.held_mc),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

/** A raw `credit_grant` row. */
export function grantRow(r: Record<string, unknown>): GrantRow {
  return {
    id: String(r.id),
    accountId: String(r.account_id),
    source: String(r.source) as GrantSource,
    amountMc: Number(r.amount_mc),
    remainingMc: Number(r.remaining_mc),
    priority: Number(r.priority),
    expiresAt: toDateOrNull(r.expires_at),
    plan: (r.plan as string | null) ?? null,
    pack: (r.pack as string | null) ?? null,
    rulesetVersion: (r.ruleset_version as string | null) ?? null,
    reason: String(r.reason),
    createdAt: toDate(r.created_at),
  };
}

/** A raw `hold` row with its reservation. */
export function holdRow(r: Record<string, unknown>, reserved: readonly Allocation[]): HoldRow {
  return {
    id: String(r.id),
    accountId: String(r.account_id),
    action: String(r.action),
    params: fromJson(r.params),
    confirm: Boolean(r.confirm),
    amountMc: Number(r.amount_mc),
    rulesetVersion: String(r.ruleset_version),
    plan: (r.plan as string | null) ?? null,
    cycleStart: toDate(r.cycle_start),
    status: String(r.status) as HoldStatus,
    expiresAt: toDate(r.expires_at),
    chargeId: (r.charge_id as string | null) ?? null,
    idempotencyKey: (r.idempotency_key as string | null) ?? null,
    createdAt: toDate(r.created_at),
    closedAt: toDateOrNull(r.closed_at),
    reserved,
  };
}
