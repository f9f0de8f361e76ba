import type { CyclePolicy, Millicredits } from '@ratecard/dsl';
import type { CompiledRuleSet } from './compiled';

/** A billing cycle: `start` inclusive, `end` exclusive, in UTC. */
export interface CycleWindow {
  readonly start: Date;
  readonly end: Date;
}

function anchorIn(year: number, month: number, anchorDay: number): Date {
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(anchorDay, last)));
}

/**
 * The billing cycle that contains `now` for an account whose cycle resets on day `anchorDay` (1-31)
 * of every month at 00:00 UTC. In shorter months the reset falls on the last day (the 31st becomes
 * the 30th or February's last day).
 */
export function cycleWindow(anchorDay: number, now: Date): CycleWindow {
  if (!Number.isInteger(anchorDay) || anchorDay < 1 || anchorDay > 31) throw new RangeError(`billing anchor day must be 1-31, got ${anchorDay}`);
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const thisMonth = anchorIn(y, m, anchorDay);
  const start = now.getTime() >= thisMonth.getTime() ? thisMonth : anchorIn(y, m - 1, anchorDay);
  const end = anchorIn(start.getUTCFullYear(), start.getUTCMonth() + 1, anchorDay);
  return { start, end };
}

/** What a plan change does, by the rule set's cycle policy. The ledger applies it. */
export interface PlanChange {
  /** `move`: off a plan the rules no longer have (removed by a newer version), to any plan. */
  readonly kind: 'upgrade' | 'downgrade' | 'same' | 'move';
  /** When the new plan takes effect. */
  readonly effective: 'now' | 'next-cycle';
  /** For a change effective now: whether unused credits are kept or expire. */
  readonly unused: 'carry-over' | 'expire';
  /** Credits to grant now. */
  readonly grantMc: Millicredits;
}

/** Allowance grants already made in the current cycle. */
export interface CycleGrant {
  readonly plan: string;
  readonly mc: Millicredits;
}

/**
 * Applies the cycle policy to a change from `from` to `to`. An upgrade takes effect now, keeps the
 * unused credits (`upgrade: carry-over`) and grants the new plan's allowance (`upgradeGrant: full`),
 * or only what the allowance grants of this cycle so far fall short of it (`difference`), so that
 * a cycle never grants more than the highest plan's allowance. A plan's
 * allowance is never granted twice in one cycle, so repeated upgrades cannot mint credits.
 * A downgrade takes effect at the next cycle unless the policy says `immediate`; it grants nothing.
 * Moving off a plan these rules do not have is neither: it takes effect now and grants nothing (the
 * account already had its old plan's allowance this cycle; the new plan's comes at the next one).
 */
export function planChange(compiled: CompiledRuleSet, from: string, to: string, grantedThisCycle: readonly CycleGrant[]): PlanChange {
  const policy: CyclePolicy = compiled.ruleset.cycle;
  const a = compiled.plans.get(from);
  const b = compiled.plans.get(to);
  if (!b) throw new RangeError(`unknown plan \`${to}\``);
  if (!a) return { kind: 'move', effective: 'now', unused: 'carry-over', grantMc: 0 };
  const fromRank = a.plan.rank;
  if (fromRank === b.plan.rank) return { kind: 'same', effective: 'now', unused: 'carry-over', grantMc: 0 };
  if (b.plan.rank < fromRank) {
    return { kind: 'downgrade', effective: policy.downgrade === 'immediate' ? 'now' : 'next-cycle', unused: 'carry-over', grantMc: 0 };
  }
  const already = grantedThisCycle.some((g) => g.plan === to);
  const granted = grantedThisCycle.reduce((sum, g) => sum + g.mc, 0);
  const allowance = b.plan.allowanceMc;
  const grantMc = already ? 0 : policy.upgradeGrant === 'full' ? allowance : Math.max(0, allowance - granted);
  return { kind: 'upgrade', effective: 'now', unused: policy.upgrade, grantMc };
}
