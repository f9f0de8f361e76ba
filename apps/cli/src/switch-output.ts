import type { ActivationReport, ActivationResult, CaseFailure, PlanMove, SwitchOptions } from '@ratecard/ledger';
import type { ParseArgsConfig } from 'node:util';
import { isoTime } from './commands/quote';
import { UsageError, type CliIo } from './io';

/** `--migrate-plan from=to` (repeatable), `--force`, `--reason` and `--at` (or publish's `--activate-at`) as switch options. */
export function switchOptionsOf(values: { 'migrate-plan'?: string[]; force?: boolean; reason?: string; at?: string; 'activate-at'?: string }): SwitchOptions {
  const migratePlans: PlanMove[] = (values['migrate-plan'] ?? []).map((pair) => {
    const m = /^([^=\s]+)=([^=\s]+)$/.exec(pair.trim());
    if (!m) throw new UsageError(`--migrate-plan takes \`from=to\` (a plan the version lacks = one of its plans), got \`${pair}\``);
    return { from: m[1], to: m[2] };
  });
  const reason = values.reason?.trim();
  if (values.force && !reason) throw new UsageError('--force needs --reason "why": the audit trail records why the guard was overridden');
  if (reason && !values.force) throw new UsageError('--reason goes with --force');
  const when = values['activate-at'] !== undefined ? isoTime('--activate-at', values['activate-at']) : values.at !== undefined ? isoTime('--at', values.at) : undefined;
  if (when && migratePlans.length) throw new UsageError('--migrate-plan moves accounts at once and cannot be scheduled: activate at the time with the mapping');
  return { migratePlans, ...(values.force ? { force: { reason: reason! } } : {}), ...(when ? { at: when } : {}) };
}

/** The options every switching command takes. */
export const SWITCH_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  'migrate-plan': { type: 'string', multiple: true, default: [] },
  force: { type: 'boolean', default: false },
  reason: { type: 'string' },
  at: { type: 'string' },
};

const short = (v: string | null): string => (v ? v.slice(0, 12) : '(none)');
const plural = (n: number, noun: string): string => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;

/** The guard's findings, one per line, each with the accounts concerned. */
export function reportLines(report: ActivationReport): string[] {
  const lines: string[] = [];
  for (const p of report.problems) {
    lines.push(`  ${p.message}`);
    const plan = p.kind === 'stranded-plan' ? report.plans.find((x) => x.plan === p.subject) : undefined;
    if (plan?.sample.length) lines.push(`    accounts: ${plan.sample.join(', ')}${plan.accounts + plan.pendingChanges > plan.sample.length ? ', …' : ''}`);
  }
  return lines;
}

/** Prints a refused switch: what it would do, and the two ways forward. */
export function printRefusal(io: CliIo, what: string, report: ActivationReport, planIds: readonly string[]): void {
  io.err(`refused: ${what} would hurt live accounts`);
  for (const l of reportLines(report)) io.err(l);
  const stranded = report.plans.filter((p) => !p.mappedTo).map((p) => p.plan);
  const ways: string[] = [];
  if (stranded.length) ways.push(`map the plans (${stranded.map((p) => `--migrate-plan ${p}=PLAN`).join(' ')}; PLAN one of ${planIds.map((p) => `\`${p}\``).join(', ')})`);
  ways.push('force it (--force --reason "why")');
  io.err(`nothing changed: ${ways.join(' or ')}`);
}

/** Prints what a switch did beyond the switch itself: plan moves, and an override. */
export function printSwitchDetails(io: CliIo, a: ActivationResult): void {
  for (const m of a.migrated) {
    const moved = m.accounts.length ? `moved ${plural(m.accounts.length, 'account')} from \`${m.from}\` to \`${m.to}\` (${m.accounts.slice(0, 10).join(', ')}${m.accounts.length > 10 ? ', …' : ''})` : `no account on \`${m.from}\``;
    const cleared = m.pendingCleared.length ? `; cancelled ${plural(m.pendingCleared.length, 'pending change')} to \`${m.from}\`` : '';
    io.out(`  ${moved}${cleared}; each move is in the account's ledger`);
  }
  if (a.forced) {
    io.out(`  forced ("${a.forced}"), over:`);
    for (const l of reportLines(a.report)) io.out(`  ${l}`);
  }
}

/** `rolled back A → B` or `active: B`, the same words for the CLI's three switching commands. */
export function switchHeadline(how: 'activate' | 'rollback', a: ActivationResult): string {
  if (a.pending) return scheduledLine(a);
  if (how === 'rollback') return `rolled back ${short(a.previous)} → ${short(a.version)}; active: ${a.version}`;
  return a.changed ? `active: ${short(a.version)} (${a.version})` : `already active: ${short(a.version)} (${a.version})`;
}

/** Prints failing cases as `ratecard test` does: where, the note, what differs, the reasons. */
export function printCaseFailures(print: (line: string) => void, failures: readonly CaseFailure[]): void {
  for (const f of failures) {
    print(`FAIL ${f.file}:${f.line}:${f.column} ${f.note}`);
    for (const m of f.mismatches) {
      if (m.want.includes('\n') || m.got.includes('\n')) print(`  ${m.field}:\n    want:${m.want}\n    got:${m.got}`);
      else print(`  ${m.field}: want ${m.want}, got ${m.got}`);
    }
    for (const r of f.reasons) print(`  reason ${r.code}: ${r.message}`);
  }
}

export { short, plural };

/** `scheduled: B becomes active at T (activation 7; cancel it with ratecard cancel-activation 7)`. */
export function scheduledLine(a: ActivationResult): string {
  if (!a.changed) return `already active at ${a.effectiveAt}: ${short(a.version)} (${a.version})`;
  return `scheduled: ${short(a.version)} becomes active at ${a.effectiveAt}, in every process (activation ${a.id}; cancel it before then with: ratecard cancel-activation ${a.id})`;
}
