/**
 * What the reliability suites share: how big a run is (normal or soak), a seeded random source,
 * the figures a soak prints, and the checks run after a load: `verifyLedger` and a reconciliation
 * of every account against what the clients were told.
 */
import { appendFileSync } from 'node:fs';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import { openDatabase, verifyLedger, type Database, type DatabaseTarget, type LedgerProblem } from '@ratecard/ledger';
import type { Outcome } from '../support/processes';

/** `RATECARD_SOAK=1` runs every scenario longer (`npm run soak`); `RATECARD_SOAK_SCALE` says how much longer (10x by default). */
export const SOAK = ['1', 'true', 'yes'].includes((process.env.RATECARD_SOAK ?? '').toLowerCase());
const SCALE = SOAK ? Number(process.env.RATECARD_SOAK_SCALE || 10) : 1;

/** `n` in a normal run, `n` times the soak scale in a soak. */
export function scaled(n: number): number {
  return Math.max(1, Math.round(n * SCALE));
}

/** A jest timeout for a scenario that takes about `normalMs` in a normal run. */
export function timeoutFor(normalMs: number): number {
  return Math.round(normalMs * SCALE * (SOAK ? 2 : 1));
}

/** A small seeded random source (mulberry32), so a failing run can be repeated with its seed. */
export class Random {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** A seed from `RATECARD_SEED`, or a new one (printed by the suites so a failure can be replayed). */
export function seed(): number {
  return process.env.RATECARD_SEED ? Number(process.env.RATECARD_SEED) : Math.floor(Math.random() * 2 ** 31);
}

/** Counts of what came back, by label (`201`, `402`, `ECONNREFUSED`...), and latencies by kind of operation. */
export class Tally {
  readonly counts = new Map<string, number>();
  private readonly latencies = new Map<string, number[]>();
  private readonly started = Date.now();

  add(kind: string, outcome: Outcome): void {
    const label = outcome.reply ? String(outcome.reply.status) : outcome.error;
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
    const list = this.latencies.get(kind) ?? [];
    list.push(outcome.ms);
    this.latencies.set(kind, list);
  }

  /** Median and 99th percentile latency in ms by kind of operation, e.g. `charge 12/80 ms`. */
  latency(): string {
    return [...this.latencies]
      .map(([kind, list]) => {
        const sorted = [...list].sort((a, b) => a - b);
        const at = (q: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]);
        return `${kind} ${at(0.5)}/${at(0.99)}`;
      })
      .join(', ');
  }

  get total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  /** Everything that was not a 2xx, e.g. `{ '402': 12, ECONNRESET: 3 }`. */
  failures(): Record<string, number> {
    return Object.fromEntries([...this.counts].filter(([k]) => !/^2\d\d$/.test(k)).sort());
  }

  /** Operations per second since the tally was made. */
  throughput(): number {
    return Math.round((this.total / Math.max(1, Date.now() - this.started)) * 1000);
  }
}

/** One scenario's figures, as `npm run soak` prints them. */
export interface Figures {
  readonly scenario: string;
  readonly database: string;
  readonly operations: number;
  readonly failures: Record<string, number>;
  readonly invariantChecks: number;
  readonly problems: number;
  readonly seconds: number;
  readonly throughput: number;
  /** p50/p99 latency in ms by kind of operation. */
  readonly latency?: string;
  readonly notes?: string;
}

/** Appends a scenario's figures to `RATECARD_FIGURES` (a JSON-lines file the soak script prints); a no-op otherwise. */
export function recordFigures(f: Figures): void {
  const file = process.env.RATECARD_FIGURES;
  if (file) appendFileSync(file, `${JSON.stringify(f)}\n`);
}

/** What the clients were told about one account: every acknowledged movement of credits. */
export class AccountBook {
  grantedMc = 0;
  chargedMc = 0;
  capturedMc = 0;
  refundedMc = 0;
  /** Active holds by id, with their amounts. */
  readonly holds = new Map<string, number>();
  /** Every charge id acknowledged (charges and captures). */
  readonly charges = new Set<string>();
  /** Every hold id acknowledged. */
  readonly holdIds = new Set<string>();
  refunds = 0;

  constructor(readonly accountId: string) {}

  get heldMc(): number {
    return [...this.holds.values()].reduce((a, b) => a + b, 0);
  }

  /** The balance these acknowledgements add up to. */
  get expectedBalanceMc(): number {
    return this.grantedMc - this.chargedMc - this.capturedMc + this.refundedMc - this.heldMc;
  }
}

/** Opens a second connection to a test database (close it when done). */
export function open(target: DatabaseTarget): Promise<Database> {
  return openDatabase(target);
}

/** Runs SQL on a database (`?` placeholders on both kinds). */
export async function sql<T = Record<string, unknown>>(db: Database, query: string, params: unknown[] = []): Promise<T[]> {
  return (await db.orm.em.fork().getConnection().execute(query, params)) as T[];
}

/**
 * The reconciliation: for each account, the stored balance and held credits equal what the
 * acknowledged responses add up to, and the stored charges, holds and refunds are exactly the
 * acknowledged ones (nothing lost, nothing doubled). Returns the differences, empty when none.
 */
export async function reconcile(db: Database, books: readonly AccountBook[]): Promise<string[]> {
  const problems: string[] = [];
  for (const book of books) {
    const [account] = await sql<{ balance_mc: unknown; held_mc: unknown }>(db, 'select balance_mc, held_mc from account where id = ?', [book.accountId]);
    const balance = Number(account?.balance_mc);
    const held = Number(account?.held_mc);
    if (balance !== book.expectedBalanceMc) {
      problems.push(
        `${book.accountId}: balance ${balance} mc, but the acknowledged responses add up to ${book.expectedBalanceMc} mc (granted ${book.grantedMc}, charged ${book.chargedMc}, captured ${book.capturedMc}, refunded ${book.refundedMc}, held ${book.heldMc})`,
      );
    }
    if (held !== book.heldMc) problems.push(`${book.accountId}: held ${held} mc, but the active acknowledged holds total ${book.heldMc} mc`);
    const charges = new Set((await sql<{ id: string }>(db, 'select id from charge where account_id = ?', [book.accountId])).map((r) => r.id));
    const lost = [...book.charges].filter((id) => !charges.has(id));
    const unknown = [...charges].filter((id) => !book.charges.has(id));
    if (lost.length) problems.push(`${book.accountId}: ${lost.length} acknowledged charge(s) not in the database: ${lost.slice(0, 5).join(', ')}`);
    if (unknown.length) problems.push(`${book.accountId}: ${unknown.length} charge(s) in the database that no client was told about: ${unknown.slice(0, 5).join(', ')}`);
    const holds = new Set((await sql<{ id: string }>(db, 'select id from hold where account_id = ?', [book.accountId])).map((r) => r.id));
    if (holds.size !== book.holdIds.size || [...book.holdIds].some((id) => !holds.has(id))) {
      problems.push(`${book.accountId}: ${holds.size} hold(s) in the database, ${book.holdIds.size} acknowledged`);
    }
    const [refunds] = await sql<{ n: unknown }>(db, "select count(*) as n from ledger_entry where account_id = ? and kind = 'refund'", [book.accountId]);
    if (Number(refunds.n) !== book.refunds) problems.push(`${book.accountId}: ${Number(refunds.n)} refund entries, ${book.refunds} refunds acknowledged`);
  }
  return problems;
}

/**
 * Holds a write lock on an account until the returned function is called: its row on PostgreSQL,
 * the database's write lock on SQLite (the service waits for it up to its busy timeout, 5 s).
 * Requests that write to the account wait meanwhile: they are in flight for as long as the test wants.
 */
export async function lockAccount(db: Database, accountId: string): Promise<() => Promise<void>> {
  const knex = (db.orm.em.getConnection() as AbstractSqlConnection).getKnex();
  const trx = await knex.transaction();
  await trx.raw('update account set balance_mc = balance_mc where id = ?', [accountId]);
  return async () => {
    await trx.commit();
  };
}

/** `verifyLedger`'s problems as lines, for `toEqual([])`. */
export async function ledgerProblems(db: Database): Promise<string[]> {
  const report = await verifyLedger(db);
  return report.problems.map((p: LedgerProblem) => `${p.code} ${p.accountId ?? ''}: ${p.message}`);
}

/** The first `n` items, for failure messages that stay readable. */
export function some<T>(items: readonly T[], n = 10): T[] {
  return items.slice(0, n);
}
