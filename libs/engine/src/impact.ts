import type { Millicredits, ParamValue } from '@ratecard/dsl';
import type { CompiledRuleSet } from './compiled';
import { decide } from './decide';

/** A decision from the log, with the account state it saw, so it can be decided again. */
export interface LoggedDecision {
  readonly kind: string;
  readonly accountId: string;
  readonly plan: string;
  readonly action: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly confirm: boolean;
  readonly balanceMillicredits: Millicredits;
  readonly usage: Readonly<Record<string, number>>;
  readonly allowed: boolean;
  readonly costMillicredits: Millicredits;
  /** When it was decided (ISO): the candidate prices it at this instant, so a promotion changes only the requests inside its window. */
  readonly createdAt: string | Date;
}

/** Totals for one action or plan. */
export interface ImpactGroup {
  readonly key: string;
  readonly requests: number;
  /** Requests whose allowed/denied outcome changes. */
  readonly changedOutcome: number;
  readonly newlyDenied: number;
  readonly newlyAllowed: number;
  /** Requests whose price changes (allowed or not). */
  readonly repriced: number;
  /** Credits of the logged charges and captures as they were charged. */
  readonly chargedBefore: number;
  /**
   * Credits the same charges and captures would cost under the candidate: those it would deny
   * count 0, and charges that were denied but that it would allow count at its price.
   */
  readonly chargedAfter: number;
}

/** The impact in words: who would pay more or less, and who would gain or lose access. */
export interface ImpactSummary {
  /** Accounts with at least one request the candidate would price or decide differently. */
  readonly accountsAffected: number;
  /** Accounts with at least one request in the window. */
  readonly accounts: number;
  /**
   * `basic: chat.edit (+0.75 cr over 3 charges)`: per plan and action, the charges and captures
   * allowed before and after at another price, most first. Newly denied or allowed ones are below.
   */
  readonly payMore: readonly string[];
  readonly payLess: readonly string[];
  /** Accounts and how many of their requests the candidate would deny, or allow. */
  readonly loseAccess: readonly string[];
  readonly gainAccess: readonly string[];
}

/** What a candidate rule set would have done to a window of logged decisions. */
export interface ImpactReport {
  readonly candidateVersion: string;
  readonly requests: number;
  readonly changedOutcome: number;
  readonly newlyDenied: number;
  readonly newlyAllowed: number;
  readonly repriced: number;
  readonly chargedBefore: number;
  readonly chargedAfter: number;
  readonly byAction: readonly ImpactGroup[];
  readonly byPlan: readonly ImpactGroup[];
  /** Accounts with at least one request that would newly be denied, and how many. */
  readonly newlyDeniedAccounts: readonly { readonly accountId: string; readonly requests: number }[];
  /** Accounts with at least one denied request that would newly be allowed, and how many. */
  readonly newlyAllowedAccounts: readonly { readonly accountId: string; readonly requests: number }[];
  readonly summary: ImpactSummary;
}

const MONEY = new Set(['charge', 'capture']);

/**
 * Decides every logged decision again under `candidate`, at the time it was decided and with the
 * account state it saw, and totals what changes: outcomes per action and plan, credits charged
 * before and after, and the accounts that would newly be denied or allowed. Pure: nothing is written.
 */
export function impactOf(candidate: CompiledRuleSet, logged: Iterable<LoggedDecision>): ImpactReport {
  type Acc = { requests: number; changedOutcome: number; newlyDenied: number; newlyAllowed: number; repriced: number; before: number; after: number };
  const blank = (): Acc => ({ requests: 0, changedOutcome: 0, newlyDenied: 0, newlyAllowed: 0, repriced: 0, before: 0, after: 0 });
  const total = blank();
  const byAction = new Map<string, Acc>();
  const byPlan = new Map<string, Acc>();
  /** Per plan and action: charges allowed before and after at another price, and by how much. */
  const byPair = new Map<string, { charges: number; deltaMc: number }>();
  const denied = new Map<string, number>();
  const allowed = new Map<string, number>();
  const accounts = new Set<string>();
  const affected = new Set<string>();
  for (const d of logged) {
    const again = decide(candidate, { plan: d.plan, balanceMc: d.balanceMillicredits, usage: d.usage }, { action: d.action, params: d.params as Record<string, ParamValue>, confirm: d.confirm }, new Date(d.createdAt));
    accounts.add(d.accountId);
    if (again.allowed !== d.allowed || again.costMillicredits !== d.costMillicredits) affected.add(d.accountId);
    if (MONEY.has(d.kind) && d.allowed && again.allowed && again.costMillicredits !== d.costMillicredits) {
      const pair = get(byPair, `${d.plan}: ${d.action}`, () => ({ charges: 0, deltaMc: 0 }));
      pair.charges++;
      pair.deltaMc += again.costMillicredits - d.costMillicredits;
    }
    for (const a of [total, get(byAction, d.action, blank), get(byPlan, d.plan, blank)]) {
      a.requests++;
      if (again.allowed !== d.allowed) a.changedOutcome++;
      if (d.allowed && !again.allowed) a.newlyDenied++;
      if (!d.allowed && again.allowed) a.newlyAllowed++;
      if (again.costMillicredits !== d.costMillicredits) a.repriced++;
      if (MONEY.has(d.kind)) {
        if (d.allowed) a.before += d.costMillicredits;
        // What the candidate would have charged: nothing for what it denies, its price for what it allows (also a charge denied then).
        if (again.allowed) a.after += again.costMillicredits;
      }
    }
    if (d.allowed && !again.allowed) denied.set(d.accountId, (denied.get(d.accountId) ?? 0) + 1);
    if (!d.allowed && again.allowed) allowed.set(d.accountId, (allowed.get(d.accountId) ?? 0) + 1);
  }
  const group = ([key, a]: [string, Acc]): ImpactGroup => ({
    key,
    requests: a.requests,
    changedOutcome: a.changedOutcome,
    newlyDenied: a.newlyDenied,
    newlyAllowed: a.newlyAllowed,
    repriced: a.repriced,
    chargedBefore: a.before / 1000,
    chargedAfter: a.after / 1000,
  });
  const sorted = (m: Map<string, Acc>): ImpactGroup[] => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(group);
  const byCount = (m: Map<string, number>): { accountId: string; requests: number }[] => [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([accountId, requests]) => ({ accountId, requests }));
  const newlyDeniedAccounts = byCount(denied);
  const newlyAllowedAccounts = byCount(allowed);
  return {
    candidateVersion: candidate.version,
    requests: total.requests,
    changedOutcome: total.changedOutcome,
    newlyDenied: total.newlyDenied,
    newlyAllowed: total.newlyAllowed,
    repriced: total.repriced,
    chargedBefore: total.before / 1000,
    chargedAfter: total.after / 1000,
    byAction: sorted(byAction),
    byPlan: sorted(byPlan),
    newlyDeniedAccounts,
    newlyAllowedAccounts,
    summary: summary(byPair, newlyDeniedAccounts, newlyAllowedAccounts, affected.size, accounts.size),
  };
}

function summary(
  pairs: Map<string, { charges: number; deltaMc: number }>,
  denied: readonly { accountId: string; requests: number }[],
  allowed: readonly { accountId: string; requests: number }[],
  affected: number,
  accounts: number,
): ImpactSummary {
  const moved = [...pairs.entries()].map(([key, a]) => ({ key, delta: a.deltaMc, charges: a.charges })).filter((p) => p.delta !== 0);
  const line = (p: { key: string; delta: number; charges: number }): string => `${p.key} (${p.delta > 0 ? '+' : '-'}${credits(Math.abs(p.delta) / 1000)} cr over ${p.charges} charge${p.charges === 1 ? '' : 's'})`;
  const who = (list: readonly { accountId: string; requests: number }[]): string[] => list.map((a) => `${a.accountId} (${a.requests} request${a.requests === 1 ? '' : 's'})`);
  return {
    accountsAffected: affected,
    accounts,
    payMore: moved.filter((p) => p.delta > 0).sort((a, b) => b.delta - a.delta || (a.key < b.key ? -1 : 1)).map(line),
    payLess: moved.filter((p) => p.delta < 0).sort((a, b) => a.delta - b.delta || (a.key < b.key ? -1 : 1)).map(line),
    loseAccess: who(denied),
    gainAccess: who(allowed),
  };
}

function get<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

function credits(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** The impact report as text: in short, then the totals per action and per plan. */
export function impactText(r: ImpactReport, window: { since: Date; until: Date }): string {
  const cr = credits;
  const delta = (a: number, b: number): string => `${b - a >= 0 ? '+' : ''}${cr(Math.round((b - a) * 1000) / 1000)}`;
  const share = (a: number, b: number): string => (a === 0 ? '' : `, ${b >= a ? '+' : ''}${Math.round(((b - a) / a) * 1000) / 10}%`);
  const s = r.summary;
  const out = [`impact of candidate ${r.candidateVersion.slice(0, 12)} on ${r.requests} logged decisions from ${window.since.toISOString()} to ${window.until.toISOString()}`, '', 'in short'];
  const item = (label: string, lines: readonly string[], none = 'nobody'): void => (lines.length ? lines : [none]).forEach((l, i) => out.push(`  ${(i === 0 ? label : '').padEnd(17)}  ${l}`));
  item('accounts affected', [`${s.accountsAffected} of ${s.accounts}`]);
  item('charged credits', [`${cr(r.chargedBefore)} → ${cr(r.chargedAfter)} (${delta(r.chargedBefore, r.chargedAfter)}${share(r.chargedBefore, r.chargedAfter)})`]);
  item('pay more', s.payMore);
  item('pay less', s.payLess);
  item('newly denied', s.loseAccess);
  item('newly allowed', s.gainAccess);
  out.push('', `  outcome changes   ${r.changedOutcome} (${r.newlyDenied} newly denied, ${r.newlyAllowed} newly allowed)`, `  repriced          ${r.repriced}`);
  const table = (title: string, groups: readonly ImpactGroup[]): void => {
    out.push('', title);
    const w = Math.max(6, ...groups.map((g) => g.key.length));
    out.push(`  ${''.padEnd(w)}  requests  changed  newly denied  newly allowed  repriced  credits before → after`);
    for (const g of groups) {
      out.push(`  ${g.key.padEnd(w)}  ${String(g.requests).padStart(8)}  ${String(g.changedOutcome).padStart(7)}  ${String(g.newlyDenied).padStart(12)}  ${String(g.newlyAllowed).padStart(13)}  ${String(g.repriced).padStart(8)}  ${cr(g.chargedBefore)} → ${cr(g.chargedAfter)} (${delta(g.chargedBefore, g.chargedAfter)})`);
    }
  };
  table('by action', r.byAction);
  table('by plan', r.byPlan);
  return out.join('\n');
}
