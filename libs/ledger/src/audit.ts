import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Database } from './database';
import { Account, AuditEvent, DecisionLog } from './entities';
import { LedgerError } from './errors';
import { readChargeEntries } from './reads';
import type { EntryView } from './views';

/** A logged decision as auditors see it. */
export interface DecisionLogView {
  readonly id: number;
  readonly kind: string;
  readonly accountId: string;
  readonly plan: string;
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly confirm: boolean;
  readonly allowed: boolean;
  readonly cost: number;
  readonly costMillicredits: number;
  readonly reasons: readonly string[];
  readonly rulesetVersion: string;
  readonly chargeId: string | null;
  readonly apiKeyId: string | null;
  readonly createdAt: string;
  readonly decision: unknown;
  /** What the decision saw: spendable balance and quota usage. */
  readonly balanceMillicredits: number;
  readonly usage: Record<string, number>;
}

/** An account as listed: its stored balances (a cycle that ended is rolled over when the account itself is read). */
export interface AccountSummary {
  readonly id: string;
  readonly plan: string;
  readonly pendingPlan: string | null;
  readonly balance: number;
  readonly balanceMillicredits: number;
  readonly held: number;
  readonly heldMillicredits: number;
  readonly cycleEnd: string;
  readonly createdAt: string;
}

export interface AuditEventView {
  readonly id: number;
  readonly actor: string;
  readonly event: string;
  readonly target: string;
  readonly details: Record<string, unknown>;
  readonly createdAt: string;
}

/** Filters for the decision log. */
export interface DecisionFilter {
  readonly accountId?: string;
  readonly action?: string;
  readonly rulesetVersion?: string;
  /** `quote`, `charge`, `hold` or `capture`. */
  readonly kind?: string;
  readonly chargeId?: string;
  readonly since?: Date;
  readonly until?: Date;
  /** The `next` of the previous page. */
  readonly cursor?: string;
  readonly limit: number;
}

/**
 * The times a query may name: the years 1 to 9999 (UTC), what ISO 8601 writes with four digits and
 * what both databases store and compare. A time outside failed the query on PostgreSQL (a 500).
 */
export const QUERY_TIME_RANGE: { readonly min: Date; readonly max: Date } = Object.freeze({
  min: new Date('0001-01-01T00:00:00.000Z'),
  max: new Date('9999-12-31T23:59:59.999Z'),
});

/** True when `at` is a valid time within {@link QUERY_TIME_RANGE}. */
export function isQueryTime(at: Date): boolean {
  const ms = at.getTime();
  return ms >= QUERY_TIME_RANGE.min.getTime() && ms <= QUERY_TIME_RANGE.max.getTime();
}

/** True when `id` can be a row id in a cursor: a safe integer, at least 0 (below PostgreSQL's bigint limit). */
export function isCursorId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= 0;
}

/**
 * Reads a decision-log cursor, `<ms>.<id>` (the `next` of a page): the time of the page's last row
 * in milliseconds and its id. Undefined for anything this list could not have given.
 */
export function parseDecisionCursor(cursor: string): { readonly at: Date; readonly id: number } | undefined {
  const m = /^(-?\d{1,16})\.(\d{1,16})$/.exec(cursor);
  if (!m) return undefined;
  const at = new Date(Number(m[1]));
  const id = Number(m[2]);
  return isQueryTime(at) && isCursorId(id) ? { at, id } : undefined;
}

/** Read-only queries for auditors: the decision log and the audit trail. */
export class Audit {
  constructor(private readonly db: Database) {}

  private fork(): SqlEntityManager {
    return this.db.orm.em.fork() as SqlEntityManager;
  }

  /**
   * Logged decisions, newest first by the time they were decided (quote rows are written in
   * batches, so row ids alone do not follow decision time), keyset-paginated by (time, id).
   */
  async decisions(f: DecisionFilter): Promise<{ items: DecisionLogView[]; next: string | null }> {
    const where: Record<string, unknown>[] = [];
    if (f.accountId) where.push({ accountId: f.accountId });
    if (f.action) where.push({ action: f.action });
    if (f.rulesetVersion) where.push({ rulesetVersion: f.rulesetVersion });
    for (const [name, at] of [['since', f.since], ['until', f.until]] as const) {
      if (at && !isQueryTime(at)) throw new LedgerError('INVALID_QUERY', `\`${name}\` must be a time in the years 1 to 9999`, { errors: [{ field: name, message: 'a time in the years 1 to 9999' }] });
    }
    if (f.kind) where.push({ kind: f.kind });
    if (f.chargeId) where.push({ chargeId: f.chargeId });
    if (f.since) where.push({ createdAt: { $gte: f.since } });
    if (f.until) where.push({ createdAt: { $lt: f.until } });
    const cursor = f.cursor === undefined ? undefined : parseDecisionCursor(f.cursor);
    if (f.cursor !== undefined && !cursor) throw new LedgerError('INVALID_CURSOR', `\`${f.cursor}\` is not a cursor from this list`);
    if (cursor) where.push({ $or: [{ createdAt: { $lt: cursor.at } }, { createdAt: cursor.at, id: { $lt: cursor.id } }] });
    const rows = await this.fork().find(DecisionLog, where.length ? { $and: where } : {}, { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], limit: f.limit + 1 });
    const items = rows.slice(0, f.limit).map(decisionView);
    const last = rows.length > f.limit ? rows[f.limit - 1] : undefined;
    return { items, next: last ? `${last.createdAt.getTime()}.${Number(last.id)}` : null };
  }

  /** Every logged decision in a window, oldest first, in batches (for replaying under other rules). */
  async *decisionsBetween(since: Date, until: Date, batch = 1000): AsyncGenerator<DecisionLogView[]> {
    let after = 0;
    for (;;) {
      const rows = await this.fork().find(DecisionLog, { createdAt: { $gte: since, $lt: until }, id: { $gt: after } }, { orderBy: { id: 'asc' }, limit: batch });
      if (rows.length === 0) return;
      yield rows.map(decisionView);
      after = Number(rows[rows.length - 1].id);
    }
  }

  /** Audit events, newest first, filtered by event, actor (an API key id or `cli:<user>`) and time (`since` inclusive, `until` exclusive). */
  async events(f: { cursor?: number; limit: number; event?: string; actor?: string; since?: Date; until?: Date }): Promise<{ items: AuditEventView[]; next: number | null }> {
    const where: Record<string, unknown> = {};
    if (f.event) where.event = f.event;
    if (f.cursor !== undefined && !isCursorId(f.cursor)) throw new LedgerError('INVALID_CURSOR', `\`${f.cursor}\` is not a cursor from this list`);
    if (f.actor) where.actor = f.actor;
    if (f.since || f.until) where.createdAt = { ...(f.since ? { $gte: f.since } : {}), ...(f.until ? { $lt: f.until } : {}) };
    if (f.cursor !== undefined) where.id = { $lt: f.cursor };
    const rows = await this.fork().find(AuditEvent, where, { orderBy: { id: 'desc' }, limit: f.limit + 1 });
    const items = rows.slice(0, f.limit).map((e) => ({ id: e.id, actor: e.actor, event: e.event, target: e.target, details: e.details, createdAt: e.createdAt.toISOString() }));
    return { items, next: rows.length > f.limit ? items[items.length - 1].id : null };
  }

  /** The ledger entries of a charge, oldest first: its debit (or capture), its refunds, and the hold's entries when it captured one. */
  async chargeEntries(chargeId: string, holdId: string | null): Promise<EntryView[]> {
    return readChargeEntries(this.fork(), chargeId, holdId);
  }

  /**
   * Accounts in id order, optionally those whose id starts with `prefix`; keyset-paginated by id.
   * (`_` in a prefix is LIKE's any-character: rows are matched exactly here, and a page may hold fewer
   * than `limit` while `next` says more may follow.)
   */
  async accounts(f: { prefix?: string; cursor?: string; limit: number }): Promise<{ items: AccountSummary[]; next: string | null }> {
    const where: Record<string, unknown>[] = [];
    if (f.prefix) where.push({ id: { $like: `${f.prefix}%` } });
    if (f.cursor !== undefined) where.push({ id: { $gt: f.cursor } });
    const rows = await this.fork().find(Account, where.length ? { $and: where } : {}, { orderBy: { id: 'asc' }, limit: f.limit + 1 });
    const page = rows.slice(0, f.limit);
    const items = page
      .filter((a) => !f.prefix || a.id.startsWith(f.prefix))
      .map((a) => ({
        id: a.id,
        plan: a.plan,
        pendingPlan: a.pendingPlan ?? null,
        balance: a.balanceMc / 1000,
        balanceMillicredits: a.balanceMc,
        held: a.heldMc / 1000,
        heldMillicredits: a.heldMc,
        cycleEnd: a.cycleEnd.toISOString(),
        createdAt: a.createdAt.toISOString(),
      }));
    return { items, next: rows.length > f.limit ? page[page.length - 1].id : null };
  }
}

function decisionView(d: DecisionLog): DecisionLogView {
  return {
    id: Number(d.id),
    kind: d.kind,
    accountId: d.accountId,
    plan: d.plan,
    action: d.action,
    params: d.params,
    confirm: d.confirm,
    allowed: d.allowed,
    cost: d.costMc / 1000,
    costMillicredits: d.costMc,
    reasons: d.reasons ? d.reasons.split(',') : [],
    rulesetVersion: d.rulesetVersion,
    chargeId: d.chargeId ?? null,
    apiKeyId: d.apiKeyId ?? null,
    createdAt: d.createdAt.toISOString(),
    decision: d.decision,
    balanceMillicredits: d.balanceMc,
    usage: d.usage,
  };
}
