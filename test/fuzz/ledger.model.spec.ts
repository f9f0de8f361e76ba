import fc from 'fast-check';
import { enumerateValues, type Param } from '@ratecard/dsl';
import { decide, type CompiledRuleSet, type Decision } from '@ratecard/engine';
import { DecisionDenied, Ledger, LedgerError, openDatabase, StaticRules, verifyLedger, type Database } from '@ratecard/ledger';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { compileBundled } from '../support/rules';
import { runs } from './runs';

// Random sequences of ledger operations (charges with fresh and reused idempotency keys, holds,
// captures by params or amount, releases, partial and over-refunds, grants, plan changes) and of
// clock moves (past hold expiries, past billing dates), run against `Ledger` on a real database
// and against a small model of balances, held credits, usage and the cycle policy of
// rules/plans.yaml. Prices come from the engine (`decide`); everything else the model works out
// itself. After every command the two agree, and the ledger verifies clean at the end.

const START = new Date('2026-03-20T12:00:00.000Z');
const caller = { actor: 'model-test' };
const UNKNOWN_ACCOUNT = 'no-such-account';

// ------------------------------------------------------------------ the model

interface ModelAccount {
  readonly id: string;
  readonly anchor: number;
  plan: string;
  pending: string | null;
  cycleStart: Date;
  cycleEnd: Date;
  balance: number;
  held: number;
  /** Uses per `cycleStart ms|action`. */
  readonly usage: Map<string, number>;
  /** This cycle's allowance grants (the ones recorded with a plan). */
  grants: { plan: string; mc: number }[];
}

interface ModelHold {
  readonly id: string;
  readonly accountId: string;
  readonly action: string;
  readonly confirm: boolean;
  readonly amount: number;
  readonly cycleStart: Date;
  readonly expiresAt: Date;
  status: 'active' | 'captured' | 'released' | 'expired';
}

interface ModelCharge {
  readonly id: string;
  readonly accountId: string;
  readonly cost: number;
  refunded: number;
}

/** What a stored idempotency key answers: the same request replays, another one is refused. */
interface StoredKey {
  /** The request's identity (see {@link identity}). */
  readonly request: string;
  readonly id: string;
}

interface Model {
  readonly run: string;
  now: Date;
  readonly accounts: ModelAccount[];
  readonly holds: ModelHold[];
  readonly charges: ModelCharge[];
  /** By `scope:key`. */
  readonly keys: Map<string, StoredKey>;
  /** Keys used so far (stored or not), with the request sent, to reuse. */
  readonly usedKeys: { scope: string; key: string; request: Record<string, unknown> }[];
  counter: number;
}

interface Real {
  readonly ledger: Ledger;
}

/** The billing cycle around `now` for an anchor day, clamped to short months, in UTC. */
function cycleOf(anchor: number, now: Date): { start: Date; end: Date } {
  const at = (y: number, m: number): Date => new Date(Date.UTC(y, m, Math.min(anchor, new Date(Date.UTC(y, m + 1, 0)).getUTCDate())));
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const start = now.getTime() >= at(y, m).getTime() ? at(y, m) : at(y, m - 1);
  return { start, end: at(start.getUTCFullYear(), start.getUTCMonth() + 1) };
}

const usageKey = (cycleStart: Date, action: string): string => `${cycleStart.getTime()}|${action}`;

/** A request as a canonical string: what makes two requests "the same" for an idempotency key. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/**
 * When two requests are "the same" for an idempotency key: absent parameters are `{}`, absent
 * `confirm` is false, an absent hold lifetime is the default (900 s), an absent refund amount is the
 * rest of the charge.
 */
function identity(scope: string, r: Record<string, unknown>): string {
  if (scope === 'refund') return canonical({ chargeId: r.chargeId, amountMc: r.amountMc ?? null });
  return canonical({ accountId: r.accountId, action: r.action, params: r.params ?? {}, confirm: r.confirm ?? false, ...(scope === 'hold' ? { ttl: r.ttlSeconds ?? 900 } : {}) });
}

/** The cycle policy and the plans, read from the rules; the model applies them itself. */
class Policy {
  constructor(readonly compiled: CompiledRuleSet) {}

  get cycle() {
    return this.compiled.ruleset.cycle;
  }

  rank(plan: string): number {
    return this.compiled.ruleset.plans.findIndex((p) => p.id === plan);
  }

  allowance(plan: string): number {
    return this.compiled.ruleset.plans.find((p) => p.id === plan)!.allowanceMc;
  }

  hasQuota(plan: string, action: string): boolean {
    return (this.compiled.ruleset.plans.find((p) => p.id === plan)?.quotas ?? {})[action] !== undefined;
  }
}

/**
 * Credits a hold gives back return to the balance, except that credits reserved before the last
 * billing date belong to the cycle that ended: when unused credits expire, so do they.
 */
function giveBack(p: Policy, a: ModelAccount, h: ModelHold, mc: number): void {
  if (h.cycleStart.getTime() < a.cycleStart.getTime() && p.cycle.unused === 'expire') return;
  a.balance += mc;
}

/** Closes a hold: its reservation leaves `held`, the rest returns, its use no longer counts. */
function closeHold(p: Policy, a: ModelAccount, h: ModelHold, status: ModelHold['status'], returned: number): void {
  a.held -= h.amount;
  giveBack(p, a, h, returned);
  h.status = status;
}

/** Expired holds released, then an ended cycle rolled over: what the ledger does before anything else. */
function touch(m: Model, p: Policy, a: ModelAccount): void {
  // Every hold that expired, free ones too: an expired hold is no longer active, whatever it reserved.
  for (const h of m.holds.filter((x) => x.accountId === a.id && x.status === 'active' && x.expiresAt.getTime() <= m.now.getTime())) {
    closeHold(p, a, h, 'expired', h.amount);
    a.usage.set(usageKey(h.cycleStart, h.action), (a.usage.get(usageKey(h.cycleStart, h.action)) ?? 0) - 1);
  }
  if (m.now.getTime() < a.cycleEnd.getTime()) return;
  const unused = a.balance;
  a.balance = 0;
  if (a.pending) {
    a.plan = a.pending;
    a.pending = null;
  }
  const cycle = cycleOf(a.anchor, m.now);
  a.cycleStart = cycle.start;
  a.cycleEnd = cycle.end;
  if (p.cycle.unused === 'roll-over') a.balance += unused;
  a.balance += p.allowance(a.plan);
  a.grants = [{ plan: a.plan, mc: p.allowance(a.plan) }];
}

function touchAll(m: Model, p: Policy): void {
  for (const a of m.accounts) touch(m, p, a);
}

/** What the ledger's decision sees: plan, spendable balance, this cycle's usage of a quota'd action. */
function decideFor(p: Policy, m: Model, a: ModelAccount, req: { action: string; params?: Record<string, unknown>; confirm?: boolean }): Decision {
  const usage = p.hasQuota(a.plan, req.action) ? { [req.action]: a.usage.get(usageKey(a.cycleStart, req.action)) ?? 0 } : {};
  return decide(p.compiled, { plan: a.plan, balanceMc: a.balance, usage }, { action: req.action, params: req.params ?? {}, confirm: req.confirm ?? false }, m.now);
}

// ------------------------------------------------------------------ outcomes

type Outcome = { ok: Record<string, unknown> } | { error: string };

/** A denial with its reasons and price, or a ledger error code. */
function errorOf(e: unknown): string {
  if (e instanceof DecisionDenied) return `DENIED ${e.decision.reasons.map((r) => r.code).join(',')} ${e.decision.costMillicredits}`;
  if (e instanceof LedgerError) return e.code;
  throw e;
}

const denied = (d: Decision): Outcome => ({ error: `DENIED ${d.reasons.map((r) => r.code).join(',')} ${d.costMillicredits}` });

async function attempt<T>(fn: () => Promise<T>): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await fn() };
  } catch (e) {
    return { error: errorOf(e) };
  }
}

/** The model's accounts and the database's, as the ledger shows them at the model's time. */
async function expectAgreement(m: Model, r: Real, what: string): Promise<void> {
  for (const a of m.accounts) {
    const real = await r.ledger.getAccount(a.id, m.now);
    const usage = Object.fromEntries(real.usage.filter((u) => u.used !== 0).map((u) => [u.action, u.used]));
    const modelUsage = Object.fromEntries(
      [...a.usage.entries()].filter(([k, n]) => k.startsWith(`${a.cycleStart.getTime()}|`) && n !== 0).map(([k, n]) => [k.slice(k.indexOf('|') + 1), n]),
    );
    expect({ after: what, account: a.id, plan: real.plan, pending: real.pendingPlan, balance: real.balanceMillicredits, held: real.heldMillicredits, cycle: real.cycle.start, usage }).toEqual({
      after: what,
      account: a.id,
      plan: a.plan,
      pending: a.pending,
      balance: a.balance,
      held: a.held,
      cycle: a.cycleStart.toISOString(),
      usage: modelUsage,
    });
  }
}

function expectOutcome(actual: { value: unknown } | { error: string }, expected: Outcome, what: string): void {
  if ('error' in expected) expect({ what, outcome: 'error' in actual ? actual.error : 'succeeded' }).toEqual({ what, outcome: expected.error });
  else {
    expect({ what, outcome: 'error' in actual ? actual.error : 'succeeded' }).toEqual({ what, outcome: 'succeeded' });
    expect({ what, ...(actual as { value: Record<string, unknown> }).value }).toMatchObject({ what, ...expected.ok });
  }
}

// ------------------------------------------------------------------ commands

type Cmd = fc.AsyncCommand<Model, Real>;

const account = (m: Model, i: number): ModelAccount | undefined => m.accounts[i];
const accountId = (m: Model, i: number): string => account(m, i)?.id ?? `${m.run}-${UNKNOWN_ACCOUNT}`;

/** A fresh key, or one used before in this run (same request or not). */
interface KeyChoice {
  readonly reuse: boolean;
  readonly pick: number;
}

function chooseKey<T extends Record<string, unknown>>(m: Model, scope: string, choice: KeyChoice, fresh: T): { key: string; request: T } {
  const earlier = m.usedKeys.filter((k) => k.scope === scope);
  let chosen: { key: string; request: T };
  if (choice.reuse && earlier.length > 0) {
    const k = earlier[choice.pick % earlier.length];
    // Half the reuses send the same request again (a retry), half another one (a bug in the caller).
    chosen = { key: k.key, request: choice.pick % 2 === 0 ? (k.request as T) : fresh };
  } else chosen = { key: `${m.run}-${scope}-${++m.counter}`, request: fresh };
  m.usedKeys.push({ scope, ...chosen });
  return chosen;
}

interface ActionInput {
  readonly action: string;
  readonly params?: Record<string, unknown>;
  readonly confirm?: boolean;
}

class ChargeCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly acct: number,
    readonly input: ActionInput,
    readonly keyChoice: KeyChoice,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const { key, request: req } = chooseKey(m, 'charge', this.keyChoice, { accountId: accountId(m, this.acct), ...this.input });
    const what = `${this} with key ${key}: ${JSON.stringify(req)}`;
    const stored = m.keys.get(`charge:${key}`);
    const a = m.accounts.find((x) => x.id === req.accountId);
    let expected: Outcome;
    let decision: Decision | undefined;
    if (stored) expected = stored.request === identity('charge', req) ? { ok: { replayed: true, id: stored.id } } : { error: 'IDEMPOTENCY_KEY_REUSED' };
    else if (!a) expected = { error: 'ACCOUNT_NOT_FOUND' };
    else {
      decision = decideFor(this.p, m, a, req);
      expected = decision.allowed ? { ok: { replayed: false, costMillicredits: decision.costMillicredits } } : denied(decision);
    }
    const actual = await attempt(async () => {
      const res = await r.ledger.charge(req, key, m.now, caller);
      return { replayed: res.replayed, costMillicredits: res.body.costMillicredits, id: res.body.id };
    });
    expectOutcome(actual, expected, what);
    if ('value' in actual && !stored && a && decision) {
      a.balance -= decision.costMillicredits;
      a.usage.set(usageKey(a.cycleStart, req.action), (a.usage.get(usageKey(a.cycleStart, req.action)) ?? 0) + 1);
      m.keys.set(`charge:${key}`, { request: identity('charge', req), id: actual.value.id });
      m.charges.push({ id: actual.value.id, accountId: a.id, cost: decision.costMillicredits, refunded: 0 });
    }
    await expectAgreement(m, r, what);
  }
  toString = (): string => `charge(account ${this.acct}, ${JSON.stringify(this.input)}, ${this.keyChoice.reuse ? `reuse key ${this.keyChoice.pick}` : 'fresh key'})`;
}

class HoldCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly acct: number,
    readonly input: ActionInput,
    readonly ttl: number | undefined,
    readonly keyChoice: KeyChoice,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const fresh = { accountId: accountId(m, this.acct), ...this.input, ...(this.ttl !== undefined ? { ttlSeconds: this.ttl } : {}) };
    const { key, request: req } = chooseKey(m, 'hold', this.keyChoice, fresh);
    const what = `${this} with key ${key}: ${JSON.stringify(req)}`;
    const stored = m.keys.get(`hold:${key}`);
    const a = m.accounts.find((x) => x.id === req.accountId);
    let expected: Outcome;
    let decision: Decision | undefined;
    if (stored) expected = stored.request === identity('hold', req) ? { ok: { replayed: true, id: stored.id } } : { error: 'IDEMPOTENCY_KEY_REUSED' };
    else if (!a) expected = { error: 'ACCOUNT_NOT_FOUND' };
    else {
      decision = decideFor(this.p, m, a, req);
      expected = decision.allowed ? { ok: { replayed: false, amountMillicredits: decision.costMillicredits, expiresAt: new Date(m.now.getTime() + (req.ttlSeconds ?? 900) * 1000).toISOString() } } : denied(decision);
    }
    const actual = await attempt(async () => {
      const res = await r.ledger.hold(req, key, m.now, caller);
      return { replayed: res.replayed, amountMillicredits: res.body.amountMillicredits, id: res.body.id, expiresAt: res.body.expiresAt };
    });
    expectOutcome(actual, expected, what);
    if ('value' in actual && !stored && a && decision) {
      a.balance -= decision.costMillicredits;
      a.held += decision.costMillicredits;
      a.usage.set(usageKey(a.cycleStart, req.action), (a.usage.get(usageKey(a.cycleStart, req.action)) ?? 0) + 1);
      m.keys.set(`hold:${key}`, { request: identity('hold', req), id: actual.value.id });
      const expiresAt = new Date(m.now.getTime() + (req.ttlSeconds ?? 900) * 1000);
      m.holds.push({ id: actual.value.id, accountId: a.id, action: req.action, confirm: req.confirm ?? false, amount: decision.costMillicredits, cycleStart: a.cycleStart, expiresAt, status: 'active' });
    }
    await expectAgreement(m, r, what);
  }
  toString = (): string => `hold(account ${this.acct}, ${JSON.stringify(this.input)}, ttl ${this.ttl}, ${this.keyChoice.reuse ? `reuse key ${this.keyChoice.pick}` : 'fresh key'})`;
}

/** The same charge several times in a row, each with its own key: how balances and quotas run out. */
class BurstCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly acct: number,
    readonly input: ActionInput,
    readonly times: number,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    for (let i = 0; i < this.times; i++) await new ChargeCommand(this.p, this.acct, this.input, { reuse: false, pick: 0 }).run(m, r);
  }
  toString = (): string => `burst(account ${this.acct}, ${JSON.stringify(this.input)} x${this.times})`;
}

type CaptureBy = { by: 'whole' } | { by: 'params'; params: Record<string, unknown> } | { by: 'amount'; fraction: number; over: boolean };

class CaptureCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly pick: number,
    readonly how: CaptureBy,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const hold = m.holds.length ? m.holds[this.pick % m.holds.length] : undefined;
    const what = `${this} of ${hold?.id ?? 'no hold'}`;
    let input: { params?: Record<string, unknown>; amountMc?: number } = {};
    let expected: Outcome;
    let amount = 0;
    if (!hold) expected = { error: 'HOLD_NOT_FOUND' };
    else {
      if (this.how.by === 'params') input = { params: this.how.params };
      if (this.how.by === 'amount') input = { amountMc: this.how.over ? hold.amount + 1 + Math.floor(this.how.fraction * 1000) : Math.floor(hold.amount * this.how.fraction) };
      const a = m.accounts.find((x) => x.id === hold.accountId)!;
      amount = hold.amount;
      expected = { ok: {} };
      if (hold.status !== 'active') expected = { error: 'HOLD_NOT_ACTIVE' };
      else if (input.amountMc !== undefined) {
        if (input.amountMc > hold.amount) expected = { error: 'CAPTURE_EXCEEDS_HOLD' };
        else amount = input.amountMc;
      } else if (input.params !== undefined) {
        // The actual parameters' price, whatever the balance or quota: the credits are already reserved.
        const d = decide(this.p.compiled, { plan: a.plan, balanceMc: Number.MAX_SAFE_INTEGER, usage: {} }, { action: hold.action, params: input.params, confirm: hold.confirm }, m.now);
        if (d.reasons.some((x) => ['INVALID_PARAMS', 'UNKNOWN_ACTION', 'PLAN_REQUIRED'].includes(x.code))) expected = denied(d);
        else amount = Math.min(hold.amount, d.costMillicredits);
      }
      if ('ok' in expected) expected = { ok: { costMillicredits: amount } };
    }
    const actual = await attempt(async () => {
      const res = await r.ledger.capture(hold?.id ?? `hold_${m.run}_none`, input, m.now, caller);
      return { costMillicredits: res.charge.costMillicredits, id: res.charge.id };
    });
    expectOutcome(actual, expected, what);
    if ('value' in actual && hold) {
      const a = m.accounts.find((x) => x.id === hold.accountId)!;
      closeHold(this.p, a, hold, 'captured', hold.amount - amount);
      m.charges.push({ id: actual.value.id, accountId: a.id, cost: amount, refunded: 0 });
    }
    await expectAgreement(m, r, what);
  }
  toString = (): string => `capture(hold ${this.pick}, ${JSON.stringify(this.how)})`;
}

class ReleaseCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly pick: number,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const hold = m.holds.length ? m.holds[this.pick % m.holds.length] : undefined;
    const what = `${this} of ${hold?.id ?? 'no hold'}`;
    const expected: Outcome = !hold ? { error: 'HOLD_NOT_FOUND' } : hold.status !== 'active' ? { error: 'HOLD_NOT_ACTIVE' } : { ok: { status: 'released' } };
    const actual = await attempt(async () => ({ status: (await r.ledger.release(hold?.id ?? `hold_${m.run}_none`, m.now, caller)).status }));
    expectOutcome(actual, expected, what);
    if ('value' in actual && hold) {
      const a = m.accounts.find((x) => x.id === hold.accountId)!;
      closeHold(this.p, a, hold, 'released', hold.amount);
      a.usage.set(usageKey(hold.cycleStart, hold.action), (a.usage.get(usageKey(hold.cycleStart, hold.action)) ?? 0) - 1);
    }
    await expectAgreement(m, r, what);
  }
  toString = (): string => `release(hold ${this.pick})`;
}

type RefundHow = { by: 'rest' } | { by: 'part'; fraction: number } | { by: 'over'; extra: number } | { by: 'zero' };

class RefundCommand implements Cmd {
  constructor(
    readonly pick: number,
    readonly how: RefundHow,
    readonly keyChoice: KeyChoice | undefined,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const charge = m.charges.length ? m.charges[this.pick % m.charges.length] : undefined;
    const chargeId = charge?.id ?? `ch_${m.run}_none`;
    const remaining = charge ? charge.cost - charge.refunded : 0;
    const amountMc =
      this.how.by === 'rest' ? undefined : this.how.by === 'zero' ? 0 : this.how.by === 'over' ? remaining + this.how.extra : Math.max(1, Math.floor(remaining * this.how.fraction));
    const fresh: { chargeId: string; amountMc?: number } = { chargeId, ...(amountMc !== undefined ? { amountMc } : {}) };
    const chosen = this.keyChoice ? chooseKey(m, 'refund', this.keyChoice, fresh) : undefined;
    const req = chosen?.request ?? fresh;
    const target = m.charges.find((c) => c.id === req.chargeId);
    const what = `${this} of ${req.chargeId} (${req.amountMc ?? 'the rest'} mc) with ${chosen ? `key ${chosen.key}` : 'no key'}`;
    const stored = chosen ? m.keys.get(`refund:${chosen.key}`) : undefined;
    let expected: Outcome;
    let amount = 0;
    if (stored) expected = stored.request === identity('refund', req) ? { ok: { replayed: true } } : { error: 'IDEMPOTENCY_KEY_REUSED' };
    else if (!target) expected = { error: 'CHARGE_NOT_FOUND' };
    else {
      const left = target.cost - target.refunded;
      amount = req.amountMc ?? left;
      expected = amount <= 0 || amount > left ? { error: 'REFUND_EXCEEDS_CHARGE' } : { ok: { replayed: false, refundedMillicredits: amount } };
    }
    const actual = await attempt(async () => {
      const res = await r.ledger.refund(req.chargeId, req.amountMc !== undefined ? { amountMc: req.amountMc } : {}, chosen?.key, m.now, caller);
      return { replayed: res.replayed, refundedMillicredits: res.body.refundedMillicredits };
    });
    expectOutcome(actual, expected, what);
    if ('value' in actual && !stored && target) {
      const a = m.accounts.find((x) => x.id === target.accountId)!;
      a.balance += amount;
      target.refunded += amount;
      if (chosen) m.keys.set(`refund:${chosen.key}`, { request: identity('refund', req), id: target.id });
    }
    await expectAgreement(m, r, what);
  }
  toString = (): string => `refund(charge ${this.pick}, ${JSON.stringify(this.how)}, ${this.keyChoice ? (this.keyChoice.reuse ? `reuse key ${this.keyChoice.pick}` : 'fresh key') : 'no key'})`;
}

class GrantCommand implements Cmd {
  constructor(
    readonly acct: number,
    readonly amountMc: number,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const a = account(m, this.acct);
    const what = `${this}`;
    const actual = await attempt(async () => ({ balanceMillicredits: (await r.ledger.grant(accountId(m, this.acct), { amountMc: this.amountMc, reason: 'model test' }, undefined, m.now, caller)).body.balanceMillicredits }));
    expectOutcome(actual, a ? { ok: { balanceMillicredits: a.balance + this.amountMc } } : { error: 'ACCOUNT_NOT_FOUND' }, what);
    if (a) a.balance += this.amountMc;
    await expectAgreement(m, r, what);
  }
  toString = (): string => `grant(account ${this.acct}, ${this.amountMc} mc)`;
}

class ChangePlanCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly acct: number,
    readonly to: string,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const a = account(m, this.acct);
    const what = `${this}`;
    let expected: Outcome;
    let apply: (() => void) | undefined;
    if (this.p.rank(this.to) < 0) expected = { error: 'UNKNOWN_PLAN' };
    else if (!a) expected = { error: 'ACCOUNT_NOT_FOUND' };
    else {
      const from = this.p.rank(a.plan);
      const to = this.p.rank(this.to);
      const { cycle } = this.p;
      if (to === from) {
        expected = { ok: { kind: 'same' } };
        apply = () => void (a.pending = null);
      } else if (to < from) {
        expected = { ok: { kind: 'downgrade' } };
        apply = () => {
          if (cycle.downgrade === 'immediate') {
            a.plan = this.to;
            a.pending = null;
          } else a.pending = this.to;
        };
      } else {
        // An upgrade: now. Unused credits carry over or expire; the new allowance once per plan per cycle.
        const allowance = this.p.allowance(this.to);
        const granted = a.grants.reduce((s, g) => s + g.mc, 0);
        const grant = a.grants.some((g) => g.plan === this.to) ? 0 : cycle.upgradeGrant === 'full' ? allowance : Math.max(0, allowance - granted);
        expected = { ok: { kind: 'upgrade', grantMc: grant } };
        apply = () => {
          if (cycle.upgrade === 'expire') a.balance = 0;
          a.plan = this.to;
          a.pending = null;
          if (grant > 0) {
            a.balance += grant;
            a.grants.push({ plan: this.to, mc: grant });
          }
        };
      }
    }
    const actual = await attempt(async () => {
      const res = await r.ledger.changePlan(accountId(m, this.acct), this.to, m.now, caller);
      return { kind: res.change.kind, grantMc: res.change.grantMc };
    });
    expectOutcome(actual, expected, what);
    if ('value' in actual) apply?.();
    await expectAgreement(m, r, what);
  }
  toString = (): string => `changePlan(account ${this.acct}, ${this.to})`;
}

type Advance = { to: 'later'; minutes: number } | { to: 'cycle end'; plusMinutes: number } | { to: 'hold expiry'; plusSeconds: number };

class AdvanceClockCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly how: Advance,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const at = m.now.getTime();
    if (this.how.to === 'later') m.now = new Date(at + this.how.minutes * 60_000);
    else if (this.how.to === 'cycle end') m.now = new Date(Math.min(...m.accounts.map((a) => a.cycleEnd.getTime())) + this.how.plusMinutes * 60_000);
    else {
      const next = m.holds.filter((h) => h.status === 'active').map((h) => h.expiresAt.getTime());
      if (next.length) m.now = new Date(Math.min(...next) + this.how.plusSeconds * 1000);
    }
    if (m.now.getTime() < at) m.now = new Date(at);
    touchAll(m, this.p);
    await expectAgreement(m, r, `${this} to ${m.now.toISOString()}`);
  }
  toString = (): string => `advance(${JSON.stringify(this.how)})`;
}

// ------------------------------------------------------------------ arbitraries

/** A value the parameter allows. */
function validValue(p: Param): fc.Arbitrary<unknown> {
  const values = enumerateValues(p);
  if (values) return fc.constantFrom(...values);
  if (p.type === 'integer') return fc.integer({ min: p.min ?? 0, max: p.max ?? 100 });
  if (p.type === 'number') return fc.double({ min: p.min ?? 0, max: p.max ?? 100, noNaN: true });
  if (p.type === 'boolean') return fc.boolean();
  return fc.string({ maxLength: 8 });
}

function actionInput(compiled: CompiledRuleSet): fc.Arbitrary<ActionInput> {
  const actions = [...compiled.actions.keys()];
  return fc
    // The dear and the quota'd actions more often, so that balances and quotas run out.
    .oneof(
      { weight: 8, arbitrary: fc.constantFrom(...actions) },
      { weight: 6, arbitrary: fc.constantFrom('video.generate', 'site.generate', 'site.regenerate', 'image.generate') },
      { weight: 1, arbitrary: fc.constant('no.such.action') },
    )
    .chain((action) => {
      const params = compiled.actions.get(action)?.params ?? new Map<string, Param>();
      const valid = fc.record(Object.fromEntries([...params].map(([name, p]) => [name, validValue(p)])), { requiredKeys: [] });
      const invalid = fc.dictionary(fc.constantFrom('seconds', 'model', 'resolution', 'tier', 'colour'), fc.oneof(fc.integer({ min: -1, max: 20 }), fc.constantFrom('8k', 'hd', 'x')), { minKeys: 1, maxKeys: 2 });
      return fc.record(
        {
          action: fc.constant(action),
          params: fc.option(fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: invalid }), { nil: undefined }),
          confirm: fc.option(fc.boolean(), { nil: undefined }),
        },
        { requiredKeys: ['action'] },
      );
    })
    .map((input) => Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as unknown as ActionInput);
}

function commandsFor(p: Policy): fc.Arbitrary<Cmd>[] {
  // 2 is an account that does not exist.
  const acct = fc.oneof({ weight: 10, arbitrary: fc.nat({ max: 1 }) }, { weight: 1, arbitrary: fc.constant(2) });
  const key: fc.Arbitrary<KeyChoice> = fc.record({ reuse: fc.boolean(), pick: fc.nat({ max: 50 }) });
  const input = actionInput(p.compiled);
  const plans = p.compiled.ruleset.plans.map((x) => x.id);
  return [
    // Charges and holds three and two times as often as the rest: fc.commands picks its arbitraries alike.
    ...[1, 2, 3].map(() => fc.tuple(acct, input, key).map(([a, i, k]) => new ChargeCommand(p, a, i, k))),
    fc.tuple(acct, input, fc.integer({ min: 2, max: 8 })).map(([a, i, n]) => new BurstCommand(p, a, i, n)),
    ...[1, 2].map(() => fc.tuple(acct, input, fc.option(fc.constantFrom(60, 3600, 86_400), { nil: undefined }), key).map(([a, i, t, k]) => new HoldCommand(p, a, i, t, k))),
    fc
      .tuple(
        fc.nat({ max: 50 }),
        fc.oneof(
          fc.constant<CaptureBy>({ by: 'whole' }),
          input.map((i): CaptureBy => ({ by: 'params', params: i.params ?? {} })),
          fc.record({ by: fc.constant('amount' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }), over: fc.boolean() }),
        ),
      )
      .map(([h, how]) => new CaptureCommand(p, h, how)),
    fc.nat({ max: 50 }).map((h) => new ReleaseCommand(p, h)),
    fc
      .tuple(
        fc.nat({ max: 50 }),
        fc.oneof(
          { weight: 2, arbitrary: fc.constant<RefundHow>({ by: 'rest' }) },
          { weight: 3, arbitrary: fc.record({ by: fc.constant('part' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
          { weight: 1, arbitrary: fc.record({ by: fc.constant('over' as const), extra: fc.integer({ min: 1, max: 5000 }) }) },
          { weight: 1, arbitrary: fc.constant<RefundHow>({ by: 'zero' }) },
        ),
        fc.option(key, { nil: undefined }),
      )
      .map(([c, how, k]) => new RefundCommand(c, how, k)),
    fc.tuple(acct, fc.integer({ min: 1, max: 300_000 })).map(([a, n]) => new GrantCommand(a, n)),
    fc.tuple(acct, fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...plans) }, { weight: 1, arbitrary: fc.constant('gold') })).map(([a, to]) => new ChangePlanCommand(p, a, to)),
    fc
      .oneof(
        { weight: 3, arbitrary: fc.record({ to: fc.constant('later' as const), minutes: fc.integer({ min: 1, max: 120 }) }) },
        { weight: 1, arbitrary: fc.record({ to: fc.constant('later' as const), minutes: fc.integer({ min: 1, max: 60 * 24 * 40 }) }) },
        { weight: 1, arbitrary: fc.record({ to: fc.constant('cycle end' as const), plusMinutes: fc.integer({ min: 0, max: 90 }) }) },
        { weight: 2, arbitrary: fc.record({ to: fc.constant('hold expiry' as const), plusSeconds: fc.integer({ min: -1, max: 30 }) }) },
      )
      .map((how) => new AdvanceClockCommand(p, how)),
  ];
}

// ------------------------------------------------------------------ the property

describe.each(DATABASE_KINDS)(`${Ledger.name} against a model on %s`, (kind) => {
  let db: Database;
  let ledger: Ledger;
  let policy: Policy;
  let runId = 0;

  beforeAll(async () => {
    db = await openDatabase(await freshDatabase(kind));
    await db.migrate();
    const compiled = await compileBundled();
    policy = new Policy(compiled);
    ledger = new Ledger(db, new StaticRules(compiled));
  }, 60_000);

  afterAll(async () => {
    await ledger?.close();
    await db?.close();
  });

  it('agrees with the model after every command, and the ledger verifies clean', async () => {
    const plans = policy.compiled.ruleset.plans.map((p) => p.id);
    const accounts = fc.array(fc.record({ plan: fc.oneof(fc.constant(plans[0]), fc.constantFrom(...plans)), anchor: fc.oneof(fc.integer({ min: 1, max: 31 }), fc.constantFrom(20, 21, 31)) }), { minLength: 2, maxLength: 2 });
    await fc.assert(
      fc.asyncProperty(accounts, fc.commands(commandsFor(policy), { maxCommands: 40, size: 'max' }), async (specs, cmds) => {
        const setup = async (): Promise<{ model: Model; real: Real }> => {
          const run = `m${++runId}-${Math.random().toString(36).slice(2, 8)}`;
          const model: Model = { run, now: new Date(START), accounts: [], holds: [], charges: [], keys: new Map(), usedKeys: [], counter: 0 };
          for (const [i, s] of specs.entries()) {
            const id = `${run}-a${i}`;
            await ledger.createAccount({ id, plan: s.plan, billingAnchor: s.anchor }, model.now, caller);
            const cycle = cycleOf(s.anchor, model.now);
            const allowance = policy.allowance(s.plan);
            model.accounts.push({ id, anchor: s.anchor, plan: s.plan, pending: null, cycleStart: cycle.start, cycleEnd: cycle.end, balance: allowance, held: 0, usage: new Map(), grants: [{ plan: s.plan, mc: allowance }] });
          }
          return { model, real: { ledger } };
        };
        await fc.asyncModelRun(setup, cmds);
      }),
      { numRuns: runs(25) },
    );
    const report = await verifyLedger(db);
    expect(report.problems).toEqual([]);
    expect(report.accounts).toBeGreaterThan(0);
  }, 600_000);

  // The counterexample the model found, shrunk: hold(site.download), clock past the hold's expiry.
  it('regression: a hold that reserves nothing expires like any other', async () => {
    const at = new Date(START);
    const id = `free-hold-${++runId}`;
    await ledger.createAccount({ id, plan: 'basic', billingAnchor: 20 }, at, caller);
    const hold = (await ledger.hold({ accountId: id, action: 'site.download', ttlSeconds: 60 }, `${id}-h`, at, caller)).body;
    expect([hold.amountMillicredits, (await ledger.getAccount(id, at)).usage.find((u) => u.action === 'site.download')?.used]).toEqual([0, 1]);

    const later = new Date(at.getTime() + 60_000);
    expect((await ledger.getHold(hold.id, later)).status).toBe('expired');
    await expect(ledger.capture(hold.id, {}, later, caller)).rejects.toMatchObject({ code: 'HOLD_NOT_ACTIVE' });
    expect((await ledger.getAccount(id, later)).usage.filter((u) => u.used > 0)).toEqual([]);
  });
});
