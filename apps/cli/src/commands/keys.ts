import { ROLES, verifyLedger, type Role } from '@ratecard/ledger';
import { cliCaller, withStore } from '../db';
import { EXIT, UsageError, type CliIo } from '../io';

/** `ratecard keys create|list|revoke`: API keys, stored hashed; a new key is shown once. */
export async function keys(io: CliIo, args: string[], opts: { role?: string; name?: string; json: boolean }): Promise<number> {
  const [verb, id] = args;
  if (verb === 'create') {
    if (!opts.role || !ROLES.includes(opts.role as Role)) throw new UsageError(`keys create needs --role ${ROLES.join('|')}`);
    const role = opts.role as Role;
    return withStore(io, async ({ keys: store }) => {
      const k = await store.create(opts.name ?? `${role} key`, role, io.now(), cliCaller(io));
      if (opts.json) io.out(JSON.stringify(k, null, 2));
      else io.out(`created ${k.role} key ${k.id} (${k.name}). It is shown once; store it:\n\n  ${k.key}\n`);
      return EXIT.ok;
    });
  }
  if (verb === 'list') {
    return withStore(
      io,
      async ({ keys: store }) => {
        const list = await store.list();
        if (opts.json) io.out(JSON.stringify(list, null, 2));
        else for (const k of list) io.out(`${k.id}  ${k.role.padEnd(7)}  ${k.revokedAt ? `revoked ${k.revokedAt.slice(0, 10)}` : 'active    '}  ${k.name}`);
        return EXIT.ok;
      },
      { mustExist: true },
    );
  }
  if (verb === 'revoke') {
    if (!id) throw new UsageError('keys revoke needs the key id, e.g. `ratecard keys revoke key_AbC...`');
    return withStore(
      io,
      async ({ keys: store }) => {
        const k = await store.revoke(id, io.now(), cliCaller(io));
        io.out(`revoked ${k.id} (${k.name})`);
        return EXIT.ok;
      },
      { mustExist: true },
    );
  }
  throw new UsageError('keys takes `create --role R [--name N]`, `list` or `revoke <id>`');
}

/** `ratecard migrate`: applies pending database migrations (the API also does at start). */
export async function migrate(io: CliIo): Promise<number> {
  return withStore(io, async ({ db }) => {
    // openStore has migrated; report what is applied now.
    const pending = await db.pendingMigrations();
    io.out(pending.length ? `pending: ${pending.join(', ')}` : `database is up to date (${db.kind})`);
    return EXIT.ok;
  });
}

/** `ratecard verify`: checks the ledger's invariants over the whole database; exit 1 on any problem. */
export async function verify(io: CliIo, opts: { json: boolean }): Promise<number> {
  return withStore(
    io,
    async ({ db }) => {
      const report = await verifyLedger(db);
      if (opts.json) io.out(JSON.stringify(report, null, 2));
      else {
        for (const p of report.problems) io.out(`${p.code}${p.accountId ? ` ${p.accountId}` : ''}: ${p.message}`);
        io.out(`${report.problems.length ? 'FAILED' : 'ok'}: ${report.accounts} accounts, ${report.entries} ledger entries, ${report.grants} grants, ${report.charges} charges, ${report.problems.length} problem(s)`);
      }
      return report.problems.length ? EXIT.failed : EXIT.ok;
    },
    { mustExist: true },
  );
}
