import { DeadlockException, LockMode, raw, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { formatCredits, type Millicredits } from '@ratecard/dsl';
import { cycleWindow, decide, planChange, type CompiledRuleSet, type Decision, type PlanChange } from '@ratecard/engine';
import { takeWriteLock, type Database } from './database';
import { Account, AuditEvent, Charge, Hold, IdempotencyRecord, LedgerEntry, UsageCounter, type DecisionKind, type EntryKind } from './entities';
import { DecisionDenied, LedgerError } from './errors';
import { DecisionLogWriter, insertDecisionRows, type DecisionLogRow } from './decision-log-writer';
import { HotReads, isStale, toDate } from './hot-reads';
import { hashOf, newId } from './ids';
import type { RulesProvider } from './rules-provider';
import { accountView, chargeView, entryView, holdView, type AccountView, type ChargeView, type EntryView, type HoldView, type RefundView } from './views';

/** Who asked: the API key (or `cli:<user>`), recorded in logs and audit events. */
export interface Caller {
  readonly actor: string;
  readonly apiKeyId?: string;
}

/** What a service asks about or charges. */
export interface ActionRequest {
  readonly accountId: string;
  readonly action: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly confirm?: boolean;
}

/** The result of an idempotent operation: the body, and whether it is a replay of an earlier one. */
export interface Idempotent<T> {
  readonly body: T;
  readonly replayed: boolean;
}

export interface LedgerOptions {
  /** Default hold lifetime in seconds (15 minutes). */
  readonly holdTtlSeconds?: number;
  /** Longest hold lifetime a caller may ask for (24 hours). */
  readonly maxHoldTtlSeconds?: number;
  /** Most charges settled in one transaction (group commit); 0 settles each alone. Default 128. */
  readonly chargeBatch?: number;
  /** Called when quote log rows could not be written. */
  readonly onLogError?: (e: unknown, rows: number) => void;
}

/** An account as a charge batch reads and changes it (plain data; written back in one statement). */
interface BatchAccount {
  readonly id: string;
  plan: string;
  pendingPlan: string | null;
  readonly billingAnchor: number;
  cycleStart: Date;
  cycleEnd: Date;
  balanceMc: number;
  heldMc: number;
  readonly createdAt: Date;
  readonly nextHoldExpiry: Date | null;
  /** Changed by the batch, to be written back. */
  touched?: boolean;
}

function batchAccount(r: Record<string, unknown>): BatchAccount {
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
    nextHoldExpiry: r.next_hold_expiry === null || r.next_hold_expiry === undefined ? null : toDate(r.next_hold_expiry),
  };
}

/** A charge row as a batch builds it. */
type BatchCharge = Pick<Charge, 'id' | 'accountId' | 'action' | 'params' | 'costMc' | 'rulesetVersion' | 'entryId' | 'holdId' | 'idempotencyKey' | 'createdAt'>;

/** A charge waiting for its batch. */
interface PendingCharge {
  readonly req: ActionRequest;
  readonly key: string;
  readonly hash: string;
  readonly now: Date;
  readonly caller: Caller;
  resolve(v: Idempotent<ChargeView>): void;
  reject(e: unknown): void;
}

const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/**
 * The credit ledger: accounts, their cycles, and every credit movement as an append-only entry
 * written in the same transaction as the change it records. Decisions come from the engine; this
 * class supplies the account state and applies the outcome.
 *
 * Concurrency: on PostgreSQL each mutation locks the account row (`SELECT ... FOR UPDATE`); SQLite
 * runs one connection, so transactions are serialised. Either way the balance check and the debit
 * happen under the same lock, so a balance never goes below zero and a key never charges twice.
 *
 * @example
 * const ledger = new Ledger(db, rules);
 * await ledger.createAccount({ id: 'acme', plan: 'basic' }, now, { actor: 'admin' });
 * const { body } = await ledger.charge({ accountId: 'acme', action: 'image.generate' }, 'key-1', now, caller);
 */
export class Ledger {
  private readonly holdTtl: number;
  private readonly maxHoldTtl: number;
  private readonly chargeBatch: number;
  private readonly logs: DecisionLogWriter;
  private readonly reads: HotReads;
  private readonly queue: PendingCharge[] = [];
  private draining = false;

  constructor(
    private readonly db: Database,
    private readonly rules: RulesProvider,
    options: LedgerOptions = {},
  ) {
    this.holdTtl = options.holdTtlSeconds ?? 900;
    this.maxHoldTtl = options.maxHoldTtlSeconds ?? 86_400;
    this.chargeBatch = options.chargeBatch ?? 128;
    this.logs = new DecisionLogWriter(db, 500, 20, options.onLogError);
    this.reads = new HotReads(db);
  }

  /** Writes buffered quote log rows now (before reading the decision log in this process). */
  flushLogs(): Promise<void> {
    return this.logs.flush();
  }

  /** Waits for queued charges and buffered log rows; call on shutdown. */
  async close(): Promise<void> {
    while (this.draining || this.queue.length) await new Promise((r) => setTimeout(r, 5));
    await this.logs.close();
  }

  /** Longest hold lifetime accepted, in seconds. */
  get maxHoldTtlSeconds(): number {
    return this.maxHoldTtl;
  }

  // ---------------------------------------------------------------- accounts

  /** Creates an account and grants its plan's allowance for the current cycle. */
  async createAccount(input: { id?: string; plan: string; billingAnchor?: number }, now: Date, caller: Caller): Promise<AccountView> {
    const compiled = this.rules.active();
    const plan = compiled.plans.get(input.plan);
    if (!plan) throw unknownPlan(compiled, input.plan);
    const id = input.id ?? newId('acct');
    if (!ACCOUNT_ID.test(id)) throw new LedgerError('ACCOUNT_NOT_FOUND', `\`${id}\` is not a valid account id`);
    const anchor = input.billingAnchor ?? now.getUTCDate();
    const window = cycleWindow(anchor, now);
    try {
      return await this.tx(async (em) => {
        const account = em.create(Account, {
          id,
          plan: plan.plan.id,
          pendingPlan: null,
          billingAnchor: anchor,
          cycleStart: window.start,
          cycleEnd: window.end,
          balanceMc: 0,
          heldMc: 0,
          createdAt: now,
          updatedAt: now,
        });
        await em.persistAndFlush(account);
        await this.append(em, account, now, { kind: 'grant', amountMc: plan.plan.allowanceMc, plan: plan.plan.id, rulesetVersion: compiled.version, reason: `${plan.plan.name} allowance for the cycle` });
        await this.audit(em, caller, 'account.create', id, { plan: plan.plan.id, billingAnchor: anchor }, now);
        await em.flush();
        return accountView(account, compiled, await this.usageList(em, account));
      });
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) throw new LedgerError('ACCOUNT_EXISTS', `account \`${id}\` already exists`, { accountId: id });
      throw e;
    }
  }

  /** The account as of `now`: a cycle that ended is rolled over first, expired holds are released. */
  async getAccount(id: string, now: Date): Promise<AccountView> {
    const compiled = this.rules.active();
    const em = await this.current(id, now);
    const account = await em.findOneOrFail(Account, { id });
    return accountView(account, compiled, await this.usageList(em, account));
  }

  /** A page of the account's ledger, newest first unless `order` is `asc`. */
  async entries(id: string, page: { limit: number; cursor?: number; order?: 'asc' | 'desc' }): Promise<{ items: EntryView[]; next: number | null }> {
    const em = this.fork();
    if (!(await em.count(Account, { id }))) throw notFound(id);
    const order = page.order ?? 'desc';
    const where = page.cursor === undefined ? { accountId: id } : { accountId: id, id: order === 'desc' ? { $lt: page.cursor } : { $gt: page.cursor } };
    const rows = await em.find(LedgerEntry, where, { orderBy: { id: order }, limit: page.limit + 1 });
    const items = rows.slice(0, page.limit).map(entryView);
    return { items, next: rows.length > page.limit ? items[items.length - 1].id : null };
  }

  /**
   * Changes the plan. An upgrade applies now: unused credits carry over (or expire) and the new
   * allowance is granted, as the rules' cycle policy says. A downgrade waits for the next cycle
   * unless the policy says `immediate`. Choosing the current plan cancels a pending downgrade.
   */
  async changePlan(id: string, to: string, now: Date, caller: Caller): Promise<{ account: AccountView; change: PlanChange & { from: string; to: string } }> {
    const compiled = this.rules.active();
    if (!compiled.plans.has(to)) throw unknownPlan(compiled, to);
    return this.tx(async (em) => {
      const account = await this.lock(em, id);
      await this.touch(em, account, compiled, now);
      const from = account.plan;
      const grants = await em.find(LedgerEntry, { accountId: id, kind: 'grant', cycleStart: account.cycleStart, plan: { $ne: null } });
      const change = planChange(compiled, from, to, grants.map((g) => ({ plan: g.plan!, mc: g.amountMc })));
      const name = compiled.plans.get(to)!.plan.name;
      if (change.kind === 'same') {
        account.pendingPlan = null;
      } else if (change.kind === 'upgrade') {
        const unused = account.balanceMc;
        if (unused > 0) {
          await this.append(em, account, now, { kind: 'expiry', amountMc: -unused, reason: `upgrade to ${name}: the cycle's unused credits close` });
          if (change.unused === 'carry-over') {
            await this.append(em, account, now, { kind: 'rollover', amountMc: unused, reason: `upgrade to ${name}: ${formatCredits(unused)} unused credits carried over` });
          }
        }
        account.plan = to;
        account.pendingPlan = null;
        if (change.grantMc > 0) {
          await this.append(em, account, now, { kind: 'grant', amountMc: change.grantMc, plan: to, rulesetVersion: compiled.version, reason: `${name} allowance on upgrade` });
        }
      } else if (change.effective === 'now') {
        account.plan = to;
        account.pendingPlan = null;
      } else {
        account.pendingPlan = to;
      }
      account.updatedAt = now;
      await this.audit(em, caller, 'account.plan', id, { from, to, kind: change.kind, effective: change.effective, grantMc: change.grantMc }, now);
      await em.flush();
      return { account: accountView(account, compiled, await this.usageList(em, account)), change: { ...change, from, to } };
    });
  }

  /** Grants credits outside the allowance (a top-up or goodwill credit). They expire with the cycle. */
  async grant(id: string, amountMc: Millicredits, reason: string, now: Date, caller: Caller): Promise<AccountView> {
    const compiled = this.rules.active();
    return this.tx(async (em) => {
      const account = await this.lock(em, id);
      await this.touch(em, account, compiled, now);
      await this.append(em, account, now, { kind: 'grant', amountMc, reason: reason || 'top-up' });
      await this.audit(em, caller, 'account.grant', id, { amountMc, reason }, now);
      await em.flush();
      return accountView(account, compiled, await this.usageList(em, account));
    });
  }

  // ---------------------------------------------------------------- decisions and charges

  /**
   * Decides against the account's live state. The only side effect is the decision log. Reads the
   * account in one statement; only an ended cycle or an expired hold takes the locked path.
   */
  async quote(req: ActionRequest, now: Date, caller: Caller): Promise<Decision> {
    const compiled = this.rules.active();
    let account = await this.reads.account(req.accountId, req.action);
    if (!account) throw notFound(req.accountId);
    if (isStale(account, now)) {
      await this.current(req.accountId, now);
      account = (await this.reads.account(req.accountId, req.action))!;
    }
    const usage = compiled.plans.get(account.plan)?.quotas.has(req.action) ? { [req.action]: account.used } : {};
    const state = { plan: account.plan, balanceMc: account.balanceMc, usage };
    const decision = decide(compiled, state, toRequest(req), now);
    this.logs.push(logRow('quote', account, req, decision, caller, now, undefined, state));
    return decision;
  }

  /**
   * Decides and, if allowed, debits and counts usage in one transaction. The same key with the same
   * body returns the first response again; with another body it is refused. A denial changes nothing
   * (it is logged) and throws {@link DecisionDenied}.
   */
  async charge(req: ActionRequest, key: string, now: Date, caller: Caller): Promise<Idempotent<ChargeView>> {
    const hash = chargeHash(req);
    if (this.chargeBatch <= 0) return this.chargeAlone(req, key, hash, now, caller);
    // The batch looks up every key of the batch in one statement, inside its transaction.
    return new Promise((resolve, reject) => {
      this.queue.push({ req, key, hash, now, caller, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** One charge in its own transaction: the path when batching is off, and the fallback of a failed batch. */
  private async chargeAlone(req: ActionRequest, key: string, hash: string, now: Date, caller: Caller): Promise<Idempotent<ChargeView>> {
    await this.logs.flush();
    return this.idempotent('charge', key, hash, async (em) => {
      const { account, state, decision } = await this.decideLocked(em, req, now);
      const chargeId = newId('ch');
      const entryId =
        decision.costMillicredits > 0
          ? await this.append(em, account, now, { kind: 'debit', amountMc: -decision.costMillicredits, action: req.action, chargeId, rulesetVersion: decision.rulesetVersion, reason: `charge for \`${req.action}\`` })
          : null;
      await this.countUsage(em, account, req.action, account.cycleStart, 1);
      const charge = em.create(Charge, { id: chargeId, accountId: account.id, action: req.action, params: { ...(req.params ?? {}) }, costMc: decision.costMillicredits, rulesetVersion: decision.rulesetVersion, entryId, holdId: null, idempotencyKey: key, createdAt: now });
      await this.log(em, 'charge', account, req, decision, caller, now, chargeId, state);
      account.updatedAt = now;
      await em.flush();
      return { status: 201, body: chargeView(charge, account, decision) };
    }, (e) => this.logDenial(e, 'charge', req, caller, now));
  }

  /**
   * Group commit: charges queued while a batch is being written form the next batch. Each batch is
   * one transaction that locks its accounts (in id order), decides every charge in arrival order
   * against the balance and usage the earlier ones left, and writes with a few multi-row
   * statements. If a batch fails for any reason, each of its charges runs alone instead.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.chargeBatch);
        await this.settleBatch(batch);
      }
    } finally {
      this.draining = false;
    }
  }

  private async settleBatch(batch: PendingCharge[]): Promise<void> {
    // Quotes decided before these charges are logged before them.
    await this.logs.flush();
    // One charge per idempotency key per batch; a repeat waits for the next batch and replays.
    const leaders = new Map<string, PendingCharge>();
    const repeats: PendingCharge[] = [];
    for (const p of batch) {
      if (leaders.has(p.key)) repeats.push(p);
      else leaders.set(p.key, p);
    }
    const work = [...leaders.values()];
    const outcomes = new Map<PendingCharge, { ok: Idempotent<ChargeView> } | { error: unknown }>();
    try {
      await this.tx(async (em) => this.settleInTx(em, work, outcomes));
    } catch {
      outcomes.clear();
      for (const p of work) {
        try {
          outcomes.set(p, { ok: await this.chargeAlone(p.req, p.key, p.hash, p.now, p.caller) });
        } catch (e) {
          outcomes.set(p, { error: e });
        }
      }
    }
    for (const [p, o] of outcomes) 'ok' in o ? p.resolve(o.ok) : p.reject(o.error);
    this.queue.unshift(...repeats);
  }

  private async settleInTx(em: SqlEntityManager, work: PendingCharge[], outcomes: Map<PendingCharge, { ok: Idempotent<ChargeView> } | { error: unknown }>): Promise<void> {
    const compiled = this.rules.active();
    const now = work.reduce((t, p) => (p.now.getTime() > t.getTime() ? p.now : t), work[0].now);
    const knex = em.getKnex();
    // Keys stored by an earlier batch or another process.
    const stored = await em.execute<{ key: string; request_hash: string; response: unknown }[]>(
      knex('idempotency_record').select('key', 'request_hash', 'response').where('scope', 'charge').whereIn('key', work.map((p) => p.key)),
    );
    const byKey = new Map(stored.map((r) => [r.key, r]));
    const todo: PendingCharge[] = [];
    for (const p of work) {
      const r = byKey.get(p.key);
      if (!r) todo.push(p);
      else if (r.request_hash === p.hash) outcomes.set(p, { ok: { body: (typeof r.response === 'string' ? JSON.parse(r.response) : r.response) as ChargeView, replayed: true } });
      else outcomes.set(p, { error: reused(p.key) });
    }
    if (todo.length === 0) return;

    // The batch's accounts, locked in id order (PostgreSQL; SQLite holds its write lock already).
    const ids = [...new Set(todo.map((p) => p.req.accountId))].sort();
    let select = knex('account as a')
      .select('a.*', knex.raw('(select min(h.expires_at) from hold h where h.account_id = a.id and h.status = ?) as next_hold_expiry', ['active']))
      .whereIn('a.id', ids)
      .orderBy('a.id');
    if (this.db.kind === 'postgresql') select = select.forUpdate('a');
    const byId = new Map<string, BatchAccount>();
    for (const r of await em.execute<Record<string, unknown>[]>(select)) {
      let a = batchAccount(r);
      if (isStale(a, now)) {
        // Rare: the cycle ended or a hold expired. The entity path applies it, then the batch goes on.
        const entity = await this.lock(em, a.id);
        await this.touch(em, entity, compiled, now);
        await em.flush();
        a = { ...a, plan: entity.plan, pendingPlan: entity.pendingPlan ?? null, cycleStart: entity.cycleStart, cycleEnd: entity.cycleEnd, balanceMc: entity.balanceMc, heldMc: entity.heldMc };
      }
      byId.set(a.id, a);
    }
    // This cycle's usage of the actions that have a quota on the account's plan.
    const quota = (a: BatchAccount, action: string): boolean => compiled.plans.get(a.plan)?.quotas.has(action) ?? false;
    const quoted = todo.filter((p) => byId.has(p.req.accountId) && quota(byId.get(p.req.accountId)!, p.req.action));
    const used = new Map<string, number>();
    const pairKey = (account: string, action: string): string => `${account}\u0000${action}`;
    if (quoted.length) {
      const counters = await em.execute<{ account_id: string; action: string; cycle_start: unknown; count: unknown }[]>(
        knex('usage_counter')
          .select('account_id', 'action', 'cycle_start', 'count')
          .whereIn('account_id', [...new Set(quoted.map((p) => p.req.accountId))])
          .whereIn('action', [...new Set(quoted.map((p) => p.req.action))]),
      );
      for (const c of counters) {
        if (toDate(c.cycle_start).getTime() === byId.get(c.account_id)?.cycleStart.getTime()) used.set(pairKey(c.account_id, c.action), Number(c.count));
      }
    }

    const entries: Omit<LedgerEntry, 'id'>[] = [];
    const logs: DecisionLogRow[] = [];
    const done: { p: PendingCharge; charge: BatchCharge; balanceMc: number; decision: Decision }[] = [];
    const usage = new Map<string, { accountId: string; action: string; cycleStart: Date; count: number }>();
    for (const p of todo) {
      const account = byId.get(p.req.accountId);
      if (!account) {
        outcomes.set(p, { error: notFound(p.req.accountId) });
        continue;
      }
      const k = pairKey(account.id, p.req.action);
      const state = { plan: account.plan, balanceMc: account.balanceMc, usage: quota(account, p.req.action) ? { [p.req.action]: used.get(k) ?? 0 } : {} };
      const decision = decide(compiled, state, toRequest(p.req), p.now);
      if (!decision.allowed) {
        logs.push(logRow('charge', account, p.req, decision, p.caller, p.now, undefined, state));
        outcomes.set(p, { error: new DecisionDenied(decision, state) });
        continue;
      }
      const chargeId = newId('ch');
      const cost = decision.costMillicredits;
      if (cost > 0) {
        account.balanceMc -= cost;
        // INVARIANT: decide() denied any charge above the balance, so this never goes below zero.
        entries.push({ accountId: account.id, kind: 'debit', amountMc: -cost, balanceAfterMc: account.balanceMc, cycleStart: account.cycleStart, action: p.req.action, chargeId, holdId: null, plan: null, rulesetVersion: decision.rulesetVersion, reason: `charge for \`${p.req.action}\``, createdAt: p.now });
      }
      used.set(k, (used.get(k) ?? 0) + 1);
      const u = usage.get(k) ?? { accountId: account.id, action: p.req.action, cycleStart: account.cycleStart, count: 0 };
      u.count++;
      usage.set(k, u);
      account.touched = true;
      logs.push(logRow('charge', account, p.req, decision, p.caller, p.now, chargeId, state));
      const charge: BatchCharge = { id: chargeId, accountId: account.id, action: p.req.action, params: { ...(p.req.params ?? {}) }, costMc: cost, rulesetVersion: decision.rulesetVersion, entryId: null, holdId: null, idempotencyKey: p.key, createdAt: p.now };
      done.push({ p, charge, balanceMc: account.balanceMc, decision });
    }

    // Multi-row inserts with bound values through the ORM's query builder; RETURNING gives the
    // entry ids on both databases.
    const date = (d: Date): unknown => em.getPlatform().processDateProperty(d);
    if (entries.length) {
      const rows = await em.execute<{ id: number | string; charge_id: string }[]>(
        knex('ledger_entry')
          .insert(
            entries.map((e) => ({
              account_id: e.accountId,
              kind: e.kind,
              amount_mc: e.amountMc,
              balance_after_mc: e.balanceAfterMc,
              cycle_start: date(e.cycleStart),
              action: e.action,
              charge_id: e.chargeId,
              hold_id: null,
              plan: null,
              ruleset_version: e.rulesetVersion,
              reason: e.reason,
              created_at: date(e.createdAt),
            })),
          )
          .returning(['id', 'charge_id']),
      );
      const entryOf = new Map(rows.map((r) => [r.charge_id, Number(r.id)]));
      for (const d of done) d.charge.entryId = entryOf.get(d.charge.id) ?? null;
    }
    if (done.length) {
      await em.execute(
        knex('charge').insert(
          done.map(({ charge: c }) => ({
            id: c.id,
            account_id: c.accountId,
            action: c.action,
            params: JSON.stringify(c.params),
            cost_mc: c.costMc,
            ruleset_version: c.rulesetVersion,
            entry_id: c.entryId,
            hold_id: null,
            idempotency_key: c.idempotencyKey,
            created_at: date(c.createdAt),
          })),
        ),
      );
      await this.addUsage(em, [...usage.values()]);
    }
    await insertDecisionRows(em, logs);
    const bodies = done.map((d) => ({ d, body: chargeView(d.charge, { balanceMc: d.balanceMc }, d.decision) }));
    if (bodies.length) {
      const stamp = date(new Date());
      await em.execute(
        knex('idempotency_record').insert(bodies.map(({ d, body }) => ({ scope: 'charge', key: d.p.key, request_hash: d.p.hash, status: 201, response: JSON.stringify(body), created_at: stamp }))),
      );
    }
    // New balances, in one bound statement (an upsert of rows that exist: an update on both databases).
    const changed = [...byId.values()].filter((a) => a.touched);
    if (changed.length) {
      await em.execute(
        knex('account')
          .insert(
            changed.map((a) => ({
              id: a.id,
              plan: a.plan,
              pending_plan: a.pendingPlan,
              billing_anchor: a.billingAnchor,
              cycle_start: date(a.cycleStart),
              cycle_end: date(a.cycleEnd),
              balance_mc: a.balanceMc,
              held_mc: a.heldMc,
              created_at: date(a.createdAt),
              updated_at: date(now),
            })),
          )
          .onConflict('id')
          .merge(['balance_mc', 'updated_at']),
      );
    }
    for (const { d, body } of bodies) outcomes.set(d.p, { ok: { body, replayed: false } });
  }

  /** Adds to usage counters in one statement (insert, or add to the existing count). */
  private async addUsage(em: SqlEntityManager, rows: { accountId: string; action: string; cycleStart: Date; count: number }[]): Promise<void> {
    if (rows.length === 0) return;
    const knex = em.getKnex();
    const platform = em.getPlatform();
    const qb = knex('usage_counter')
      .insert(rows.map((r) => ({ account_id: r.accountId, action: r.action, cycle_start: platform.processDateProperty(r.cycleStart), count: r.count })))
      .onConflict(['account_id', 'action', 'cycle_start'])
      .merge({ count: knex.raw('?? + ??', ['usage_counter.count', 'excluded.count']) });
    await em.execute(qb);
  }

  /** Reserves the quoted cost for a long job. Reserved credits are not spendable; the quota is counted now. */
  async hold(req: ActionRequest & { ttlSeconds?: number }, key: string, now: Date, caller: Caller): Promise<Idempotent<HoldView>> {
    const ttl = req.ttlSeconds ?? this.holdTtl;
    const hash = hashOf({ op: 'hold', accountId: req.accountId, action: req.action, params: req.params ?? {}, confirm: req.confirm ?? false, ttl });
    await this.logs.flush();
    return this.idempotent('hold', key, hash, async (em) => {
      const { account, state, decision } = await this.decideLocked(em, req, now);
      const holdId = newId('hold');
      if (decision.costMillicredits > 0) {
        await this.append(em, account, now, { kind: 'hold', amountMc: -decision.costMillicredits, action: req.action, holdId, rulesetVersion: decision.rulesetVersion, reason: `hold for \`${req.action}\`` });
      }
      account.heldMc += decision.costMillicredits;
      await this.countUsage(em, account, req.action, account.cycleStart, 1);
      const hold = em.create(Hold, {
        id: holdId,
        accountId: account.id,
        action: req.action,
        params: { ...(req.params ?? {}) },
        confirm: req.confirm ?? false,
        amountMc: decision.costMillicredits,
        rulesetVersion: decision.rulesetVersion,
        cycleStart: account.cycleStart,
        status: 'active',
        expiresAt: new Date(now.getTime() + ttl * 1000),
        chargeId: null,
        idempotencyKey: key,
        createdAt: now,
        closedAt: null,
      });
      await this.log(em, 'hold', account, req, decision, caller, now, undefined, state);
      account.updatedAt = now;
      await em.flush();
      return { status: 201, body: holdView(hold, account, decision) };
    }, (e) => this.logDenial(e, 'hold', req, caller, now));
  }

  /**
   * Charges a hold: the actual parameters' price (priced by the rule-set version that priced the
   * hold), or an explicit amount, never more than the hold. The rest is released.
   */
  async capture(holdId: string, input: { params?: Record<string, unknown>; amountMc?: Millicredits }, now: Date, caller: Caller): Promise<{ charge: ChargeView; hold: HoldView }> {
    const found = await this.fork().findOne(Hold, { id: holdId });
    if (!found) throw new LedgerError('HOLD_NOT_FOUND', `hold \`${holdId}\` does not exist`);
    const compiledAtHold = (await this.rules.get(found.rulesetVersion)) ?? this.rules.active();
    await this.logs.flush();
    return this.tx(async (em) => {
      const account = await this.lock(em, found.accountId);
      await this.touch(em, account, this.rules.active(), now);
      const hold = await em.findOneOrFail(Hold, { id: holdId });
      if (hold.status !== 'active') throw new LedgerError('HOLD_NOT_ACTIVE', `hold \`${holdId}\` is ${hold.status}`, { holdStatus: hold.status, chargeId: hold.chargeId ?? undefined });
      let amount = hold.amountMc;
      let decision: Decision | undefined;
      if (input.amountMc !== undefined) {
        if (input.amountMc > hold.amountMc) {
          throw new LedgerError('CAPTURE_EXCEEDS_HOLD', `cannot capture ${formatCredits(input.amountMc)} credits from a hold of ${formatCredits(hold.amountMc)}`);
        }
        amount = input.amountMc;
      } else if (input.params !== undefined) {
        const req = { accountId: account.id, action: hold.action, params: input.params, confirm: hold.confirm };
        decision = decide(compiledAtHold, { plan: account.plan, balanceMc: Number.MAX_SAFE_INTEGER, usage: {} }, toRequest(req), now);
        const blocking = decision.reasons.filter((r) => r.code === 'INVALID_PARAMS' || r.code === 'UNKNOWN_ACTION' || r.code === 'PLAN_REQUIRED');
        if (blocking.length > 0) throw new DecisionDenied(decision);
        amount = Math.min(hold.amountMc, decision.costMillicredits);
      }
      const chargeId = newId('ch');
      if (hold.amountMc > 0) {
        await this.append(em, account, now, { kind: 'capture', amountMc: hold.amountMc, action: hold.action, holdId, chargeId, rulesetVersion: hold.rulesetVersion, reason: `hold \`${holdId}\` closed by capture` });
      }
      const entryId =
        amount > 0
          ? await this.append(em, account, now, { kind: 'debit', amountMc: -amount, action: hold.action, holdId, chargeId, rulesetVersion: hold.rulesetVersion, reason: `capture of hold \`${holdId}\`` })
          : null;
      await this.expireFromEndedCycle(em, account, hold, hold.amountMc - amount, now);
      account.heldMc -= hold.amountMc;
      hold.status = 'captured';
      hold.chargeId = chargeId;
      hold.closedAt = now;
      const params = input.params ?? hold.params;
      const charge = em.create(Charge, { id: chargeId, accountId: account.id, action: hold.action, params, costMc: amount, rulesetVersion: hold.rulesetVersion, entryId, holdId, idempotencyKey: null, createdAt: now });
      const logged = decision ?? decide(compiledAtHold, { plan: account.plan, balanceMc: Number.MAX_SAFE_INTEGER, usage: {} }, { action: hold.action, params, confirm: hold.confirm }, now);
      await this.log(em, 'capture', account, { accountId: account.id, action: hold.action, params, confirm: hold.confirm }, { ...logged, cost: amount / 1000, costMillicredits: amount }, caller, now, chargeId);
      account.updatedAt = now;
      await em.flush();
      return { charge: chargeView(charge, account, logged), hold: holdView(hold, account) };
    });
  }

  /** Frees a hold's credits and its quota. */
  async release(holdId: string, now: Date, caller: Caller): Promise<HoldView> {
    const found = await this.fork().findOne(Hold, { id: holdId });
    if (!found) throw new LedgerError('HOLD_NOT_FOUND', `hold \`${holdId}\` does not exist`);
    return this.tx(async (em) => {
      const account = await this.lock(em, found.accountId);
      await this.touch(em, account, this.rules.active(), now);
      const hold = await em.findOneOrFail(Hold, { id: holdId });
      if (hold.status !== 'active') throw new LedgerError('HOLD_NOT_ACTIVE', `hold \`${holdId}\` is ${hold.status}`, { holdStatus: hold.status });
      await this.closeHold(em, account, hold, 'released', now, `hold \`${holdId}\` released`);
      await this.audit(em, caller, 'hold.release', holdId, { accountId: account.id }, now);
      await em.flush();
      return holdView(hold, account);
    });
  }

  /** Refunds all or part of a charge; never more than was charged, across all refunds. */
  async refund(chargeId: string, input: { amountMc?: Millicredits; reason?: string }, key: string | undefined, now: Date, caller: Caller): Promise<Idempotent<RefundView>> {
    const run = async (em: SqlEntityManager): Promise<{ status: number; body: RefundView }> => {
      const found = await em.findOne(Charge, { id: chargeId });
      if (!found) throw new LedgerError('CHARGE_NOT_FOUND', `charge \`${chargeId}\` does not exist`);
      const account = await this.lock(em, found.accountId);
      await this.touch(em, account, this.rules.active(), now);
      const refunded = await this.refundedMc(em, chargeId);
      const remaining = found.costMc - refunded;
      const amount = input.amountMc ?? remaining;
      if (amount <= 0 || amount > remaining) {
        throw new LedgerError(
          'REFUND_EXCEEDS_CHARGE',
          remaining <= 0
            ? `charge \`${chargeId}\` is already fully refunded`
            : `cannot refund ${formatCredits(amount)} credits: ${formatCredits(remaining)} of ${formatCredits(found.costMc)} remain refundable`,
          { costMc: found.costMc, refundedMc: refunded, remainingMc: remaining },
        );
      }
      const entryId = await this.append(em, account, now, { kind: 'refund', amountMc: amount, action: found.action, chargeId, rulesetVersion: found.rulesetVersion, reason: input.reason ? `refund: ${input.reason}` : `refund of \`${chargeId}\`` });
      await this.audit(em, caller, 'charge.refund', chargeId, { amountMc: amount, reason: input.reason ?? null }, now);
      account.updatedAt = now;
      await em.flush();
      return {
        status: 201,
        body: {
          chargeId,
          accountId: account.id,
          refunded: amount / 1000,
          refundedMillicredits: amount,
          refundedTotal: (refunded + amount) / 1000,
          remaining: (remaining - amount) / 1000,
          entryId,
          balance: account.balanceMc / 1000,
          balanceMillicredits: account.balanceMc,
          createdAt: now.toISOString(),
        },
      };
    };
    if (key === undefined) return { body: (await this.tx(run)).body, replayed: false };
    const hash = hashOf({ op: 'refund', chargeId, amountMc: input.amountMc ?? null, reason: input.reason ?? null });
    return this.idempotent('refund', key, hash, run);
  }

  /** A charge with its refunds so far. */
  async getCharge(chargeId: string): Promise<ChargeView & { refunded: number; refundedMillicredits: number }> {
    const em = this.fork();
    const charge = await em.findOne(Charge, { id: chargeId });
    if (!charge) throw new LedgerError('CHARGE_NOT_FOUND', `charge \`${chargeId}\` does not exist`);
    const account = await em.findOneOrFail(Account, { id: charge.accountId });
    const refunded = await this.refundedMc(em, chargeId);
    return { ...chargeView(charge, account), refunded: refunded / 1000, refundedMillicredits: refunded };
  }

  /** A hold as it stands (an expired hold is released first). */
  async getHold(holdId: string, now: Date): Promise<HoldView> {
    const found = await this.fork().findOne(Hold, { id: holdId });
    if (!found) throw new LedgerError('HOLD_NOT_FOUND', `hold \`${holdId}\` does not exist`);
    const em = await this.current(found.accountId, now);
    const hold = await em.findOneOrFail(Hold, { id: holdId });
    return holdView(hold, await em.findOneOrFail(Account, { id: found.accountId }));
  }

  // ---------------------------------------------------------------- internals

  private fork(): SqlEntityManager {
    return this.db.orm.em.fork() as SqlEntityManager;
  }

  /** Runs `fn` in a transaction (holding SQLite's write lock from the start), retrying PostgreSQL deadlocks a few times. */
  private async tx<T>(fn: (em: SqlEntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.fork().transactional(async (em) => {
          await takeWriteLock(em as SqlEntityManager, this.db.kind);
          return fn(em as SqlEntityManager);
        });
      } catch (e) {
        if (!(e instanceof DeadlockException) || attempt >= 3) throw e;
      }
    }
  }

  /**
   * The idempotency protocol: a stored response for (scope, key) is replayed when the body matches
   * and refused when it does not; otherwise `fn` runs and its response is stored in the same
   * transaction. Two requests racing with one key: the unique index lets one commit; the other
   * replays it.
   */
  private async idempotent<T>(
    scope: string,
    key: string,
    hash: string,
    fn: (em: SqlEntityManager) => Promise<{ status: number; body: T }>,
    onError?: (e: unknown) => Promise<void>,
  ): Promise<Idempotent<T>> {
    const first = await this.replay<T>(scope, key, hash);
    if (first) return first;
    try {
      const body = await this.tx(async (em) => {
        const result = await fn(em);
        // A copy: MikroORM rewrites nested values of inserted data in place, and decisions share the engine's frozen breakdown lines.
        await em.insert(IdempotencyRecord, { scope, key, requestHash: hash, status: result.status, response: structuredClone(result.body) as object, createdAt: new Date() });
        return result.body;
      });
      return { body, replayed: false };
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) {
        const again = await this.replay<T>(scope, key, hash);
        if (again) return again;
      }
      if (onError) await onError(e);
      throw e;
    }
  }

  /** A stored response for (scope, key): replayed when the body matches, refused when not. */
  private async replay<T>(scope: string, key: string, hash: string): Promise<Idempotent<T> | undefined> {
    const found = await this.reads.idempotency(scope, key);
    if (!found) return undefined;
    if (found.requestHash !== hash) throw reused(key);
    return { body: found.response as T, replayed: true };
  }

  /**
   * Locks the account, brings its cycle up to date and decides the request against it; a denial
   * throws {@link DecisionDenied} (rolling the transaction back: nothing changes).
   */
  private async decideLocked(em: SqlEntityManager, req: ActionRequest, now: Date): Promise<{ account: Account; state: { plan: string; balanceMc: number; usage: Record<string, number> }; decision: Decision }> {
    const compiled = this.rules.active();
    const account = await this.lock(em, req.accountId);
    await this.touch(em, account, compiled, now);
    const state = await this.state(em, account, compiled, req.action);
    const decision = decide(compiled, state, toRequest(req), now);
    if (!decision.allowed) throw new DecisionDenied(decision, state);
    return { account, state, decision };
  }

  /** Locks the account row for the rest of the transaction (PostgreSQL); SQLite is already serialised. */
  private async lock(em: SqlEntityManager, id: string): Promise<Account> {
    const account = await em.findOne(Account, { id }, this.db.kind === 'postgresql' ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
    if (!account) throw notFound(id);
    return account;
  }

  /**
   * An entity manager whose view of the account is current: if the cycle ended or a hold expired,
   * that is applied first, under the lock. Reads alone take no lock.
   */
  private async current(id: string, now: Date): Promise<SqlEntityManager> {
    const state = await this.reads.account(id, '');
    if (!state) throw notFound(id);
    if (isStale(state, now)) {
      await this.tx(async (tem) => {
        const locked = await this.lock(tem, id);
        await this.touch(tem, locked, this.rules.active(), now);
        await tem.flush();
      });
    }
    return this.fork();
  }

  /** Releases expired holds, then rolls an ended cycle over: once, inside the caller's transaction. */
  private async touch(em: SqlEntityManager, account: Account, compiled: CompiledRuleSet, now: Date): Promise<void> {
    // Every expired hold, also one that reserved nothing (a free action): its use counts until it closes.
    const expired = await em.find(Hold, { accountId: account.id, status: 'active', expiresAt: { $lte: now } }, { orderBy: { expiresAt: 'asc' } });
    for (const hold of expired) await this.closeHold(em, account, hold, 'expired', now, `hold \`${hold.id}\` expired`);
    if (now.getTime() < account.cycleEnd.getTime()) return;
    const window = cycleWindow(account.billingAnchor, now);
    const unused = account.balanceMc;
    if (unused > 0) {
      await this.append(em, account, now, { kind: 'expiry', amountMc: -unused, reason: 'unused credits expire at the billing date' });
    }
    if (account.pendingPlan) {
      account.plan = account.pendingPlan;
      account.pendingPlan = null;
    }
    account.cycleStart = window.start;
    account.cycleEnd = window.end;
    if (unused > 0 && compiled.ruleset.cycle.unused === 'roll-over') {
      await this.append(em, account, now, { kind: 'rollover', amountMc: unused, reason: 'unused credits roll over to the new cycle' });
    }
    const plan = compiled.plans.get(account.plan);
    if (plan) {
      await this.append(em, account, now, { kind: 'grant', amountMc: plan.plan.allowanceMc, plan: plan.plan.id, rulesetVersion: compiled.version, reason: `${plan.plan.name} allowance for the cycle` });
    }
    account.updatedAt = now;
  }

  private async closeHold(em: SqlEntityManager, account: Account, hold: Hold, status: 'released' | 'expired', now: Date, reason: string): Promise<void> {
    if (hold.amountMc > 0) {
      await this.append(em, account, now, { kind: 'release', amountMc: hold.amountMc, action: hold.action, holdId: hold.id, rulesetVersion: hold.rulesetVersion, reason });
    }
    await this.expireFromEndedCycle(em, account, hold, hold.amountMc, now);
    account.heldMc -= hold.amountMc;
    await this.countUsage(em, account, hold.action, hold.cycleStart, -1);
    hold.status = status;
    hold.closedAt = now;
    account.updatedAt = now;
  }

  /**
   * Credits a hold returns after the billing date that followed it belong to the cycle that ended:
   * when the rules say unused credits expire, they expire now instead of joining the new allowance.
   */
  private async expireFromEndedCycle(em: SqlEntityManager, account: Account, hold: Hold, returnedMc: number, now: Date): Promise<void> {
    if (returnedMc <= 0 || hold.cycleStart.getTime() >= account.cycleStart.getTime() || this.rules.active().ruleset.cycle.unused !== 'expire') return;
    await this.append(em, account, now, { kind: 'expiry', amountMc: -returnedMc, holdId: hold.id, reason: `hold \`${hold.id}\` was made before the billing date: what it returns expires with that cycle` });
  }

  /** Appends one entry and moves the cached balance with it. Returns the entry id. */
  private async append(
    em: SqlEntityManager,
    account: Account,
    now: Date,
    entry: { kind: EntryKind; amountMc: number; reason: string; action?: string; chargeId?: string; holdId?: string; plan?: string; rulesetVersion?: string },
  ): Promise<number> {
    account.balanceMc += entry.amountMc;
    // INVARIANT: every path checks the balance before a debit or hold, so it never goes below zero.
    if (account.balanceMc < 0) throw new Error(`ledger invariant violated: balance of ${account.id} would be ${account.balanceMc}`);
    const id = await em.insert(LedgerEntry, {
      accountId: account.id,
      kind: entry.kind,
      amountMc: entry.amountMc,
      balanceAfterMc: account.balanceMc,
      cycleStart: account.cycleStart,
      action: entry.action ?? null,
      chargeId: entry.chargeId ?? null,
      holdId: entry.holdId ?? null,
      plan: entry.plan ?? null,
      rulesetVersion: entry.rulesetVersion ?? null,
      reason: entry.reason,
      createdAt: now,
    });
    return Number(id);
  }

  private async countUsage(em: SqlEntityManager, account: Account, action: string, cycleStart: Date, delta: number): Promise<void> {
    const updated = await em.nativeUpdate(UsageCounter, { accountId: account.id, action, cycleStart }, { count: raw<UsageCounter, number>('count + ?', [delta]) });
    if (updated === 0 && delta > 0) await em.insert(UsageCounter, { accountId: account.id, action, cycleStart, count: delta });
  }

  /** What `decide` needs: plan, spendable balance, and this cycle's usage of the action if it has a quota. */
  private async state(em: SqlEntityManager, account: Account, compiled: CompiledRuleSet, action: string): Promise<{ plan: string; balanceMc: number; usage: Record<string, number> }> {
    const usage: Record<string, number> = {};
    if (compiled.plans.get(account.plan)?.quotas.has(action)) {
      const counter = await em.findOne(UsageCounter, { accountId: account.id, action, cycleStart: account.cycleStart });
      usage[action] = counter?.count ?? 0;
    }
    return { plan: account.plan, balanceMc: account.balanceMc, usage };
  }

  private async usageList(em: SqlEntityManager, account: Account): Promise<{ action: string; count: number }[]> {
    const rows = await em.find(UsageCounter, { accountId: account.id, cycleStart: account.cycleStart }, { orderBy: { action: 'asc' } });
    return rows.map((r) => ({ action: r.action, count: r.count }));
  }

  private async refundedMc(em: SqlEntityManager, chargeId: string): Promise<number> {
    const rows = await em.execute<{ total: number | string | null }[]>('select sum(amount_mc) as total from ledger_entry where charge_id = ? and kind = ?', [chargeId, 'refund']);
    return Number(rows[0]?.total ?? 0);
  }

  /** Logs a decision in the caller's transaction. */
  private async log(em: SqlEntityManager, ...row: Parameters<typeof logRow>): Promise<void> {
    await insertDecisionRows(em, [logRow(...row)]);
  }

  /** A denied charge or hold changed nothing; the decision is still logged. */
  private async logDenial(e: unknown, kind: DecisionKind, req: ActionRequest, caller: Caller, now: Date): Promise<void> {
    if (!(e instanceof DecisionDenied)) return;
    const em = this.fork();
    const account = await em.findOne(Account, { id: req.accountId });
    if (account) await this.log(em, kind, account, req, e.decision, caller, now, undefined, e.state);
  }

  private async audit(em: SqlEntityManager, caller: Caller, event: string, target: string, details: Record<string, unknown>, now: Date): Promise<void> {
    await em.insert(AuditEvent, { actor: caller.actor, event, target, details, createdAt: now });
  }
}

/** A decision-log row. The decision is kept by reference: rows are serialised on insert, never mutated. */
function logRow(
  kind: DecisionKind,
  account: Pick<Account, 'id' | 'plan' | 'balanceMc'>,
  req: ActionRequest,
  decision: Decision,
  caller: Caller,
  now: Date,
  chargeId?: string,
  state?: { balanceMc: number; usage: Record<string, number> },
): DecisionLogRow {
  return {
    kind,
    accountId: account.id,
    plan: account.plan,
    action: req.action,
    params: { ...(req.params ?? {}) },
    confirm: req.confirm ?? false,
    balanceMc: state?.balanceMc ?? account.balanceMc,
    usage: state?.usage ?? {},
    allowed: decision.allowed,
    costMc: decision.costMillicredits,
    reasons: decision.reasons.map((r) => r.code).join(','),
    decision: decision as unknown as object,
    rulesetVersion: decision.rulesetVersion,
    chargeId: chargeId ?? null,
    apiKeyId: caller.apiKeyId ?? null,
    createdAt: now,
  };
}

function chargeHash(req: ActionRequest): string {
  return hashOf({ op: 'charge', accountId: req.accountId, action: req.action, params: req.params ?? {}, confirm: req.confirm ?? false });
}

function reused(key: string): LedgerError {
  return new LedgerError('IDEMPOTENCY_KEY_REUSED', `idempotency key \`${key}\` was already used with a different request`, { key });
}

function toRequest(req: ActionRequest): { action: string; params: Readonly<Record<string, unknown>>; confirm: boolean } {
  return { action: req.action, params: req.params ?? {}, confirm: req.confirm ?? false };
}

function notFound(id: string): LedgerError {
  return new LedgerError('ACCOUNT_NOT_FOUND', `account \`${id}\` does not exist`, { accountId: id });
}

function unknownPlan(compiled: CompiledRuleSet, plan: string): LedgerError {
  return new LedgerError('UNKNOWN_PLAN', `\`${plan}\` is not a plan; plans are ${[...compiled.plans.keys()].map((p) => `\`${p}\``).join(', ')}`, { plan });
}
