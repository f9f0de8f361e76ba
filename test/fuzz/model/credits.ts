import type { CompiledRuleSet } from '@ratecard/engine';

// The model's own definition of how credits move, written from docs/credits.md and not from the
// ledger's planner: grants with their own expiry and priority, drawn in the documented order;
// holds that keep the grants their reservation came from; charges that keep the grants that paid
// them; refunds in reverse; the billing date and upgrades as the bundled cycle policy says. The
// model is eager (it brings every account up to the model's clock before each command) where the
// ledger is lazy; the two agree because with unused credits expiring at the billing date every
// rule here depends on time, not on when it is applied. (Rules that roll unused credits over would
// make the rolled amount depend on when a hold gives its reservation back; the model refuses them.)

/** The default draw priority of a grant (docs/credits.md, "Grants"). */
export const DEFAULT_PRIORITY = 100;

export type GrantSource = 'allowance' | 'upgrade' | 'goodwill';

export interface ModelGrant {
  /** Creation order in the run. */
  readonly seq: number;
  /**
   * The ledger's id, once seen: the last tie-break of the draw order, for grants made at the same
   * instant with the same priority and expiry (the allowance of a billing date and a grant made in
   * the operation that reached it).
   */
  id?: string;
  readonly source: GrantSource;
  readonly amount: number;
  remaining: number;
  readonly priority: number;
  /** Null: never expires. */
  readonly expiresAt: Date | null;
  readonly createdAt: Date;
}

/** Credits moved from one grant (a reservation's or a charge's part), and how much came back since. */
export interface Piece {
  readonly grant: ModelGrant;
  readonly mc: number;
  returned: number;
}

export interface ModelAccount {
  readonly id: string;
  readonly anchor: number;
  plan: string;
  pending: string | null;
  cycleStart: Date;
  cycleEnd: Date;
  /** Every grant the account ever had, live or not. */
  readonly grants: ModelGrant[];
  /** The allowances granted for the current cycle, by plan: an upgrade grants each plan once per cycle. */
  cycleAllowances: { readonly plan: string; readonly grant: ModelGrant }[];
  /** Uses per `cycleStart ms|action`. */
  readonly usage: Map<string, number>;
}

export interface ModelHold {
  readonly id: string;
  readonly accountId: string;
  readonly action: string;
  readonly confirm: boolean;
  /** The plan the hold was priced for and when: a capture by parameters is priced the same way. */
  readonly plan: string;
  readonly at: Date;
  readonly amount: number;
  readonly cycleStart: Date;
  readonly expiresAt: Date;
  /** The reservation, in the order it was drawn. */
  readonly reserved: Piece[];
  status: 'active' | 'captured' | 'released' | 'expired';
}

export interface ModelCharge {
  readonly id: string;
  readonly accountId: string;
  readonly action: string;
  readonly cost: number;
  /** The cycle its use counted in (a capture's: its hold's). */
  readonly cycleStart: Date;
  /** The grants that paid, in the order they were drawn. */
  readonly paid: Piece[];
  refunded: number;
}

/** The cycle policy and the plans, read from the rules; the model applies them itself. */
export class Policy {
  constructor(readonly compiled: CompiledRuleSet) {
    if (compiled.ruleset.cycle.unused !== 'expire') throw new Error('the ledger model models `cycle.unused: expire` only');
  }

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

/** The billing cycle around `now` for an anchor day, clamped to short months, in UTC. */
export function cycleOf(anchor: number, now: Date): { start: Date; end: Date } {
  const at = (y: number, m: number): Date => new Date(Date.UTC(y, m, Math.min(anchor, new Date(Date.UTC(y, m + 1, 0)).getUTCDate())));
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const start = now.getTime() >= at(y, m).getTime() ? at(y, m) : at(y, m - 1);
  return { start, end: at(start.getUTCFullYear(), start.getUTCMonth() + 1) };
}

export const usageKey = (cycleStart: Date, action: string): string => `${cycleStart.getTime()}|${action}`;

export function countUse(a: ModelAccount, cycleStart: Date, action: string, by: 1 | -1): void {
  a.usage.set(usageKey(cycleStart, action), (a.usage.get(usageKey(cycleStart, action)) ?? 0) + by);
}

// ------------------------------------------------------------------ grants and the draw order

let seq = 0;

/** A new grant, full. */
export function addGrant(a: ModelAccount, g: Omit<ModelGrant, 'seq' | 'remaining'>): ModelGrant {
  const grant = { ...g, seq: ++seq, remaining: g.amount };
  a.grants.push(grant);
  return grant;
}

/** A grant has expired from its `expiresAt` on (the instant itself included, as a cycle ends at its end). */
export const isExpired = (g: ModelGrant, now: Date): boolean => g.expiresAt !== null && g.expiresAt.getTime() <= now.getTime();

/** The documented draw order: the lowest priority, then the soonest expiry (never last), then the oldest, then the id. */
function drawsBefore(x: ModelGrant, y: ModelGrant): number {
  const expiry = (g: ModelGrant): number => g.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const byId = x.id !== undefined && y.id !== undefined ? (x.id < y.id ? -1 : x.id > y.id ? 1 : 0) : x.seq - y.seq;
  return x.priority - y.priority || Math.sign(expiry(x) - expiry(y)) || x.createdAt.getTime() - y.createdAt.getTime() || byId;
}

/** The grants that can be drawn from, in draw order. */
export function liveGrants(a: ModelAccount, now: Date): ModelGrant[] {
  return a.grants.filter((g) => g.remaining > 0 && !isExpired(g, now)).sort(drawsBefore);
}

/** The spendable balance: what is left of the live grants. */
export function balanceOf(a: ModelAccount, now: Date): number {
  return liveGrants(a, now).reduce((s, g) => s + g.remaining, 0);
}

/** Takes `mc` from the live grants in draw order; the caller has checked the balance covers it. */
export function draw(a: ModelAccount, mc: number, now: Date): Piece[] {
  const pieces: Piece[] = [];
  let left = mc;
  for (const g of liveGrants(a, now)) {
    if (left === 0) break;
    const take = Math.min(left, g.remaining);
    g.remaining -= take;
    left -= take;
    pieces.push({ grant: g, mc: take, returned: 0 });
  }
  if (left !== 0) throw new Error(`model: ${a.id} cannot cover ${mc} mc`);
  return pieces;
}

/** Credits coming back to a grant: they stay if it is live, and expire again at once if it has expired. */
export function giveBack(g: ModelGrant, mc: number, now: Date): void {
  if (!isExpired(g, now)) g.remaining += mc;
}

/** Expiry: what is left of a grant whose date has come leaves the balance. */
function expireGrants(a: ModelAccount, now: Date): void {
  for (const g of a.grants) if (isExpired(g, now)) g.remaining = 0;
}

// ------------------------------------------------------------------ holds and refunds

export const heldBy = (holds: readonly ModelHold[], a: ModelAccount): number =>
  holds.filter((h) => h.accountId === a.id && h.status === 'active').reduce((s, h) => s + h.amount, 0);

/**
 * Closes a hold. Its charge takes the first `charged` credits of the reservation in the order they
 * were drawn; the rest goes back to the grants it came from. Returns what the charge took.
 */
export function closeHold(h: ModelHold, status: ModelHold['status'], charged: number, now: Date): Piece[] {
  const paid: Piece[] = [];
  let left = charged;
  for (const r of h.reserved) {
    const take = Math.min(left, r.mc);
    left -= take;
    if (take > 0) paid.push({ grant: r.grant, mc: take, returned: 0 });
    if (r.mc > take) giveBack(r.grant, r.mc - take, now);
  }
  h.status = status;
  return paid;
}

/**
 * Refunds `mc` of a charge to the grants that paid, in the reverse of the order they were drawn,
 * what earlier refunds gave back excepted. A charge refunded in full within the cycle its use
 * counted in did not happen: the use no longer counts.
 */
export function refund(a: ModelAccount, c: ModelCharge, mc: number, now: Date): void {
  let left = mc;
  for (const piece of [...c.paid].reverse()) {
    const give = Math.min(left, piece.mc - piece.returned);
    piece.returned += give;
    left -= give;
    giveBack(piece.grant, give, now);
  }
  if (left !== 0) throw new Error(`model: charge ${c.id} cannot take back ${mc} mc`);
  c.refunded += mc;
  if (c.refunded === c.cost && a.cycleStart.getTime() === c.cycleStart.getTime()) countUse(a, c.cycleStart, c.action, -1);
}

// ------------------------------------------------------------------ the cycle and plan changes

function grantAllowance(p: Policy, a: ModelAccount, plan: string, mc: number, now: Date): void {
  if (mc <= 0) return;
  const grant = addGrant(a, { source: 'allowance', amount: mc, priority: DEFAULT_PRIORITY, expiresAt: a.cycleEnd, createdAt: now });
  a.cycleAllowances.push({ plan, grant });
}

/** A new account: its plan's allowance for the current cycle. */
export function newAccount(p: Policy, id: string, plan: string, anchor: number, now: Date): ModelAccount {
  const cycle = cycleOf(anchor, now);
  const a: ModelAccount = { id, anchor, plan, pending: null, cycleStart: cycle.start, cycleEnd: cycle.end, grants: [], cycleAllowances: [], usage: new Map() };
  grantAllowance(p, a, plan, p.allowance(plan), now);
  return a;
}

/**
 * Brings an account up to `now`: expired holds give their reservation back (their use no longer
 * counts), due grants expire, and at the billing date a pending downgrade applies and the new
 * plan's allowance is granted for the new cycle.
 */
export function touch(p: Policy, a: ModelAccount, holds: readonly ModelHold[], now: Date): void {
  for (const h of holds.filter((x) => x.accountId === a.id && x.status === 'active' && x.expiresAt.getTime() <= now.getTime())) {
    closeHold(h, 'expired', 0, now);
    countUse(a, h.cycleStart, h.action, -1);
  }
  if (now.getTime() >= a.cycleEnd.getTime()) {
    const cycle = cycleOf(a.anchor, now);
    expireGrants(a, now);
    if (a.pending) {
      a.plan = a.pending;
      a.pending = null;
    }
    a.cycleStart = cycle.start;
    a.cycleEnd = cycle.end;
    a.cycleAllowances = [];
    grantAllowance(p, a, a.plan, p.allowance(a.plan), now);
  }
  expireGrants(a, now);
}

/** Closes what is left of `from` into one grant expiring at `until`. */
function carry(a: ModelAccount, from: readonly ModelGrant[], source: 'upgrade', until: Date, now: Date): void {
  let total = 0;
  for (const g of from) {
    total += g.remaining;
    g.remaining = 0;
  }
  if (total > 0) addGrant(a, { source, amount: total, priority: DEFAULT_PRIORITY, expiresAt: until, createdAt: now });
}

export type ChangeKind = 'same' | 'downgrade' | 'upgrade';

/** What a plan change will do: its kind and the allowance an upgrade grants (each plan once per cycle). */
export function planChangeOf(p: Policy, a: ModelAccount, to: string): { kind: ChangeKind; grantMc: number } {
  const from = p.rank(a.plan);
  const target = p.rank(to);
  if (target === from) return { kind: 'same', grantMc: 0 };
  if (target < from) return { kind: 'downgrade', grantMc: 0 };
  if (a.cycleAllowances.some((x) => x.plan === to)) return { kind: 'upgrade', grantMc: 0 };
  const allowance = p.allowance(to);
  const granted = a.cycleAllowances.reduce((s, x) => s + x.grant.amount, 0);
  return { kind: 'upgrade', grantMc: p.cycle.upgradeGrant === 'full' ? allowance : Math.max(0, allowance - granted) };
}

/**
 * Applies a plan change. An upgrade applies now: the cycle's allowance grants close, what was left
 * of them carried into one `upgrade` grant that expires at the end of the next cycle (or lost, with
 * `upgrade: expire`), then the new plan's allowance. A downgrade waits for the billing date unless
 * the rules say immediate; the current plan cancels a pending downgrade.
 */
export function changePlan(p: Policy, a: ModelAccount, to: string, now: Date): void {
  const change = planChangeOf(p, a, to);
  if (change.kind === 'same') a.pending = null;
  else if (change.kind === 'downgrade') {
    if (p.cycle.downgrade === 'immediate') {
      a.plan = to;
      a.pending = null;
    } else a.pending = to;
  } else {
    const allowances = a.cycleAllowances.map((x) => x.grant);
    if (p.cycle.upgrade === 'carry-over') carry(a, allowances, 'upgrade', cycleOf(a.anchor, a.cycleEnd).end, now);
    else for (const g of allowances) g.remaining = 0;
    a.plan = to;
    a.pending = null;
    grantAllowance(p, a, to, change.grantMc, now);
  }
}
