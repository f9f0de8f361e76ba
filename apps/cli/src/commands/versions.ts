import { LedgerError, type ActivationReport, type CaseFailure, type RuleVersions, type SwitchOptions } from '@ratecard/ledger';
import { cliCaller, withStore } from '../db';
import { EXIT, type CliIo } from '../io';
import { printDiagnostics, readRules } from '../rules';
import { printCaseFailures, printRefusal, printSwitchDetails, scheduledLine, short, switchHeadline } from '../switch-output';

/**
 * `ratecard publish`: validates, compiles, runs the cases and stores the rules as a version;
 * `--activate` makes it active (guarded as `activate`). Failing cases refuse it unless `--force`.
 */
export async function publish(io: CliIo, opts: { rules: string; message: string; author?: string; activate: boolean } & SwitchOptions): Promise<number> {
  const { files, diagnostics } = await readRules(io, opts.rules, { relativeToDir: true });
  if (diagnostics.length) {
    printDiagnostics(io, diagnostics);
    return EXIT.failed;
  }
  const caller = cliCaller(io);
  return withStore(io, async ({ versions }) => {
    try {
      const r = await versions.publish(files, opts.author ?? caller.actor.replace(/^cli:/, ''), opts.message, io.now(), { activate: opts.activate, caller, ...(opts.migratePlans ? { migratePlans: opts.migratePlans } : {}), ...(opts.force ? { force: opts.force } : {}), ...(opts.at ? { at: opts.at } : {}) });
      printDiagnostics(io, r.diagnostics);
      const failed = r.cases.failures.length;
      const cases = r.cases.cases === 0 ? 'no cases' : failed ? `${r.cases.cases} cases, ${failed} failing (forced: "${opts.force?.reason}")` : `${r.cases.cases} cases pass`;
      if (failed) printCaseFailures((l) => io.err(l), r.cases.failures);
      const what = r.created ? 'published' : 'already published';
      const revision = !r.created && r.casesRevision ? `; cases corrected: revision ${r.casesRevision}` : '';
      const active = r.activation ? (r.activation.pending ? '' : r.activated ? ', now active' : ', already active') : '';
      io.out(`${what} ${short(r.version)} (${r.version})${active}: ${cases}${revision}`);
      if (r.activation?.pending) io.out(scheduledLine(r.activation));
      if (r.activation) printSwitchDetails(io, r.activation);
      if (!opts.activate) io.out(`activate it with: ratecard activate ${short(r.version)}`);
      return EXIT.ok;
    } catch (e) {
      if (e instanceof LedgerError && e.code === 'INVALID_RULES') {
        printDiagnostics(io, (e.details.diagnostics as Parameters<typeof printDiagnostics>[1]) ?? []);
        io.err('not published: a rule set with errors never becomes a version');
        return EXIT.failed;
      }
      if (e instanceof LedgerError && e.code === 'CASES_FAILED') {
        printDiagnostics(io, (e.details.diagnostics as Parameters<typeof printDiagnostics>[1]) ?? []);
        const failures = (e.details.failures as CaseFailure[]) ?? [];
        printCaseFailures((l) => io.err(l), failures);
        const count = e.details.cases as number;
        io.err(`not published: ${failures.length ? `${failures.length} of ${count} cases fail` : 'the case files have errors'}; correct the rules or the cases (ratecard test --update), or publish with --force --reason "why"`);
        return EXIT.failed;
      }
      return refused(io, e, versions, 'publishing and activating');
    }
  });
}

/** `ratecard versions`: published versions, newest first; `*` marks the active one. `--activations`: who activated what, when. */
export async function listVersions(io: CliIo, opts: { json: boolean; activations?: boolean }): Promise<number> {
  return withStore(
    io,
    async ({ versions }) => {
      if (opts.activations) {
        const history = await versions.history(100, io.now());
        if (opts.json) io.out(JSON.stringify(history, null, 2));
        else {
          for (const a of history) {
            const when = a.effectiveAt !== a.at ? `  effective ${a.effectiveAt.slice(0, 19).replace('T', ' ')}` : '';
            const state = a.pending ? '  (scheduled)' : a.cancelledBy !== null ? `  (cancelled by ${a.cancelledBy})` : a.cancels !== null ? `  (cancels ${a.cancels})` : '';
            io.out(`${String(a.id).padStart(4)}  ${a.at.slice(0, 19).replace('T', ' ')}  ${a.version.slice(0, 12)}  ${a.reason.padEnd(8)}  ${a.activatedBy}${when}${state}`);
          }
        }
        return EXIT.ok;
      }
      const list = await versions.list(io.now());
      if (opts.json) io.out(JSON.stringify(list, null, 2));
      else if (list.length === 0) io.out('no published versions yet: ratecard publish -m "..."');
      else for (const v of list) io.out(`${v.active ? '*' : ' '} ${v.version.slice(0, 12)}  ${v.createdAt.slice(0, 16).replace('T', ' ')}  ${v.author.padEnd(12)}  ${v.message}`);
      return EXIT.ok;
    },
    { mustExist: true },
  );
}

/**
 * `ratecard activate <version>`: makes a published version active (the API follows within
 * seconds), after the guard: refused (exit 3) when it would strand live accounts, unless
 * `--migrate-plan` maps their plans or `--force --reason`. `--dry-run` prints the guard's report only.
 */
export async function activate(io: CliIo, version: string, options: SwitchOptions & { dryRun?: boolean } = {}): Promise<number> {
  return withStore(
    io,
    async ({ versions }) => {
      if (options.dryRun) return dryRun(io, versions, version, options);
      try {
        const a = await versions.activate(version, cliCaller(io), io.now(), options);
        io.out(switchHeadline('activate', a));
        printSwitchDetails(io, a);
        return EXIT.ok;
      } catch (e) {
        return refused(io, e, versions, `activating ${version}`);
      }
    },
    { mustExist: true },
  );
}

/** `ratecard rollback`: re-activates the version that was active before the current one, guarded as `activate`. */
export async function rollback(io: CliIo, options: SwitchOptions & { dryRun?: boolean } = {}): Promise<number> {
  return withStore(
    io,
    async ({ versions }) => {
      if (options.dryRun) return dryRun(io, versions, 'previous', options);
      try {
        const a = await versions.rollback(cliCaller(io), io.now(), options);
        io.out(switchHeadline('rollback', a));
        printSwitchDetails(io, a);
        return EXIT.ok;
      } catch (e) {
        return refused(io, e, versions, 'rolling back');
      }
    },
    { mustExist: true },
  );
}

/** A refused switch is printed with its report (exit 3); anything else goes up. */
async function refused(io: CliIo, e: unknown, versions: RuleVersions, what: string): Promise<number> {
  if (!(e instanceof LedgerError) || e.code !== 'ACTIVATION_REFUSED') throw e;
  const report = e.details.report as ActivationReport;
  const target = await versions.compile(report.to);
  printRefusal(io, `${what} (${short(report.from)} → ${short(report.to)})`, report, [...target.plans.keys()]);
  return EXIT.refused;
}

async function dryRun(io: CliIo, versions: RuleVersions, name: string, options: SwitchOptions): Promise<number> {
  const report = await versions.preview(name, io.now(), options.migratePlans ?? []);
  if (report.safe) {
    io.out(`safe: activating ${short(report.to)} (from ${short(report.from)}) strands no account, removes no action in use${report.plans.some((p) => p.mappedTo) ? ' with the plan mapping' : ''}`);
    return EXIT.ok;
  }
  const target = await versions.compile(report.to);
  printRefusal(io, `activating ${short(report.to)} (from ${short(report.from)})`, report, [...target.plans.keys()]);
  return EXIT.refused;
}

/** `ratecard cancel-activation <id>`: withdraws a scheduled activation before its time (a `cancel` row; nothing is erased). */
export async function cancelActivation(io: CliIo, id: string): Promise<number> {
  return withStore(
    io,
    async ({ versions }) => {
      try {
        const c = await versions.cancel(Number(id), cliCaller(io), io.now());
        io.out(`cancelled activation ${c.cancels}: ${short(c.version)} will not become active (recorded as activation ${c.id})`);
        return EXIT.ok;
      } catch (e) {
        if (e instanceof LedgerError && (e.code === 'ACTIVATION_NOT_FOUND' || e.code === 'ACTIVATION_NOT_PENDING')) {
          io.err(`ratecard cancel-activation: ${e.code}: ${e.message}`);
          return EXIT.failed;
        }
        throw e;
      }
    },
    { mustExist: true },
  );
}
