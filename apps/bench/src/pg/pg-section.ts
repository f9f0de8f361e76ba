import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompiledRuleSet } from '@ratecard/engine';
// One copy of the embedded server, shared with the jest global setup (it is plain Node, no jest).
import { startEmbeddedPostgres, type RunningPostgres } from '../../../../test/support/embedded-postgres';
import { ADMIN_KEY, CONNECTIONS, combine, requestBodies, serviceKey, type ServerFigures } from '../http/http-section';
import { load, type LoadFigures, type LoadSpec } from '../http/load';
import { machineCpuMs, processTreeUsage, schedMs, type Sched } from '../http/proc';
import { seedDatabase } from '../http/seed';
import { ApiServer, type Rss } from '../http/server';
import { BenchAbort, type Settings } from '../settings';
import { median } from '../stats';
import { PgStats, type PgCounters } from './server-stats';

/**
 * The bench's server runs with `fsync` on (and PostgreSQL's defaults with it: full page writes,
 * synchronous commit), as a deployment does: a commit waits for its WAL flush.
 */
export const PG_FSYNC = true;

/** How many API processes the configurations run; each process gets CONNECTIONS / n connections. */
const PROCESSES = [1, 2] as const;

/** `one process`, `two processes`. */
export function processes(n: number): string {
  return n === 1 ? 'one process' : n === 2 ? 'two processes' : `${n} processes`;
}

/** One measured run, with where the machine's CPU went during it. */
export interface PgFigures extends ServerFigures {
  /** CPU of the PostgreSQL server (the postmaster and every process it started) per request. */
  readonly postgresCpuUsPerRequest: number;
  /** CPU of the bench process (autocannon, the client) per request. */
  readonly clientCpuUsPerRequest: number;
  /** CPU of everything else on the machine per request: other work sharing the cores. */
  readonly otherCpuUsPerRequest: number;
  /** Cores in use during the run, by whom (wall-clock average; the machine has `cores`). */
  readonly cores: { readonly api: number; readonly postgres: number; readonly client: number; readonly other: number; readonly idle: number };
  /**
   * The API processes' main threads (the JavaScript; mean of the processes), as shares of the run's
   * wall-clock time: on a CPU, waiting in a run queue for one, and asleep (waiting for PostgreSQL,
   * the clients or a timer).
   */
  readonly apiMainThread: { readonly onCpu: number; readonly runnable: number; readonly asleep: number };
  /** PostgreSQL's live processes, in cores' worth: on a CPU, and waiting in a run queue for one. */
  readonly postgresSched: { readonly onCpu: number; readonly runnable: number };
  /** Transactions that wrote, per request (below 1: requests settled together, group commit). */
  readonly writeTransactionsPerRequest: number;
  /** WAL PostgreSQL wrote per request, in bytes. */
  readonly walBytesPerRequest: number;
}

export type PgRouteFigures = PgFigures & { readonly runs: readonly PgFigures[] };

/** The three routes against one configuration (n API processes on the one PostgreSQL server). */
export interface PgConfiguration {
  readonly processes: number;
  readonly decisions: PgRouteFigures;
  readonly charges: PgRouteFigures;
  readonly hotCharges: PgRouteFigures;
}

export interface PgResult {
  readonly accounts: number;
  readonly postgresVersion: string;
  readonly fsync: boolean;
  readonly seedMs: number;
  /** Time from spawn to ready of each API process. */
  readonly startMs: readonly number[];
  readonly warmupSeconds: number;
  readonly rounds: number;
  readonly logLevel: string;
  readonly hotAccount: string;
  readonly configurations: readonly PgConfiguration[];
  /** RSS of each API process at the end. */
  readonly rssAtEnd: readonly Rss[];
  /** CPU profiles of the API processes during the first round (`--profile`), by label. */
  readonly profiles?: Readonly<Record<string, string>>;
}

const ROUTES = [
  { name: 'POST /v1/decisions', key: 'decisions' },
  { name: 'POST /v1/charges', key: 'charges' },
  { name: 'POST /v1/charges (one account)', key: 'hotCharges' },
] as const;
type RouteKey = (typeof ROUTES)[number]['key'];

/** The counters read before and after a run. */
interface Reading {
  readonly at: bigint;
  readonly apiMs: number;
  /** Each API process's main thread. */
  readonly apiSched: readonly Sched[];
  readonly postgresMs: number;
  readonly postgresSched: Sched;
  readonly postgresCounters: PgCounters;
  readonly client: NodeJS.CpuUsage;
  readonly machine: { readonly busyMs: number; readonly totalMs: number };
}

async function read(servers: readonly ApiServer[], pg: RunningPostgres, stats: PgStats): Promise<Reading> {
  let apiMs = 0;
  const apiSched: Sched[] = [];
  for (const s of servers) {
    apiMs += await s.cpuMs();
    apiSched.push(await schedMs(s.pid));
  }
  const postgres = await processTreeUsage(pg.pid);
  return {
    at: process.hrtime.bigint(),
    apiMs,
    apiSched,
    postgresMs: postgres.cpuMs,
    postgresSched: postgres.sched,
    postgresCounters: await stats.read(),
    client: process.cpuUsage(),
    machine: await machineCpuMs(),
  };
}

/** One run's figures from the readings around it. */
function runFigures(loaded: LoadFigures, a: Reading, b: Reading): PgFigures {
  const n = Math.max(1, loaded.requests);
  const wallMs = Number(b.at - a.at) / 1e6;
  const apiMs = b.apiMs - a.apiMs;
  const postgresMs = b.postgresMs - a.postgresMs;
  const clientMs = (b.client.user - a.client.user + b.client.system - a.client.system) / 1000;
  const machineMs = b.machine.busyMs - a.machine.busyMs;
  const cores = (b.machine.totalMs - a.machine.totalMs) / wallMs;
  // /proc counts in 10 ms ticks: "other" is the remainder, never below zero.
  const otherMs = Math.max(0, machineMs - apiMs - postgresMs - clientMs);
  const share = (pick: (s: Sched) => number): number => a.apiSched.reduce((sum, s, i) => sum + pick(b.apiSched[i]) - pick(s), 0) / a.apiSched.length / wallMs;
  const onCpu = share((s) => s.runMs);
  const runnable = share((s) => s.waitMs);
  return {
    ...loaded,
    serverCpuUsPerRequest: (apiMs * 1000) / n,
    postgresCpuUsPerRequest: (postgresMs * 1000) / n,
    clientCpuUsPerRequest: (clientMs * 1000) / n,
    otherCpuUsPerRequest: (otherMs * 1000) / n,
    cores: { api: apiMs / wallMs, postgres: postgresMs / wallMs, client: clientMs / wallMs, other: otherMs / wallMs, idle: Math.max(0, cores - machineMs / wallMs) },
    apiMainThread: { onCpu, runnable, asleep: Math.max(0, 1 - onCpu - runnable) },
    postgresSched: { onCpu: (b.postgresSched.runMs - a.postgresSched.runMs) / wallMs, runnable: (b.postgresSched.waitMs - a.postgresSched.waitMs) / wallMs },
    writeTransactionsPerRequest: (b.postgresCounters.writeTransactions - a.postgresCounters.writeTransactions) / n,
    walBytesPerRequest: (b.postgresCounters.walBytes - a.postgresCounters.walBytes) / n,
  };
}

/** One measured run against `servers`, under the profiler when `profileLabel` is given (servers started with a profile directory). */
async function measure(servers: readonly ApiServer[], pg: RunningPostgres, stats: PgStats, spec: LoadSpec, seconds: number, profileLabel?: string): Promise<{ figures: PgFigures; files: string[] }> {
  const run = async (): Promise<PgFigures> => {
    const before = await read(servers, pg, stats);
    const loaded = await load(spec, seconds);
    return runFigures(loaded, before, await read(servers, pg, stats));
  };
  if (!profileLabel) return { figures: await run(), files: [] };
  const { result, files } = await underProfiles(servers, profileLabel, run);
  return { figures: result, files };
}

/** Runs `fn` with every server under the profiler (nested, so all profile the same stretch). */
async function underProfiles<T>(servers: readonly ApiServer[], label: string, fn: () => Promise<T>): Promise<{ result: T; files: string[] }> {
  if (servers.length === 0) return { result: await fn(), files: [] };
  const [first, ...rest] = servers;
  const { result: inner, file } = await first.profile(label, () => underProfiles(rest, label, fn));
  return { result: inner.result, files: [...(file ? [file] : []), ...inner.files] };
}

function combinePg(runs: readonly PgFigures[]): PgRouteFigures {
  const m = (pick: (f: PgFigures) => number): number => median(runs.map(pick));
  return {
    ...combine(runs),
    postgresCpuUsPerRequest: m((f) => f.postgresCpuUsPerRequest),
    clientCpuUsPerRequest: m((f) => f.clientCpuUsPerRequest),
    otherCpuUsPerRequest: m((f) => f.otherCpuUsPerRequest),
    cores: { api: m((f) => f.cores.api), postgres: m((f) => f.cores.postgres), client: m((f) => f.cores.client), other: m((f) => f.cores.other), idle: m((f) => f.cores.idle) },
    apiMainThread: { onCpu: m((f) => f.apiMainThread.onCpu), runnable: m((f) => f.apiMainThread.runnable), asleep: m((f) => f.apiMainThread.asleep) },
    postgresSched: { onCpu: m((f) => f.postgresSched.onCpu), runnable: m((f) => f.postgresSched.runnable) },
    writeTransactionsPerRequest: m((f) => f.writeTransactionsPerRequest),
    walBytesPerRequest: m((f) => f.walBytesPerRequest),
    runs,
  };
}

/**
 * Section 5: the built API on a PostgreSQL server the bench starts (the embedded server the tests
 * use, fsync on), seeded with the same 100,000 accounts as SQLite: decisions, charges and charges
 * to one account against one API process and against two, at 64 connections in all, the
 * configurations and routes interleaved in rounds (figures: medians).
 */
export async function pgSection(settings: Settings, compiled: CompiledRuleSet, log: (line: string) => void): Promise<PgResult> {
  const accounts = 100_000;
  const warmupSeconds = settings.quick ? 1 : 3;
  const rounds = settings.quick ? 1 : 2;
  const seconds = settings.quick ? 3 : 5;
  const pg = await startEmbeddedPostgres({ fsync: PG_FSYNC, maxConnections: 100 });
  const stats = await PgStats.open(pg.url).catch(async (e: unknown) => {
    await pg.stop();
    throw e;
  });
  const servers: ApiServer[] = [];
  const work = await mkdtemp(join(tmpdir(), 'ratecard-bench-pg-'));
  try {
    const version = await stats.version();
    log(`PostgreSQL ${version} (embedded-postgres, fsync ${PG_FSYNC ? 'on' : 'off'}), postmaster pid ${pg.pid}`);
    const seeded = await seedDatabase({ kind: 'postgresql', url: pg.url }, accounts, compiled, settings.seed, new Date());
    log(`seeded ${accounts.toLocaleString('en-US')} accounts and their grants in ${(seeded.ms / 1000).toFixed(1)} s`);
    const startMs: number[] = [];
    // One after the other: the first one creates the admin key, the others find it.
    for (let i = 0; i < Math.max(...PROCESSES); i++) {
      const name = `pg-${i + 1}`;
      const t0 = process.hrtime.bigint();
      servers.push(
        await ApiServer.start({ root: settings.root, name, databaseUrl: pg.url, adminKey: ADMIN_KEY, logLevel: settings.serverLogLevel, logFile: join(work, `server-${name}.log`), ...(settings.profile ? { profileDir: join(settings.outDir, 'profiles') } : {}) }),
      );
      startMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      log(`${name}: API pid ${servers[i].pid} on ${servers[i].url}, ready in ${(startMs[i] / 1000).toFixed(1)} s`);
    }
    const key = await serviceKey(servers[0], seeded.accounts);
    const bodies = requestBodies(compiled, seeded.accounts, settings.seed);
    const spec = (n: number, route: RouteKey): LoadSpec => ({
      url: servers.slice(0, n).map((s) => s.url),
      key,
      connections: CONNECTIONS,
      method: 'POST',
      path: route === 'decisions' ? '/v1/decisions' : '/v1/charges',
      body: bodies[route],
      idempotencyKey: route !== 'decisions',
    });
    const runs = new Map<string, PgFigures[]>();
    const profiles: Record<string, string> = {};
    for (const n of PROCESSES) for (const r of ROUTES) await load(spec(n, r.key), warmupSeconds);
    for (let round = 0; round < rounds; round++) {
      for (const n of PROCESSES) {
        const active = servers.slice(0, n);
        for (const r of ROUTES) {
          const label = `${processes(n)}, ${r.name}`;
          // Only the first round is profiled (with --profile): one profile per process and route.
          const { figures, files } = await measure(active, pg, stats, spec(n, r.key), seconds, settings.profile && round === 0 ? `${n}p-${r.key}` : undefined);
          if (files.length) {
            // The processes are alike: the first one's profile is summarised, the others' files lie beside it.
            profiles[n === 1 ? `PostgreSQL, ${label}` : `PostgreSQL, ${label} (process 1 of ${n})`] = files[0];
          }
          runs.set(`${n}:${r.key}`, [...(runs.get(`${n}:${r.key}`) ?? []), figures]);
          const c = figures.cores;
          log(
            `${label}: ${figures.perSecond.toFixed(0)} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, API CPU ${figures.serverCpuUsPerRequest.toFixed(0)} µs/request, ` +
              `PostgreSQL ${figures.postgresCpuUsPerRequest.toFixed(0)} µs/request, ${figures.writeTransactionsPerRequest.toFixed(3)} write transactions/request, cores: API ${c.api.toFixed(2)}, PostgreSQL ${c.postgres.toFixed(2)}, bench ${c.client.toFixed(2)}, other ${c.other.toFixed(2)}, idle ${c.idle.toFixed(2)}; ` +
              `non-2xx ${figures.non2xx}, errors ${figures.errors} (run ${round + 1}/${rounds})`,
          );
          for (const s of active) if (!s.running) throw new BenchAbort(`the ${s.name} server stopped during ${label}:\n${await s.tail()}`);
        }
      }
    }
    const rssAtEnd: Rss[] = [];
    for (const s of servers) rssAtEnd.push(await s.rss());
    return {
      accounts,
      postgresVersion: version,
      fsync: PG_FSYNC,
      seedMs: seeded.ms,
      startMs,
      warmupSeconds,
      rounds,
      logLevel: settings.serverLogLevel,
      hotAccount: bodies.hotAccount.id,
      configurations: PROCESSES.map((n) => ({
        processes: n,
        decisions: combinePg(runs.get(`${n}:decisions`)!),
        charges: combinePg(runs.get(`${n}:charges`)!),
        hotCharges: combinePg(runs.get(`${n}:hotCharges`)!),
      })),
      rssAtEnd,
      ...(Object.keys(profiles).length ? { profiles } : {}),
    };
  } finally {
    await stats.close();
    for (const s of servers) await s.stop();
    await pg.stop();
    await rm(work, { recursive: true, force: true });
  }
}
