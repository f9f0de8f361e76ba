import type { CompiledRuleSet, Decision } from '@ratecard/engine';
import { expired, type AccountRow, type Allocation, type GrantRow, type HoldRow } from './book';
import type { GrantSource, LedgerEntry } from './entities';
import { drawOrder } from './planner/draw';

/** Credits an entry moved from or to one grant. */
export interface AllocationView {
  readonly grantId: string;
  readonly amount: number;
  readonly amountMillicredits: number;
}

/** A grant as the API shows it. */
export interface GrantView {
  readonly id: string;
  readonly source: GrantSource;
  /** `live`: can be drawn from; `used`: nothing left; `expired`: its expiry came. */
  readonly status: 'live' | 'used' | 'expired';
  readonly amount: number;
  readonly amountMillicredits: number;
  readonly remaining: number;
  readonly remainingMillicredits: number;
  readonly priority: number;
  /** Null: never expires. */
  readonly expiresAt: string | null;
  readonly plan: string | null;
  readonly pack: string | null;
  readonly reason: string;
  readonly rulesetVersion: string | null;
  readonly createdAt: string;
}

/** An account as the API shows it. Credits are numbers in credits; `*Millicredits` are exact integers. */
export interface AccountView {
  readonly id: string;
  readonly plan: string;
  readonly planName: string;
  /** A downgrade waiting for the next billing date. */
  readonly pendingPlan: string | null;
  readonly billingAnchor: number;
  /** Spendable credits. */
  readonly balance: number;
  readonly balanceMillicredits: number;
  /** Credits reserved by active holds (not spendable). */
  readonly held: number;
  readonly heldMillicredits: number;
  readonly cycle: { readonly start: string; readonly end: string };
  /** The plan's allowance per cycle; `assumed` when the rules mark the value as an assumption. */
  readonly allowance: { readonly credits: number; readonly assumed: boolean; readonly assumption?: string };
  /** This cycle's usage per action, with the plan's quota and what is left of it. */
  readonly usage: readonly { readonly action: string; readonly used: number; readonly quota: number | null; readonly left: number | null }[];
  /** The live grants, in the order they are drawn; their remaining credits sum to `balance`. */
  readonly grants: readonly GrantView[];
  readonly createdAt: string;
  readonly rulesetVersion: string;
}

export interface EntryView {
  readonly id: number;
  readonly kind: string;
  readonly amount: number;
  readonly amountMillicredits: number;
  readonly balanceAfter: number;
  readonly balanceAfterMillicredits: number;
  readonly cycleStart: string;
  readonly action: string | null;
  readonly chargeId: string | null;
  readonly holdId: string | null;
  readonly plan: string | null;
  readonly rulesetVersion: string | null;
  readonly reason: string;
  /** Which grants the entry moved credits from (negative) or to (positive). */
  readonly allocations: readonly AllocationView[];
  readonly createdAt: string;
}

export interface ChargeView {
  readonly id: string;
  readonly accountId: string;
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly cost: number;
  readonly costMillicredits: number;
  readonly rulesetVersion: string;
  readonly entryId: number | null;
  readonly holdId: string | null;
  /** The account's spendable balance after the charge. */
  readonly balance: number;
  readonly balanceMillicredits: number;
  readonly decision?: Decision;
  readonly createdAt: string;
}

export interface HoldView {
  readonly id: string;
  readonly accountId: string;
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly amount: number;
  readonly amountMillicredits: number;
  readonly status: string;
  readonly expiresAt: string;
  readonly rulesetVersion: string;
  readonly chargeId: string | null;
  readonly balance: number;
  readonly balanceMillicredits: number;
  readonly decision?: Decision;
  readonly createdAt: string;
  readonly closedAt: string | null;
}

export interface RefundView {
  readonly chargeId: string;
  readonly accountId: string;
  readonly refunded: number;
  readonly refundedMillicredits: number;
  /** Everything refunded from the charge so far. */
  readonly refundedTotal: number;
  /** What can still be refunded. */
  readonly remaining: number;
  readonly entryId: number;
  readonly balance: number;
  readonly balanceMillicredits: number;
  readonly createdAt: string;
}

export function grantView(g: GrantRow, now: Date): GrantView {
  return {
    id: g.id,
    source: g.source,
    status: expired(g, now) ? 'expired' : g.remainingMc > 0 ? 'live' : 'used',
    amount: g.amountMc / 1000,
    amountMillicredits: g.amountMc,
    remaining: g.remainingMc / 1000,
    remainingMillicredits: g.remainingMc,
    priority: g.priority,
    expiresAt: g.expiresAt ? g.expiresAt.toISOString() : null,
    plan: g.plan,
    pack: g.pack,
    reason: g.reason,
    rulesetVersion: g.rulesetVersion,
    createdAt: g.createdAt.toISOString(),
  };
}

export function allocationView(a: Allocation): AllocationView {
  return { grantId: a.grantId, amount: a.amountMc / 1000, amountMillicredits: a.amountMc };
}

/** An account with this cycle's usage counts and its grants (the live ones are shown, in draw order). */
export function accountView(a: AccountRow, compiled: CompiledRuleSet, counters: readonly { action: string; count: number }[], grants: readonly GrantRow[], now: Date): AccountView {
  const plan = compiled.plans.get(a.plan);
  const quotas = plan?.quotas ?? new Map<string, number>();
  const used = new Map(counters.map((c) => [c.action, c.count]));
  const actions = [...new Set([...used.keys(), ...quotas.keys()])].sort();
  return {
    id: a.id,
    plan: a.plan,
    planName: plan?.plan.name ?? a.plan,
    pendingPlan: a.pendingPlan ?? null,
    billingAnchor: a.billingAnchor,
    balance: a.balanceMc / 1000,
    balanceMillicredits: a.balanceMc,
    held: a.heldMc / 1000,
    heldMillicredits: a.heldMc,
    cycle: { start: a.cycleStart.toISOString(), end: a.cycleEnd.toISOString() },
    allowance: {
      credits: (plan?.plan.allowanceMc ?? 0) / 1000,
      assumed: plan?.plan.assumption !== undefined,
      ...(plan?.plan.assumption ? { assumption: plan.plan.assumption } : {}),
    },
    usage: actions.map((action) => {
      const quota = quotas.get(action) ?? null;
      const n = used.get(action) ?? 0;
      return { action, used: n, quota, left: quota === null ? null : Math.max(0, quota - n) };
    }),
    grants: grants.filter((g) => g.remainingMc > 0 && !expired(g, now)).sort(drawOrder).map((g) => grantView(g, now)),
    createdAt: a.createdAt.toISOString(),
    rulesetVersion: compiled.version,
  };
}

export function entryView(e: Omit<LedgerEntry, 'id'> & { id: number }, allocations: readonly Allocation[]): EntryView {
  return {
    id: Number(e.id),
    kind: e.kind,
    amount: e.amountMc / 1000,
    amountMillicredits: e.amountMc,
    balanceAfter: e.balanceAfterMc / 1000,
    balanceAfterMillicredits: e.balanceAfterMc,
    cycleStart: e.cycleStart.toISOString(),
    action: e.action ?? null,
    chargeId: e.chargeId ?? null,
    holdId: e.holdId ?? null,
    plan: e.plan ?? null,
    rulesetVersion: e.rulesetVersion ?? null,
    reason: e.reason,
    allocations: allocations.map(allocationView),
    createdAt: e.createdAt.toISOString(),
  };
}

/** A charge as stored or planned. */
export interface ChargeFacts {
  readonly id: string;
  readonly accountId: string;
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly costMc: number;
  readonly rulesetVersion: string;
  readonly entryId: number | null;
  readonly holdId: string | null;
  /** The account's spendable balance right after the charge. */
  readonly balanceAfterMc: number;
  readonly createdAt: Date;
}

/** A charge, with the balance right after it. */
export function chargeView(c: ChargeFacts, decision?: Decision): ChargeView {
  return {
    id: c.id,
    accountId: c.accountId,
    action: c.action,
    params: c.params,
    cost: c.costMc / 1000,
    costMillicredits: c.costMc,
    rulesetVersion: c.rulesetVersion,
    entryId: c.entryId ?? null,
    holdId: c.holdId ?? null,
    balance: c.balanceAfterMc / 1000,
    balanceMillicredits: c.balanceAfterMc,
    ...(decision ? { decision } : {}),
    createdAt: c.createdAt.toISOString(),
  };
}

export function holdView(h: Omit<HoldRow, 'reserved'>, a: Pick<AccountRow, 'balanceMc'>, decision?: Decision): HoldView {
  return {
    id: h.id,
    accountId: h.accountId,
    action: h.action,
    params: h.params,
    amount: h.amountMc / 1000,
    amountMillicredits: h.amountMc,
    status: h.status,
    expiresAt: h.expiresAt.toISOString(),
    rulesetVersion: h.rulesetVersion,
    chargeId: h.chargeId ?? null,
    balance: a.balanceMc / 1000,
    balanceMillicredits: a.balanceMc,
    ...(decision ? { decision } : {}),
    createdAt: h.createdAt.toISOString(),
    closedAt: h.closedAt ? h.closedAt.toISOString() : null,
  };
}
