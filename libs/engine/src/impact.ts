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
  /** Credits the same charges and captures would cost under the candidate (denied ones count 0). */
  readonly chargedAfter: number;
}

/** What a candidate rule set would have done to a window of logged decisions. */
export interface ImpactReport {
  readonly candidateVersion: string;
  readonly requests: number;
  readonly changedOutcome: number;
  readonly repriced: number;
  readonly chargedBefore: number;
  readonly chargedAfter: number;
  readonly byAction: readonly ImpactGroup[];
  readonly byPlan: readonly ImpactGroup[];
  /** Accounts with at least one request that would newly be denied, and how many. */
  readonly newlyDeniedAccounts: readonly { readonly accountId: string; readonly requests: number }[];
}

const MONEY = new Set(['charge', 'capture']);

/**
 * Decides every logged decision again under `candidate`, with the account state it saw, and
 * totals what changes: outcomes per action and plan, credits charged before and after, and the
 * accounts that would newly be denied. Pure: nothing is written.
 */
export function impactOf(candidate: CompiledRuleSet, logged: Iterable<LoggedDecision>, now: Date): ImpactReport {
  type Acc = { requests: number; changedOutcome: number; newlyDenied: number; newlyAllowed: number; repriced: number; before: number; after: number };
  const blank = (): Acc => ({ requests: 0, changedOutcome: 0, newlyDenied: 0, newlyAllowed: 0, repriced: 0, before: 0, after: 0 });
  const total = blank();
  const byAction = new Map<string, Acc>();
  const byPlan = new Map<string, Acc>();
  const denied = new Map<string, number>();
  for (const d of logged) {
    const again = decide(candidate, { plan: d.plan, balanceMc: d.balanceMillicredits, usage: d.usage }, { action: d.action, params: d.params as Record<string, ParamValue>, confirm: d.confirm }, now);
    const accs = [total, get(byAction, d.action, blank), get(byPlan, d.plan, blank)];
    for (const a of accs) {
      a.requests++;
      if (again.allowed !== d.allowed) a.changedOutcome++;
      if (d.allowed && !again.allowed) a.newlyDenied++;
      if (!d.allowed && again.allowed) a.newlyAllowed++;
      if (again.costMillicredits !== d.costMillicredits) a.repriced++;
      if (MONEY.has(d.kind) && d.allowed) {
        a.before += d.costMillicredits;
        a.after += again.allowed ? again.costMillicredits : 0;
      }
    }
    if (d.allowed && !again.allowed) denied.set(d.accountId, (denied.get(d.accountId) ?? 0) + 1);
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
  return {
    candidateVersion: candidate.version,
    requests: total.requests,
    changedOutcome: total.changedOutcome,
    repriced: total.repriced,
    chargedBefore: total.before / 1000,
    chargedAfter: total.after / 1000,
    byAction: [...byAction.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(group),
    byPlan: [...byPlan.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(group),
    newlyDeniedAccounts: [...denied.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([accountId, requests]) => ({ accountId, requests })),
  };
}

function get<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

/** The impact report as text. */
export function impactText(r: ImpactReport, window: { since: Date; until: Date }): string {
  const cr = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 3 });
  const delta = (a: number, b: number): string => `${b - a >= 0 ? '+' : ''}${cr(b - a)}`;
  const out = [
    `impact of candidate ${r.candidateVersion.slice(0, 12)} on ${r.requests} logged decisions from ${window.since.toISOString()} to ${window.until.toISOString()}`,
    '',
    `  outcome changes   ${r.changedOutcome}`,
    `  repriced          ${r.repriced}`,
    `  charged credits   ${cr(r.chargedBefore)} → ${cr(r.chargedAfter)} (${delta(r.chargedBefore, r.chargedAfter)})`,
  ];
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
  out.push('', r.newlyDeniedAccounts.length ? `accounts newly denied: ${r.newlyDeniedAccounts.map((a) => `${a.accountId} (${a.requests})`).join(', ')}` : 'no account would newly be denied');
  return out.join('\n');
}
