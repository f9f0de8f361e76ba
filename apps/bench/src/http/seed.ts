import { rm } from 'node:fs/promises';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { cycleWindow, type CompiledRuleSet } from '@ratecard/engine';
import { Account, openDatabase } from '@ratecard/ledger';
import { Rng } from '../rng';
import { BenchAbort } from '../settings';

/** Credits every seeded account holds: enough for every charge of the run. */
export const SEED_BALANCE_MC = 1_000_000 * 1000;

/** A seeded account: its id and plan. */
export interface SeededAccount {
  readonly id: string;
  readonly plan: string;
}

export interface SeedResult {
  readonly file: string;
  readonly accounts: readonly SeededAccount[];
  readonly ms: number;
}

const ROWS_PER_INSERT = 500;
const ROWS_PER_TRANSACTION = 25_000;

/**
 * A fresh SQLite file with `count` accounts on the bundled plans (half Basic, 30% Pro, 20% Premium),
 * each mid-cycle at `now` on a random billing day, holding {@link SEED_BALANCE_MC} in one credit grant
 * (a goodwill grant that never expires) opened by one grant entry with its allocation, so every
 * balance equals the sum of its ledger entries and of its grants' remaining credits, as the ledger
 * expects. Migrated with the ledger's own
 * migrations, then filled with multi-row INSERTs in a few transactions (the ledger's API would take
 * minutes for 100,000 accounts). Checks the balance invariant and the stored dates before returning.
 */
export async function seedDatabase(file: string, count: number, compiled: CompiledRuleSet, seed: number, now: Date): Promise<SeedResult> {
  const started = process.hrtime.bigint();
  for (const suffix of ['', '-wal', '-shm']) await rm(file + suffix, { force: true });
  const db = await openDatabase({ kind: 'sqlite', file });
  try {
    await db.migrate();
    const rng = new Rng(seed ^ count);
    const plans = compiled.ruleset.plans.map((p) => p.id);
    const planAt = (r: number): string => plans[r < 0.5 ? 0 : r < 0.8 ? Math.min(1, plans.length - 1) : plans.length - 1];
    const accounts: SeededAccount[] = [];
    const created = now.getTime();
    const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;
    const em = db.orm.em.fork() as SqlEntityManager;
    for (let from = 0; from < count; from += ROWS_PER_TRANSACTION) {
      await em.transactional(async (tem) => {
        for (let at = from; at < Math.min(count, from + ROWS_PER_TRANSACTION); at += ROWS_PER_INSERT) {
          const accountRows: string[] = [];
          const entryRows: string[] = [];
          const grantRows: string[] = [];
          for (let i = at; i < Math.min(count, at + ROWS_PER_INSERT, from + ROWS_PER_TRANSACTION); i++) {
            const id = `acct-${String(i).padStart(6, '0')}`;
            const plan = planAt(rng.next());
            const anchor = rng.between(1, 28);
            const window = cycleWindow(anchor, now);
            accounts.push({ id, plan });
            accountRows.push(`(${quote(id)}, ${quote(plan)}, NULL, ${anchor}, ${window.start.getTime()}, ${window.end.getTime()}, ${SEED_BALANCE_MC}, 0, ${created}, ${created})`);
            entryRows.push(
              `(${quote(id)}, 'grant', ${SEED_BALANCE_MC}, ${SEED_BALANCE_MC}, ${window.start.getTime()}, NULL, NULL, NULL, ${quote(plan)}, ${quote(compiled.version)}, 'bench: allowance and top-up', ${created})`,
            );
            grantRows.push(`(${quote(`gr_bench_${id}`)}, ${quote(id)}, 'goodwill', ${SEED_BALANCE_MC}, ${SEED_BALANCE_MC}, 100, NULL, ${quote(plan)}, NULL, ${quote(compiled.version)}, 'bench: allowance and top-up', ${created})`);
          }
          await tem.execute(
            `insert into account (id, plan, pending_plan, billing_anchor, cycle_start, cycle_end, balance_mc, held_mc, created_at, updated_at) values ${accountRows.join(', ')}`,
            [],
            'run',
          );
          await tem.execute(
            `insert into ledger_entry (account_id, kind, amount_mc, balance_after_mc, cycle_start, action, charge_id, hold_id, plan, ruleset_version, reason, created_at) values ${entryRows.join(', ')}`,
            [],
            'run',
          );
          await tem.execute(
            `insert into credit_grant (id, account_id, source, amount_mc, remaining_mc, priority, expires_at, plan, pack, ruleset_version, reason, created_at) values ${grantRows.join(', ')}`,
            [],
            'run',
          );
        }
      });
    }
    // Each grant entry moves its credits into its account's grant.
    await em.execute(
      `insert into entry_allocation (entry_id, grant_id, account_id, amount_mc) select e.id, 'gr_bench_' || e.account_id, e.account_id, e.amount_mc from ledger_entry e where e.kind = 'grant'`,
      [],
      'run',
    );
    // The invariant the service relies on, and dates the ORM reads back as this cycle.
    const check = db.orm.em.fork() as SqlEntityManager;
    const [bad] = await check.execute<{ n: number }[]>(
      'select count(*) as n from account a where a.balance_mc <> (select coalesce(sum(e.amount_mc), 0) from ledger_entry e where e.account_id = a.id)',
    );
    if (Number(bad.n) !== 0) throw new BenchAbort(`seeding ${file}: ${bad.n} balances differ from the sum of their ledger entries`);
    const [ungranted] = await check.execute<{ n: number }[]>(
      'select count(*) as n from account a where a.balance_mc <> (select coalesce(sum(g.remaining_mc), 0) from credit_grant g where g.account_id = a.id)',
    );
    if (Number(ungranted.n) !== 0) throw new BenchAbort(`seeding ${file}: ${ungranted.n} balances differ from the sum of their grants`);
    const sample = await check.findOneOrFail(Account, { id: accounts[accounts.length - 1].id });
    if (!(sample.cycleStart.getTime() <= now.getTime() && now.getTime() < sample.cycleEnd.getTime()) || sample.balanceMc !== SEED_BALANCE_MC) {
      throw new BenchAbort(`seeding ${file}: account ${sample.id} reads back as ${JSON.stringify(sample)}, not mid-cycle with the seeded balance`);
    }
    return { file, accounts, ms: Number(process.hrtime.bigint() - started) / 1e6 };
  } finally {
    await db.close();
  }
}
