import { rm } from 'node:fs/promises';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { cycleWindow, type CompiledRuleSet } from '@ratecard/engine';
import { Account, openDatabase, redact, type DatabaseTarget } from '@ratecard/ledger';
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
  readonly accounts: readonly SeededAccount[];
  readonly ms: number;
}

const ROWS_PER_INSERT = 500;
const ROWS_PER_TRANSACTION = 25_000;

type Value = string | number | Date | null;

/** The seeded tables, their columns, and one account's row in each: the one definition of the seed. */
const TABLES = {
  account: ['id', 'plan', 'pending_plan', 'billing_anchor', 'cycle_start', 'cycle_end', 'balance_mc', 'held_mc', 'created_at', 'updated_at'],
  ledger_entry: ['account_id', 'kind', 'amount_mc', 'balance_after_mc', 'cycle_start', 'action', 'charge_id', 'hold_id', 'plan', 'ruleset_version', 'reason', 'created_at'],
  credit_grant: ['id', 'account_id', 'source', 'amount_mc', 'remaining_mc', 'priority', 'expires_at', 'plan', 'pack', 'ruleset_version', 'reason', 'created_at'],
} as const;
type Table = keyof typeof TABLES;

/**
 * One account mid-cycle at `now`, holding {@link SEED_BALANCE_MC} in one goodwill grant that never
 * expires, opened by one grant entry (its allocation is inserted from the entries afterwards).
 */
function accountRows(id: string, plan: string, anchor: number, now: Date, version: string): Record<Table, Value[]> {
  const window = cycleWindow(anchor, now);
  const reason = 'bench: allowance and top-up';
  return {
    account: [id, plan, null, anchor, window.start, window.end, SEED_BALANCE_MC, 0, now, now],
    ledger_entry: [id, 'grant', SEED_BALANCE_MC, SEED_BALANCE_MC, window.start, null, null, null, plan, version, reason, now],
    credit_grant: [`gr_bench_${id}`, id, 'goodwill', SEED_BALANCE_MC, SEED_BALANCE_MC, 100, null, plan, null, version, reason, now],
  };
}

/** A value as SQL text: the ledger stores instants as epoch milliseconds on SQLite and as `timestamptz` on PostgreSQL. */
function literal(kind: DatabaseTarget['kind'], v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return String(v);
  if (v instanceof Date) return kind === 'sqlite' ? String(v.getTime()) : `'${v.toISOString()}'`;
  return `'${v.replace(/'/g, "''")}'`;
}

function where(target: DatabaseTarget): string {
  return target.kind === 'sqlite' ? target.file : redact(target.url);
}

/**
 * A fresh database (a new SQLite file, or an empty PostgreSQL database) with `count` accounts on the
 * bundled plans (half Basic, 30% Pro, 20% Premium), each mid-cycle at `now` on a random billing day,
 * holding {@link SEED_BALANCE_MC} in one credit grant (a goodwill grant that never expires) opened by
 * one grant entry with its allocation, so every balance equals the sum of its ledger entries and of
 * its grants' remaining credits, as the ledger expects. The same seed and count give the same
 * accounts on either database. Migrated with the ledger's own migrations, then filled with multi-row
 * INSERTs in a few transactions (the ledger's API would take minutes for 100,000 accounts). Checks
 * the balance invariant and the stored dates before returning. On PostgreSQL the seeded tables are
 * vacuumed and analysed, as autovacuum would have done on a server in service (and so that it does
 * not start during the measurements).
 */
export async function seedDatabase(target: DatabaseTarget, count: number, compiled: CompiledRuleSet, seed: number, now: Date): Promise<SeedResult> {
  const started = process.hrtime.bigint();
  if (target.kind === 'sqlite') for (const suffix of ['', '-wal', '-shm']) await rm(target.file + suffix, { force: true });
  const db = await openDatabase(target);
  try {
    await db.migrate();
    const rng = new Rng(seed ^ count);
    const plans = compiled.ruleset.plans.map((p) => p.id);
    const planAt = (r: number): string => plans[r < 0.5 ? 0 : r < 0.8 ? Math.min(1, plans.length - 1) : plans.length - 1];
    const accounts: SeededAccount[] = [];
    const em = db.orm.em.fork() as SqlEntityManager;
    for (let from = 0; from < count; from += ROWS_PER_TRANSACTION) {
      await em.transactional(async (tem) => {
        for (let at = from; at < Math.min(count, from + ROWS_PER_TRANSACTION); at += ROWS_PER_INSERT) {
          const values: Record<Table, string[]> = { account: [], ledger_entry: [], credit_grant: [] };
          for (let i = at; i < Math.min(count, at + ROWS_PER_INSERT, from + ROWS_PER_TRANSACTION); i++) {
            const id = `acct-${String(i).padStart(6, '0')}`;
            const plan = planAt(rng.next());
            const anchor = rng.between(1, 28);
            accounts.push({ id, plan });
            const rows = accountRows(id, plan, anchor, now, compiled.version);
            for (const table of Object.keys(TABLES) as Table[]) values[table].push(`(${rows[table].map((v) => literal(target.kind, v)).join(', ')})`);
          }
          // Accounts first: the entries and grants refer to them.
          for (const table of Object.keys(TABLES) as Table[]) {
            await tem.execute(`insert into ${table} (${TABLES[table].join(', ')}) values ${values[table].join(', ')}`, [], 'run');
          }
        }
      });
    }
    // Each grant entry moves its credits into its account's grant.
    await em.execute(
      `insert into entry_allocation (entry_id, grant_id, account_id, amount_mc) select e.id, 'gr_bench_' || e.account_id, e.account_id, e.amount_mc from ledger_entry e where e.kind = 'grant'`,
      [],
      'run',
    );
    if (target.kind === 'postgresql') await em.execute(`vacuum analyze ${[...Object.keys(TABLES), 'entry_allocation'].join(', ')}`, [], 'run');
    // The invariant the service relies on, and dates the ORM reads back as this cycle.
    const check = db.orm.em.fork() as SqlEntityManager;
    const [bad] = await check.execute<{ n: number }[]>(
      'select count(*) as n from account a where a.balance_mc <> (select coalesce(sum(e.amount_mc), 0) from ledger_entry e where e.account_id = a.id)',
    );
    if (Number(bad.n) !== 0) throw new BenchAbort(`seeding ${where(target)}: ${bad.n} balances differ from the sum of their ledger entries`);
    const [ungranted] = await check.execute<{ n: number }[]>(
      'select count(*) as n from account a where a.balance_mc <> (select coalesce(sum(g.remaining_mc), 0) from credit_grant g where g.account_id = a.id)',
    );
    if (Number(ungranted.n) !== 0) throw new BenchAbort(`seeding ${where(target)}: ${ungranted.n} balances differ from the sum of their grants`);
    const sample = await check.findOneOrFail(Account, { id: accounts[accounts.length - 1].id });
    if (!(sample.cycleStart.getTime() <= now.getTime() && now.getTime() < sample.cycleEnd.getTime()) || sample.balanceMc !== SEED_BALANCE_MC) {
      throw new BenchAbort(`seeding ${where(target)}: account ${sample.id} reads back as ${JSON.stringify(sample)}, not mid-cycle with the seeded balance`);
    }
    return { accounts, ms: Number(process.hrtime.bigint() - started) / 1e6 };
  } finally {
    await db.close();
  }
}
