import { join } from 'node:path';
import { decide, type CompiledRuleSet } from '@ratecard/engine';
import { BUNDLED_WEIGHTS, requestMix } from '../engine/mix';
import { Rng } from '../rng';
import { median } from '../stats';
import { BenchAbort, type Settings } from '../settings';
import type { LedgerCeiling } from './ledger-ceiling';
import { load, type LoadFigures, type LoadSpec } from './load';
import { SEED_BALANCE_MC, seedDatabase, type SeededAccount } from './seed';
import { ApiServer, type Rss } from './server';

/** The admin key every bench server starts with (RATECARD_ADMIN_KEY). */
export const ADMIN_KEY = 'rck_bench_admin_key_0123456789abcdef';

/** Concurrent connections of every HTTP run (issue 5). */
export const CONNECTIONS = 64;

/** A server over a seeded database, with a service key, ready for load. */
export interface Fixture {
  readonly server: ApiServer;
  /** The SQLite file the server runs on. */
  readonly databaseFile: string;
  readonly accounts: readonly SeededAccount[];
  readonly serviceKey: string;
  readonly seedMs: number;
  readonly startMs: number;
  readonly decisions: () => string;
  readonly charges: () => string;
  /** Charges all to one account (a team plan's shared pool). */
  readonly hotCharges: () => string;
  readonly hotAccount: SeededAccount;
}

export interface HttpResult {
  readonly accounts: number;
  readonly seedMs: number;
  readonly startMs: number;
  readonly warmupSeconds: number;
  /** Measured runs per route, interleaved. */
  readonly rounds: number;
  readonly logLevel: string;
  readonly floor: RouteFigures;
  readonly decisions: RouteFigures;
  readonly charges: RouteFigures;
  /** Charges over the same connections, all to one account. */
  readonly hotCharges: RouteFigures;
  readonly hotAccount: string;
  readonly rssAtEnd: Rss;
  /** Server RSS after each measured run, in MB: growth here is memory kept per request. */
  readonly rssAfter: Readonly<Record<string, number>>;
  /** CPU profiles of the server during each measured run (`--profile`). */
  readonly profiles?: Readonly<Record<string, string>>;
  /** The same charges through the ledger alone, without HTTP (after the server stopped). */
  readonly ceiling?: LedgerCeiling;
}

/** Seeds a SQLite database with `accounts` accounts and starts the built API on it. */
export async function startFixture(settings: Settings, compiled: CompiledRuleSet, workDir: string, name: string, accounts: number, log: (line: string) => void): Promise<Fixture> {
  const file = join(workDir, `${name}.db`);
  const seeded = await seedDatabase({ kind: 'sqlite', file }, accounts, compiled, settings.seed, new Date());
  log(`${name}: seeded ${accounts.toLocaleString('en-US')} accounts and their grants in ${(seeded.ms / 1000).toFixed(1)} s`);
  const t0 = process.hrtime.bigint();
  const server = await ApiServer.start({ root: settings.root, name, databaseUrl: `sqlite:${file}`, adminKey: ADMIN_KEY, logLevel: settings.serverLogLevel, logFile: join(workDir, `server-${name}.log`), ...(settings.profile ? { profileDir: join(settings.outDir, 'profiles') } : {}) });
  const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const key = await serviceKey(server, seeded.accounts);
  log(`${name}: API pid ${server.pid} on ${server.url}, ready in ${(startMs / 1000).toFixed(1)} s`);
  return { server, databaseFile: file, accounts: seeded.accounts, serviceKey: key, seedMs: seeded.ms, startMs, ...requestBodies(compiled, seeded.accounts, settings.seed) };
}

/**
 * Creates the bench's service key on a freshly seeded server, after checking that the seeded state
 * reads back through the service as seeded (no cycle rolled over).
 */
export async function serviceKey(server: ApiServer, accounts: readonly SeededAccount[]): Promise<string> {
  const { key } = await server.json<{ key: string }>('POST', '/v1/keys', ADMIN_KEY, { name: 'bench', role: 'service' });
  const probe = accounts[accounts.length >> 1];
  const view = await server.json<{ balanceMillicredits: number; plan: string }>('GET', `/v1/accounts/${probe.id}`, key);
  if (view.balanceMillicredits !== SEED_BALANCE_MC || view.plan !== probe.plan) {
    await server.stop();
    throw new BenchAbort(`${server.name}: account ${probe.id} reads back as ${JSON.stringify(view)}, not as seeded`);
  }
  return key;
}

/** The request bodies of the runs; the same seed and accounts give the same bodies on every database. */
export function requestBodies(compiled: CompiledRuleSet, accounts: readonly SeededAccount[], seed: number): Pick<Fixture, 'decisions' | 'charges' | 'hotCharges' | 'hotAccount'> {
  const rng = new Rng(seed ^ 0x5eed);
  const hotAccount = accounts[0];
  return {
    hotAccount,
    hotCharges: chargeBodies(compiled, [hotAccount], rng, seed),
    decisions: decisionBodies(compiled, accounts, rng, seed),
    charges: chargeBodies(compiled, accounts, rng, seed),
  };
}

/**
 * Bodies for `POST /v1/decisions`: valid requests of the engine mix for accounts drawn at random.
 * Denials (gates, quota, confirmation) are answers (200); requests the service refuses as invalid
 * (422) are left out, so every non-2xx is a finding.
 */
function decisionBodies(compiled: CompiledRuleSet, accounts: readonly SeededAccount[], rng: Rng, seed: number): () => string {
  const mix = requestMix(compiled, { seed: seed + 1, count: 4_096, weights: BUNDLED_WEIGHTS, invalidParams: 0, unknownAction: 0, unknownPlan: 0 });
  const usable = mix.filter((e) => !decide(compiled, e.account, e.request, new Date()).reasons.some((r) => r.code === 'INVALID_PARAMS' || r.code === 'UNKNOWN_ACTION'));
  const bodies = Array.from({ length: 16_384 }, () => {
    const e = rng.pick(usable);
    return JSON.stringify({ accountId: rng.pick(accounts).id, ...e.request });
  });
  let i = 0;
  return () => bodies[i++ & 16_383];
}

/**
 * Bodies for `POST /v1/charges`: requests the drawn account's plan allows (so the answer is 201),
 * leaving out actions with a quota on that plan (a third site on Basic would be a 403).
 */
function chargeBodies(compiled: CompiledRuleSet, accounts: readonly SeededAccount[], rng: Rng, seed: number): () => string {
  const mix = requestMix(compiled, { seed: seed + 2, count: 4_096, weights: BUNDLED_WEIGHTS, invalidParams: 0, unknownAction: 0, unknownPlan: 0 });
  const bodies: string[] = [];
  while (bodies.length < 16_384) {
    const account = rng.pick(accounts);
    const e = rng.pick(mix);
    if (compiled.plans.get(account.plan)?.quotas.has(e.request.action)) continue;
    if (!decide(compiled, { plan: account.plan, balanceMc: SEED_BALANCE_MC, usage: {} }, e.request, new Date()).allowed) continue;
    bodies.push(JSON.stringify({ accountId: account.id, ...e.request }));
  }
  let i = 0;
  return () => bodies[i++ & 16_383];
}

/** The three routes of the HTTP section. */
export function specs(f: Fixture): { floor: LoadSpec; decisions: LoadSpec; charges: LoadSpec; hotCharges: LoadSpec } {
  const base = { url: f.server.url, key: f.serviceKey, connections: CONNECTIONS };
  return {
    floor: { ...base, method: 'GET', path: '/v1/whoami' },
    decisions: { ...base, method: 'POST', path: '/v1/decisions', body: f.decisions },
    charges: { ...base, method: 'POST', path: '/v1/charges', body: f.charges, idempotencyKey: true },
    hotCharges: { ...base, method: 'POST', path: '/v1/charges', body: f.hotCharges, idempotencyKey: true },
  };
}

/** Section 3: the floor, decisions, charges and charges to one account at 64 connections against the 100,000-account database. */
export async function httpSection(settings: Settings, f: Fixture, log: (line: string) => void): Promise<HttpResult> {
  const warmupSeconds = settings.quick ? 1 : 3;
  // ~10 s per route in full runs, as two runs interleaved with the other routes so drift in the
  // machine's load hits every route alike; the figures are the medians (of two: their mean).
  const rounds = settings.quick ? 1 : 2;
  const seconds = settings.quick ? 3 : 5;
  const s = specs(f);
  const routes = [
    { name: 'GET /v1/whoami', label: 'whoami', spec: s.floor },
    { name: 'POST /v1/decisions', label: 'decisions', spec: s.decisions },
    { name: 'POST /v1/charges', label: 'charges', spec: s.charges },
    { name: 'POST /v1/charges (one account)', label: 'hotCharges', spec: s.hotCharges },
  ];
  const profiles: Record<string, string> = {};
  const rssAfter: Record<string, number> = { start: (await f.server.rss()).rssMB };
  const runs = new Map<string, ServerFigures[]>(routes.map((r) => [r.label, []]));
  for (const r of routes) await load(r.spec, warmupSeconds);
  for (let round = 0; round < rounds; round++) {
    for (const r of routes) {
      // Only the first round is profiled (with --profile): one profile per route.
      const cpuBefore = await f.server.cpuMs();
      const { result: loaded, file } = round === 0 ? await f.server.profile(r.label, () => load(r.spec, seconds)) : { result: await load(r.spec, seconds), file: undefined };
      const result: ServerFigures = { ...loaded, serverCpuUsPerRequest: ((await f.server.cpuMs()) - cpuBefore) * 1000 / Math.max(1, loaded.requests) };
      if (file) profiles[r.label] = file;
      runs.get(r.label)!.push(result);
      if (round === rounds - 1) rssAfter[r.label] = (await f.server.rss()).rssMB;
      log(`${r.name}: ${result.perSecond.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, server CPU ${result.serverCpuUsPerRequest.toFixed(0)} µs/request, non-2xx ${result.non2xx}, errors ${result.errors} (run ${round + 1}/${rounds})`);
      if (!f.server.running) throw new BenchAbort(`the API server stopped during ${r.name}:\n${await f.server.tail()}`);
    }
  }
  const rssAtEnd = await f.server.rss();
  log(`server RSS ${rssAtEnd.rssMB.toFixed(0)} MB (peak ${rssAtEnd.peakMB.toFixed(0)} MB)`);
  return {
    accounts: f.accounts.length,
    seedMs: f.seedMs,
    startMs: f.startMs,
    warmupSeconds,
    rounds,
    logLevel: settings.serverLogLevel,
    floor: combine(runs.get('whoami')!),
    decisions: combine(runs.get('decisions')!),
    charges: combine(runs.get('charges')!),
    hotCharges: combine(runs.get('hotCharges')!),
    hotAccount: f.hotAccount.id,
    rssAtEnd,
    rssAfter,
    ...(Object.keys(profiles).length ? { profiles } : {}),
  };
}

/**
 * One measured run with the server's CPU time per request (user + system, all threads, including
 * SQLite's): unlike requests/s, hardly moved by what else runs on the machine.
 */
export type ServerFigures = LoadFigures & { readonly serverCpuUsPerRequest: number };

/** The measured runs of one route, and their figures combined. */
export type RouteFigures = ServerFigures & { readonly runs: readonly ServerFigures[] };

/** Several runs of one route as one: medians of the rates and latencies, sums of the counts. */
export function combine(runs: readonly ServerFigures[]): RouteFigures {
  const sum = (pick: (f: LoadFigures) => number): number => runs.reduce((n, f) => n + pick(f), 0);
  const statusCodes: Record<string, number> = {};
  for (const f of runs) for (const [code, n] of Object.entries(f.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  return {
    seconds: sum((f) => f.seconds),
    connections: runs[0].connections,
    requests: sum((f) => f.requests),
    perSecond: median(runs.map((f) => f.perSecond)),
    perSecondStddev: median(runs.map((f) => f.perSecondStddev)),
    p50Ms: median(runs.map((f) => f.p50Ms)),
    p90Ms: median(runs.map((f) => f.p90Ms)),
    p99Ms: median(runs.map((f) => f.p99Ms)),
    maxMs: Math.max(...runs.map((f) => f.maxMs)),
    meanMs: median(runs.map((f) => f.meanMs)),
    serverCpuUsPerRequest: median(runs.map((f) => f.serverCpuUsPerRequest)),
    non2xx: sum((f) => f.non2xx),
    errors: sum((f) => f.errors),
    timeouts: sum((f) => f.timeouts),
    statusCodes,
    non2xxSamples: runs.flatMap((f) => f.non2xxSamples).slice(0, 5),
    runs,
  };
}
