import type { Millicredits } from '@ratecard/dsl';
import { decide, usageCounted, type Decision } from '@ratecard/engine';
import * as accounts from './accounts';
import { ChargeQueue } from './charge-queue';
import type { Database } from './database';
import { DecisionLogWriter } from './decision-log-writer';
import * as holds from './holds';
import { HotReads } from './hot-reads';
import { WalCheckpointer } from './store/checkpointer';
import { newId } from './ids';
import type { ActionRequest, Caller, Idempotent, LedgerDeps } from './operation';
import { isStale, type AppliedPlanChange } from './planner/cycle';
import { decisionLogRow } from './planner/plan';
import { accountNotFound, readAccountView, readCharge, readEntries, readGrants, readHold, type ChargeDetail, type Page } from './reads';
import * as refunds from './refunds';
import type { RulesProvider } from './rules-provider';
import { fork, transaction } from './store/transactions';
import { sweep, type SweepResult } from './sweep';
import { withBooks } from './store/unit-of-work';
import type { AccountView, ChargeView, EntryView, GrantView, HoldView, RefundView } from './views';

export type { ActionRequest, Caller, Idempotent } from './operation';
export type { GrantedView, GrantInput } from './accounts';
export type { ChargeDetail, Page } from './reads';
export type { AppliedPlanChange } from './planner/cycle';
export type { SweepResult } from './sweep';
export { DEFAULT_GRANT_PRIORITY } from './planner/grants';
export { MAX_GRANT_PRIORITY } from './accounts';
export { drawOrder } from './planner/draw';

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

/**
 * The credit ledger: accounts, their cycles, credit grants with their own expiry, and every credit
 * movement as an append-only entry (with the grants it moved credits from or to) written in the
 * same transaction as the change it records. Decisions come from the engine; the planner works out
 * what an operation writes; the writer applies it. This class is the façade the apps use.
 *
 * Concurrency: on PostgreSQL each operation locks its accounts' rows (`SELECT ... FOR UPDATE`, in
 * id order); SQLite runs one writer connection, so transactions are serialised. Either way the
 * balance check and the debit happen under the same lock, so a balance never goes below zero and
 * a key never charges twice.
 *
 * @example
 * const ledger = new Ledger(db, rules);
 * await ledger.createAccount({ id: 'acme', plan: 'basic' }, now, { actor: 'admin' });
 * const { body } = await ledger.charge({ accountId: 'acme', action: 'image.generate' }, 'key-1', now, caller);
 */
export class Ledger {
  private readonly holdTtl: number;
  private readonly maxHoldTtl: number;
  private readonly deps: LedgerDeps;
  private readonly charges: ChargeQueue;
  private readonly checkpointer: WalCheckpointer;

  constructor(db: Database, rules: RulesProvider, options: LedgerOptions = {}) {
    this.holdTtl = options.holdTtlSeconds ?? 900;
    this.maxHoldTtl = options.maxHoldTtlSeconds ?? 86_400;
    const logs = new DecisionLogWriter(db, 500, 20, options.onLogError);
    const reads = new HotReads(db);
    this.deps = { db, rules, reads, logs };
    this.checkpointer = new WalCheckpointer(db);
    this.charges = new ChargeQueue(db, rules, reads, logs, options.chargeBatch ?? 128, () => this.checkpointer.nudge());
  }

  /** Writes buffered quote log rows now (before reading the decision log in this process). */
  flushLogs(): Promise<void> {
    return this.deps.logs.flush();
  }

  /** Waits for queued charges and buffered log rows, and closes the read connections of its own; call on shutdown. */
  async close(): Promise<void> {
    while (this.charges.busy) await new Promise((r) => setTimeout(r, 5));
    await this.deps.logs.close();
    await this.deps.reads.close();
    await this.checkpointer.close();
  }

  /** Longest hold lifetime accepted, in seconds. */
  get maxHoldTtlSeconds(): number {
    return this.maxHoldTtl;
  }

  // ---------------------------------------------------------------- accounts and grants

  /** Creates an account and grants its plan's allowance for the current cycle. */
  createAccount(input: { id?: string; plan: string; billingAnchor?: number }, now: Date, caller: Caller): Promise<AccountView> {
    return accounts.createAccount(this.deps, input, now, caller);
  }

  /** The account as of `now` (brought up to date first), with its live grants in draw order. */
  async getAccount(id: string, now: Date): Promise<AccountView> {
    await this.current(id, now);
    return readAccountView(fork(this.deps.db), id, this.deps.rules.active(now), now);
  }

  /** A page of the account's ledger, newest first unless `order` is `asc`. */
  entries(id: string, page: { limit: number; cursor?: number; order?: 'asc' | 'desc' }): Promise<Page<EntryView>> {
    return readEntries(fork(this.deps.db), id, page);
  }

  /** A page of the account's grants, newest first (all, or only the live ones). */
  async grants(id: string, page: { limit: number; cursor?: string; status?: 'live' | 'all' }, now: Date): Promise<Page<GrantView, string>> {
    await this.current(id, now);
    return readGrants(fork(this.deps.db), id, page, now);
  }

  /** Changes the plan as the rules' cycle policy says. */
  changePlan(id: string, to: string, now: Date, caller: Caller): Promise<{ account: AccountView; change: AppliedPlanChange }> {
    return accounts.changePlan(this.deps, id, to, now, caller);
  }

  /** Grants credits with their own expiry (default: the cycle's end) and priority. */
  grant(id: string, input: accounts.GrantInput, key: string | undefined, now: Date, caller: Caller): Promise<Idempotent<accounts.GrantedView>> {
    return accounts.grant(this.deps, id, input, key, now, caller);
  }

  /** Grants a credit pack of the active rules that the customer bought, once per key. */
  grantPack(id: string, pack: string, key: string, now: Date, caller: Caller): Promise<Idempotent<accounts.GrantedView>> {
    return accounts.grantPack(this.deps, id, pack, key, now, caller);
  }

  // ---------------------------------------------------------------- decisions and charges

  /**
   * Decides against the account's live state. The only side effect is the decision log. Reads the
   * account in one statement; only an ended cycle or an expired hold or grant takes the locked path.
   */
  async quote(req: ActionRequest, now: Date, caller: Caller): Promise<Decision> {
    const compiled = this.deps.rules.active(now);
    let account = await this.deps.reads.account(req.accountId, req.action);
    if (!account) throw accountNotFound(req.accountId);
    if (isStale(account, now)) {
      await this.current(req.accountId, now);
      account = (await this.deps.reads.account(req.accountId, req.action))!;
    }
    const usage = usageCounted(compiled, account.plan, req.action) ? { [req.action]: account.used } : {};
    const state = { plan: account.plan, balanceMc: account.balanceMc, usage };
    const decision = decide(compiled, { ...state, cycleEnd: account.cycleEnd }, { action: req.action, params: req.params ?? {}, confirm: req.confirm ?? false }, now);
    this.deps.logs.push(decisionLogRow('quote', account, req, decision, { caller, now }, state));
    return decision;
  }

  /**
   * Decides and, if allowed, debits and counts usage in one transaction (group commit). The same
   * key with the same body returns the first response again; with another body it is refused. A
   * denial changes nothing (it is logged) and throws `DecisionDenied`.
   */
  charge(req: ActionRequest, key: string, now: Date, caller: Caller): Promise<Idempotent<ChargeView>> {
    return this.charges.charge(req, key, now, caller);
  }

  /** Reserves the quoted cost for a long job. Reserved credits are not spendable; the use counts now. */
  hold(req: ActionRequest & { ttlSeconds?: number }, key: string, now: Date, caller: Caller): Promise<Idempotent<HoldView>> {
    return holds.hold(this.deps, req, req.ttlSeconds ?? this.holdTtl, key, now, caller);
  }

  /** Charges a hold: the actual parameters' price (priced as the hold was), or an amount, never more than the hold. */
  capture(holdId: string, input: { params?: Record<string, unknown>; amountMc?: Millicredits }, now: Date, caller: Caller): Promise<{ charge: ChargeView; hold: HoldView }> {
    return holds.capture(this.deps, holdId, input, now, caller);
  }

  /** Frees a hold's credits and its quota. */
  release(holdId: string, now: Date, caller: Caller): Promise<HoldView> {
    return holds.release(this.deps, holdId, now, caller);
  }

  /** Refunds all or part of a charge to the grants that paid it; never more than was charged, across all refunds. */
  refund(chargeId: string, input: { amountMc?: Millicredits; reason?: string }, key: string | undefined, now: Date, caller: Caller): Promise<Idempotent<RefundView>> {
    return refunds.refund(this.deps, chargeId, input, key, now, caller);
  }

  /** A charge with its refunds so far, the balance right after it and the grants that paid it. */
  getCharge(chargeId: string): Promise<ChargeDetail> {
    return readCharge(fork(this.deps.db), chargeId);
  }

  /** A hold as it stands (an expired hold is released first). */
  async getHold(holdId: string, now: Date): Promise<HoldView> {
    const found = await readHold(fork(this.deps.db), holdId);
    await this.current(found.accountId, now);
    return readHold(fork(this.deps.db), holdId);
  }

  /**
   * Time-based events for accounts nobody touches (see {@link sweep}): brings up to `limit` stale
   * accounts up to date and notices grants expiring within `expiringWithinMs` (null: none).
   */
  sweep(now: Date, options: { expiringWithinMs: number | null; limit?: number }): Promise<SweepResult> {
    return sweep(this.deps, now, { expiringWithinMs: options.expiringWithinMs, limit: options.limit ?? 500 });
  }

  /** Brings an account up to `now` if it must be (an ended cycle, an expired hold or grant), under its lock. */
  private async current(id: string, now: Date): Promise<void> {
    const state = await this.deps.reads.account(id, '');
    if (!state) throw accountNotFound(id);
    if (!isStale(state, now)) return;
    await transaction(this.deps.db, (em) => withBooks(em, this.deps.db.kind, { compiled: this.deps.rules.active(now), now, caller: { actor: 'ledger' }, newId }, [id], {}, () => undefined));
  }
}
