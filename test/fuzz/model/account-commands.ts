import { addGrant, balanceOf, changePlan, DEFAULT_PRIORITY, planChangeOf, type Policy } from './credits';
import {
  account,
  accountId,
  attempt,
  begin,
  caller,
  chooseKey,
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

// The commands on accounts and time: grants, plan changes, clock moves.

/** When a grant expires: the default (the cycle's end), never, some time ahead, or a time not after now (refused). */
export type GrantExpiry = { at: 'default' } | { at: 'never' } | { at: 'ahead'; minutes: number } | { at: 'past'; minutes: number };

export interface GrantInput {
  readonly amountMc: number;
  readonly reason: string;
  readonly expiry: GrantExpiry;
  readonly priority: number | undefined;
}

interface GrantRequest extends Record<string, unknown> {
  readonly accountId: string;
  readonly amountMc: number;
  readonly reason: string;
  readonly expiresAt?: Date | null;
  readonly priority?: number;
}

export class GrantCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly acct: number,
    readonly input: GrantInput,
    readonly keyChoice: KeyChoice | undefined,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    begin(m, this.p);
    const { expiry, priority } = this.input;
    const expiresAt = expiry.at === 'default' ? undefined : expiry.at === 'never' ? null : new Date(m.now.getTime() + (expiry.at === 'ahead' ? 1 : -1) * expiry.minutes * 60_000);
    const fresh: GrantRequest = {
      accountId: accountId(m, this.acct),
      amountMc: this.input.amountMc,
      reason: this.input.reason,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      ...(priority !== undefined ? { priority } : {}),
    };
    const chosen = this.keyChoice ? chooseKey(m, 'grant', this.keyChoice, fresh) : undefined;
    const req = chosen?.request ?? fresh;
    const what = `${this} with ${chosen ? `key ${chosen.key}` : 'no key'}: ${JSON.stringify(req)}`;
    const a = findAccount(m, req.accountId);
    const stored = storedAnswer(m, 'grant', chosen?.key, req);
    let expected: Outcome;
    const invalid = req.expiresAt ? req.expiresAt.getTime() <= m.now.getTime() : false;
    // A retry replays the first answer, even once its expiry has passed (docs/credits.md, "Idempotency").
    if (stored) expected = 'error' in stored && invalid ? { error: 'IDEMPOTENCY_KEY_REUSED', or: 'INVALID_GRANT' } : stored;
    else if (invalid) expected = { error: 'INVALID_GRANT' };
    else if (!a) expected = { error: 'ACCOUNT_NOT_FOUND' };
    else {
      const at = req.expiresAt === undefined ? a.cycleEnd : req.expiresAt;
      expected = {
        ok: {
          replayed: false,
          balanceMillicredits: balanceOf(a, m.now) + req.amountMc,
          grant: ['goodwill', req.amountMc, req.amountMc, at?.toISOString() ?? null, req.priority ?? DEFAULT_PRIORITY],
        },
      };
    }
    const actual = await attempt(async () => {
      const { expiresAt: at, priority: pr } = req;
      const res = await r.ledger.grant(req.accountId, { amountMc: req.amountMc, reason: req.reason, ...(at !== undefined ? { expiresAt: at } : {}), ...(pr !== undefined ? { priority: pr } : {}) }, chosen?.key, m.now, caller);
      const g = res.body.grant;
      return { replayed: res.replayed, balanceMillicredits: res.body.balanceMillicredits, id: g.id, grant: [g.source, g.amountMillicredits, g.remainingMillicredits, g.expiresAt, g.priority] };
    });
    expectOutcome(actual, expected, what);
    if ('value' in actual && !stored && a) {
      const made = addGrant(a, { source: 'goodwill', amount: req.amountMc, priority: req.priority ?? DEFAULT_PRIORITY, expiresAt: req.expiresAt === undefined ? a.cycleEnd : req.expiresAt, createdAt: m.now });
      made.id = actual.value.id;
      storeKey(m, 'grant', chosen?.key, req, actual.value.id);
    }
    await expectAgreement(m, r, what);
  }
  toString = (): string => `grant(account ${this.acct}, ${JSON.stringify(this.input)}, ${keyLabel(this.keyChoice)})`;
}

export class ChangePlanCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly acct: number,
    readonly to: string,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    begin(m, this.p);
    const a = account(m, this.acct);
    const what = `${this}`;
    let expected: Outcome;
    if (this.p.rank(this.to) < 0) expected = { error: 'UNKNOWN_PLAN' };
    else if (!a) expected = { error: 'ACCOUNT_NOT_FOUND' };
    else expected = { ok: planChangeOf(this.p, a, this.to) };
    const actual = await attempt(async () => {
      const res = await r.ledger.changePlan(accountId(m, this.acct), this.to, m.now, caller);
      return { kind: res.change.kind, grantMc: res.change.grantMc };
    });
    expectOutcome(actual, expected, what);
    if ('value' in actual && a) changePlan(this.p, a, this.to, m.now);
    await expectAgreement(m, r, what);
  }
  toString = (): string => `changePlan(account ${this.acct}, ${this.to})`;
}

export type Advance =
  | { to: 'later'; minutes: number }
  | { to: 'cycle end'; plusMinutes: number }
  | { to: 'hold expiry'; plusSeconds: number }
  | { to: 'grant expiry'; pick: number; plusMs: number };

export class AdvanceClockCommand implements Cmd {
  constructor(
    readonly p: Policy,
    readonly how: Advance,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const at = m.now.getTime();
    let to: number | undefined;
    if (this.how.to === 'later') to = at + this.how.minutes * 60_000;
    else if (this.how.to === 'cycle end') to = Math.min(...m.accounts.map((a) => a.cycleEnd.getTime())) + this.how.plusMinutes * 60_000;
    else if (this.how.to === 'hold expiry') {
      const next = m.holds.filter((h) => h.status === 'active').map((h) => h.expiresAt.getTime());
      if (next.length) to = Math.min(...next) + this.how.plusSeconds * 1000;
    } else {
      // One of the next few expiries of grants that have credits left, or credits reserved by an
      // active hold, or credits a charge may give back; just before, at or just after it.
      const inPlay = new Set([
        ...m.accounts.flatMap((a) => a.grants.filter((g) => g.remaining > 0)),
        ...m.holds.filter((h) => h.status === 'active').flatMap((h) => h.reserved.map((x) => x.grant)),
        ...m.charges.filter((c) => c.refunded < c.cost).flatMap((c) => c.paid.map((x) => x.grant)),
      ]);
      const ahead = [...new Set([...inPlay].filter((g) => g.expiresAt && g.expiresAt.getTime() > at).map((g) => g.expiresAt!.getTime()))].sort((x, y) => x - y);
      if (ahead.length) to = ahead[this.how.pick % Math.min(3, ahead.length)] + this.how.plusMs;
    }
    begin(m, this.p, to === undefined ? undefined : new Date(to));
    await expectAgreement(m, r, `${this} to ${m.now.toISOString()}`);
  }
  toString = (): string => `advance(${JSON.stringify(this.how)})`;
}
