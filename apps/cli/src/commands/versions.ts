import { LedgerError } from '@ratecard/ledger';
import { cliCaller, withStore } from '../db';
import { EXIT, type CliIo } from '../io';
import { printDiagnostics, readRules } from '../rules';

/** `ratecard publish`: validates, compiles and stores the rules as a version; `--activate` makes it active. */
export async function publish(io: CliIo, opts: { rules: string; message: string; author?: string; activate: boolean }): Promise<number> {
  const { files, diagnostics } = await readRules(io, opts.rules, { relativeToDir: true });
  if (diagnostics.length) {
    printDiagnostics(io, diagnostics);
    return EXIT.failed;
  }
  const caller = cliCaller(io);
  return withStore(io, async ({ versions }) => {
    try {
      const r = await versions.publish(files, opts.author ?? caller.actor.replace(/^cli:/, ''), opts.message, io.now(), { activate: opts.activate, caller });
      printDiagnostics(io, r.diagnostics);
      io.out(`${r.created ? 'published' : 'already published'} ${r.version.slice(0, 12)} (${r.version})${r.activated ? ', now active' : opts.activate ? ', already active' : ''}`);
      if (!opts.activate) io.out(`activate it with: ratecard activate ${r.version.slice(0, 12)}`);
      return EXIT.ok;
    } catch (e) {
      if (e instanceof LedgerError && e.code === 'INVALID_RULES') {
        printDiagnostics(io, (e.details.diagnostics as Parameters<typeof printDiagnostics>[1]) ?? []);
        io.err('not published: a rule set with errors never becomes a version');
        return EXIT.failed;
      }
      throw e;
    }
  });
}

/** `ratecard versions`: published versions, newest first; `*` marks the active one. `--activations`: who activated what, when. */
export async function listVersions(io: CliIo, opts: { json: boolean; activations?: boolean }): Promise<number> {
  return withStore(
    io,
    async ({ versions }) => {
      if (opts.activations) {
        const history = await versions.history();
        if (opts.json) io.out(JSON.stringify(history, null, 2));
        else for (const a of history) io.out(`${a.at.slice(0, 19).replace('T', ' ')}  ${a.version.slice(0, 12)}  ${a.reason.padEnd(8)}  ${a.activatedBy}`);
        return EXIT.ok;
      }
      const list = await versions.list();
      if (opts.json) io.out(JSON.stringify(list, null, 2));
      else if (list.length === 0) io.out('no published versions yet: ratecard publish -m "..."');
      else for (const v of list) io.out(`${v.active ? '*' : ' '} ${v.version.slice(0, 12)}  ${v.createdAt.slice(0, 16).replace('T', ' ')}  ${v.author.padEnd(12)}  ${v.message}`);
      return EXIT.ok;
    },
    { mustExist: true },
  );
}

/** `ratecard activate <version>`: makes a published version active (the API follows within seconds). */
export async function activate(io: CliIo, version: string): Promise<number> {
  return withStore(
    io,
    async ({ versions }) => {
      const a = await versions.activate(version, cliCaller(io), io.now());
      io.out(`active: ${a.version.slice(0, 12)} (${a.version})`);
      return EXIT.ok;
    },
    { mustExist: true },
  );
}

/** `ratecard rollback`: re-activates the version that was active before the current one. */
export async function rollback(io: CliIo): Promise<number> {
  return withStore(
    io,
    async ({ versions }) => {
      const before = await versions.active();
      const a = await versions.rollback(cliCaller(io), io.now());
      io.out(`rolled back ${before?.version.slice(0, 12) ?? '(none)'} → ${a.version.slice(0, 12)}; active: ${a.version}`);
      return EXIT.ok;
    },
    { mustExist: true },
  );
}
