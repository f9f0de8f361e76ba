import type { CompiledRuleSet } from '@ratecard/engine';
import { Ledger, openDatabase, StaticRules } from '@ratecard/ledger';
import type { Settings } from '../settings';
import { quantile } from '../stats';
import { CONNECTIONS, type Fixture } from './http-section';

/** Charges settled by the ledger alone, in one run. */
export interface CeilingRun {
  readonly charges: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** This process's CPU (user + system, every thread, SQLite's too) per charge. */
  readonly cpuUsPerCharge: number;
  /** From the call to its answer, with the others in flight: what an HTTP client would wait at least. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * The charge path without HTTP: the API's `Ledger` in the bench process, on the database the
 * server used (after it stopped), with {@link CONNECTIONS} charges in flight, the same bodies as
 * the HTTP runs. The HTTP charge rates cannot exceed these: what is left is SQLite's single writer
 * and the ledger's own work per batch.
 */
export interface LedgerCeiling {
  readonly spread: CeilingRun;
  readonly hot: CeilingRun;
  readonly inFlight: number;
}

async function run(ledger: Ledger, bodies: () => string, seconds: number, tag: string): Promise<CeilingRun> {
  const requests = Array.from({ length: 4_096 }, () => JSON.parse(bodies()) as { accountId: string; action: string; params?: Record<string, unknown> });
  let next = 0;
  let done = 0;
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const until = Date.now() + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (Date.now() < until) {
      const i = next++;
      const started = process.hrtime.bigint();
      await ledger.charge(requests[i & 4_095], `${tag}-${i}`, new Date(), { actor: 'bench' });
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const sorted = Float64Array.from(latencies).sort();
  return { charges: done, seconds: elapsed, perSecond: done / elapsed, cpuUsPerCharge: (cpu.user + cpu.system) / Math.max(1, done), p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99) };
}

/** Measures {@link LedgerCeiling} on the fixture's database file; its server must be stopped. */
export async function ledgerCeiling(settings: Settings, compiled: CompiledRuleSet, f: Fixture, log: (line: string) => void): Promise<LedgerCeiling> {
  const seconds = settings.quick ? 3 : 5;
  const db = await openDatabase({ kind: 'sqlite', file: f.databaseFile });
  const ledger = new Ledger(db, new StaticRules(compiled));
  try {
    await run(ledger, f.charges, 1, 'ceiling-warmup');
    const spread = await run(ledger, f.charges, seconds, 'ceiling-spread');
    log(`ledger alone, spread accounts: ${spread.perSecond.toFixed(0)} charges/s, p50 ${spread.p50Ms.toFixed(1)} ms, p99 ${spread.p99Ms.toFixed(1)} ms, ${spread.cpuUsPerCharge.toFixed(0)} µs CPU per charge`);
    const hot = await run(ledger, f.hotCharges, seconds, 'ceiling-hot');
    log(`ledger alone, one account: ${hot.perSecond.toFixed(0)} charges/s, p50 ${hot.p50Ms.toFixed(1)} ms, p99 ${hot.p99Ms.toFixed(1)} ms, ${hot.cpuUsPerCharge.toFixed(0)} µs CPU per charge`);
    return { spread, hot, inFlight: CONNECTIONS };
  } finally {
    await ledger.close();
    await db.close();
  }
}
