import { decide, type Decision } from '@ratecard/engine';
import { balanceOf, closeHold, countUse, draw, isExpired, refund, type ModelCharge, type ModelHold, type Policy } from './credits';
import {
  accountId,
  attempt,
  begin,
  caller,
  chooseKey,
  decideFor,
  denied,
  expectAgreement,
  expectOutcome,
  findAccount,
  keyLabel,
  storedAnswer,
  storeKey,
  type Cmd,
  type KeyChoice,
  type Model,
  type Outcome,
  type Real,
} from './harness';

// The commands that spend and give back credits: charges, bursts, holds, captures, releases, refunds.

export interface ActionInput {
  readonly action: string;
  readonly params?: Record<string, unknown>;
  readonly confirm?: boolean;
}

export class ChargeCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly acct: number,
    readonly input: ActionInput,
    readonly keyChoice: KeyChoice,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    begin(m, this.p);
    const { key, request: req } = chooseKey(m, 'charge', this.keyChoice, { accountId: accountId(m, this.acct), ...this.input });
    const what = `${this} with key ${key}: ${JSON.stringify(req)}`;
    const a = findAccount(m, req.accountId);
    const stored = storedAnswer(m, 'charge', key, req);
    let expected: Outcome;
    let decision: Decision | undefined;
    if (stored) expected = stored;
    else if (!a) expected = { error: 'ACCOUNT_NOT_FOUND' };
    else {
      decision = decideFor(this.p, m, a, req);
      expected = decision.allowed ? { ok: { replayed: false, costMillicredits: decision.costMillicredits, balanceMillicredits: balanceOf(a, m.now) - decision.costMillicredits } } : denied(decision);
    }
    const actual = await attempt(async () => {
      const res = await r.ledger.charge(req, key, m.now, caller);
      return { replayed: res.replayed, costMillicredits: res.body.costMillicredits, balanceMillicredits: res.body.balanceMillicredits, id: res.body.id };
    });
    expectOutcome(actual, expected, what);
    if ('value' in actual && !stored && a && decision) {
      const paid = draw(a, decision.costMillicredits, m.now);
      countUse(a, a.cycleStart, req.action, 1);
      storeKey(m, 'charge', key, req, actual.value.id);
      m.charges.push({ id: actual.value.id, accountId: a.id, action: req.action, cost: decision.costMillicredits, cycleStart: a.cycleStart, paid, refunded: 0 });
    }
    await expectAgreement(m, r, what);
  }
  toString = (): string => `charge(account ${this.acct}, ${JSON.stringify(this.input)}, ${keyLabel(this.keyChoice)})`;
}

/** The same charge several times in a row, each with its own key: how balances and quotas run out. */
export class BurstCommand implements Cmd {
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

export class HoldCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly acct: number,
    readonly input: ActionInput,
    readonly ttl: number | undefined,
    readonly keyChoice: KeyChoice,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    begin(m, this.p);
    const fresh = { accountId: accountId(m, this.acct), ...this.input, ...(this.ttl !== undefined ? { ttlSeconds: this.ttl } : {}) };
    const { key, request: req } = chooseKey(m, 'hold', this.keyChoice, fresh);
    const what = `${this} with key ${key}: ${JSON.stringify(req)}`;
    const a = findAccount(m, req.accountId);
    const stored = storedAnswer(m, 'hold', key, req);
    const expiresAt = new Date(m.now.getTime() + (req.ttlSeconds ?? 900) * 1000);
    let expected: Outcome;
    let decision: Decision | undefined;
    if (stored) expected = stored;
    else if (!a) expected = { error: 'ACCOUNT_NOT_FOUND' };
    else {
      decision = decideFor(this.p, m, a, req);
      expected = decision.allowed
        ? { ok: { replayed: false, amountMillicredits: decision.costMillicredits, balanceMillicredits: balanceOf(a, m.now) - decision.costMillicredits, expiresAt: expiresAt.toISOString() } }
        : denied(decision);
    }
    const actual = await attempt(async () => {
      const res = await r.ledger.hold(req, key, m.now, caller);
      return { replayed: res.replayed, amountMillicredits: res.body.amountMillicredits, balanceMillicredits: res.body.balanceMillicredits, id: res.body.id, expiresAt: res.body.expiresAt };
    });
    expectOutcome(actual, expected, what);
    if ('value' in actual && !stored && a && decision) {
      const reserved = draw(a, decision.costMillicredits, m.now);
      countUse(a, a.cycleStart, req.action, 1);
      storeKey(m, 'hold', key, req, actual.value.id);
      m.holds.push({ id: actual.value.id, accountId: a.id, action: req.action, confirm: req.confirm ?? false, plan: a.plan, at: m.now, amount: decision.costMillicredits, cycleStart: a.cycleStart, expiresAt, reserved, status: 'active' });
    }
    await expectAgreement(m, r, what);
  }
  toString = (): string => `hold(account ${this.acct}, ${JSON.stringify(this.input)}, ttl ${this.ttl}, ${keyLabel(this.keyChoice)})`;
}

/**
 * One of `all`, by `pick`: often one of the `interesting` ones, mostly one of the `usable` ones,
 * sometimes any (closed or used up ones too, for the errors).
 */
function pickFrom<T>(all: readonly T[], pick: number, usable: (x: T) => boolean, interesting: (x: T) => boolean): T | undefined {
  const open = all.filter(usable);
  const rich = open.filter(interesting);
  const pool = pick % 4 === 0 && rich.length ? rich : pick % 4 === 3 || open.length === 0 ? all : open;
  return pool.length ? pool[Math.floor(pick / 4) % pool.length] : undefined;
}

/** A hold; often an active one whose reservation spans several grants or one that has expired. */
const pickHold = (m: Model, pick: number): ModelHold | undefined =>
  pickFrom(m.holds, pick, (h) => h.status === 'active', (h) => h.reserved.length > 1 || h.reserved.some((x) => isExpired(x.grant, m.now)));

/** A charge; often one with something left to refund that several grants paid. */
const pickCharge = (m: Model, pick: number): ModelCharge | undefined =>
  pickFrom(m.charges, pick, (c) => c.refunded < c.cost, (c) => c.paid.length > 1);

export type CaptureBy = { by: 'whole' } | { by: 'params'; params: Record<string, unknown> } | { by: 'amount'; fraction: number; over: boolean };

export class CaptureCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly pick: number,
    readonly how: CaptureBy,
  ) {}
  // Without a hold, only one try in eight (HOLD_NOT_FOUND): the rest would be wasted on it.
  check = (m: Readonly<Model>): boolean => m.holds.length > 0 || this.pick % 8 === 0;
  async run(m: Model, r: Real): Promise<void> {
    begin(m, this.p);
    const hold = pickHold(m, this.pick);
    const what = `${this} of ${hold?.id ?? 'no hold'}`;
    let input: { params?: Record<string, unknown>; amountMc?: number } = {};
    let expected: Outcome;
    let amount = 0;
    if (!hold) expected = { error: 'HOLD_NOT_FOUND' };
    else {
      if (this.how.by === 'params') input = { params: this.how.params };
      if (this.how.by === 'amount') input = { amountMc: this.how.over ? hold.amount + 1 + Math.floor(this.how.fraction * 1000) : Math.floor(hold.amount * this.how.fraction) };
      amount = hold.amount;
      expected = { ok: {} };
      if (hold.status !== 'active') expected = { error: 'HOLD_NOT_ACTIVE' };
      else if (input.amountMc !== undefined) {
        if (input.amountMc > hold.amount) expected = { error: 'CAPTURE_EXCEEDS_HOLD' };
        else amount = input.amountMc;
      } else if (input.params !== undefined) {
        // The actual parameters' price as the hold was priced (its plan, its time), whatever the
        // balance or quota now: the credits are already reserved.
        const d = decide(this.p.compiled, { plan: hold.plan, balanceMc: Number.MAX_SAFE_INTEGER, usage: {} }, { action: hold.action, params: input.params, confirm: hold.confirm }, hold.at);
        if (d.reasons.some((x) => ['INVALID_PARAMS', 'UNKNOWN_ACTION', 'PLAN_REQUIRED'].includes(x.code))) expected = denied(d);
        else amount = Math.min(hold.amount, d.costMillicredits);
      }
      if ('ok' in expected) expected = { ok: { costMillicredits: amount } };
    }
    const actual = await attempt(async () => {
      const res = await r.ledger.capture(hold?.id ?? `hold_${m.run}_none`, input, m.now, caller);
      return { costMillicredits: res.charge.costMillicredits, balanceMillicredits: res.charge.balanceMillicredits, id: res.charge.id };
    });
    expectOutcome(actual, expected, what);
    if ('value' in actual && hold) {
      const a = findAccount(m, hold.accountId)!;
      // The charge takes the first credits of the reservation; the rest stays only on grants still live.
      const paid = closeHold(hold, 'captured', amount, m.now);
      m.charges.push({ id: actual.value.id, accountId: a.id, action: hold.action, cost: amount, cycleStart: hold.cycleStart, paid, refunded: 0 });
      expect({ what, balanceMillicredits: actual.value.balanceMillicredits }).toEqual({ what, balanceMillicredits: balanceOf(a, m.now) });
    }
    await expectAgreement(m, r, what);
  }
  toString = (): string => `capture(hold ${this.pick}, ${JSON.stringify(this.how)})`;
}

export class ReleaseCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly pick: number,
  ) {}
  check = (m: Readonly<Model>): boolean => m.holds.length > 0 || this.pick % 8 === 0;
  async run(m: Model, r: Real): Promise<void> {
    begin(m, this.p);
    const hold = pickHold(m, this.pick);
    const what = `${this} of ${hold?.id ?? 'no hold'}`;
    const expected: Outcome = !hold ? { error: 'HOLD_NOT_FOUND' } : hold.status !== 'active' ? { error: 'HOLD_NOT_ACTIVE' } : { ok: { status: 'released' } };
    const actual = await attempt(async () => ({ status: (await r.ledger.release(hold?.id ?? `hold_${m.run}_none`, m.now, caller)).status }));
    expectOutcome(actual, expected, what);
    if ('value' in actual && hold) {
      closeHold(hold, 'released', 0, m.now);
      countUse(findAccount(m, hold.accountId)!, hold.cycleStart, hold.action, -1);
    }
    await expectAgreement(m, r, what);
  }
  toString = (): string => `release(hold ${this.pick})`;
}

export type RefundHow = { by: 'rest' } | { by: 'part'; fraction: number } | { by: 'over'; extra: number } | { by: 'zero' };

export class RefundCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly pick: number,
    readonly how: RefundHow,
    readonly keyChoice: KeyChoice | undefined,
  ) {}
  check = (m: Readonly<Model>): boolean => m.charges.length > 0 || this.pick % 8 === 0;
  async run(m: Model, r: Real): Promise<void> {
    begin(m, this.p);
    const charge = pickCharge(m, this.pick);
    const chargeId = charge?.id ?? `ch_${m.run}_none`;
    const remaining = charge ? charge.cost - charge.refunded : 0;
    const amountMc =
      this.how.by === 'rest' ? undefined : this.how.by === 'zero' ? 0 : this.how.by === 'over' ? remaining + this.how.extra : Math.max(1, Math.floor(remaining * this.how.fraction));
    const fresh: { chargeId: string; amountMc?: number } = { chargeId, ...(amountMc !== undefined ? { amountMc } : {}) };
    const chosen = this.keyChoice ? chooseKey(m, 'refund', this.keyChoice, fresh) : undefined;
    const req = chosen?.request ?? fresh;
    const target = m.charges.find((c) => c.id === req.chargeId);
    const what = `${this} of ${req.chargeId} (${req.amountMc ?? 'the rest'} mc) with ${chosen ? `key ${chosen.key}` : 'no key'}`;
    const stored = storedAnswer(m, 'refund', chosen?.key, req);
    let expected: Outcome;
    let amount = 0;
    // Another request under a used key that is itself wrong (no such charge) may be refused for either reason.
    if (stored) expected = 'ok' in stored ? { ok: { replayed: true } } : { ...stored, ...(target ? {} : { or: 'CHARGE_NOT_FOUND' }) };
    else if (!target) expected = { error: 'CHARGE_NOT_FOUND' };
    else {
      const left = target.cost - target.refunded;
      amount = req.amountMc ?? left;
      expected = amount <= 0 || amount > left ? { error: 'REFUND_EXCEEDS_CHARGE' } : { ok: { replayed: false, refundedMillicredits: amount } };
    }
    const actual = await attempt(async () => {
      const res = await r.ledger.refund(req.chargeId, req.amountMc !== undefined ? { amountMc: req.amountMc } : {}, chosen?.key, m.now, caller);
      return { replayed: res.replayed, refundedMillicredits: res.body.refundedMillicredits, balanceMillicredits: res.body.balanceMillicredits };
    });
    expectOutcome(actual, expected, what);
    if ('value' in actual && !stored && target) {
      const a = findAccount(m, target.accountId)!;
      refund(a, target, amount, m.now);
      expect({ what, balanceMillicredits: actual.value.balanceMillicredits }).toEqual({ what, balanceMillicredits: balanceOf(a, m.now) });
      storeKey(m, 'refund', chosen?.key, req, target.id);
    }
    await expectAgreement(m, r, what);
  }
  toString = (): string => `refund(charge ${this.pick}, ${JSON.stringify(this.how)}, ${keyLabel(this.keyChoice)})`;
}
