import { join } from 'node:path';
import { decide, type CompiledRuleSet } from '@ratecard/engine';
import { BUNDLED_WEIGHTS, requestMix } from '../engine/mix';
import { Rng } from '../rng';
import { BenchAbort, type Settings } from '../settings';
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
  readonly accounts: readonly SeededAccount[];
  readonly serviceKey: string;
  readonly seedMs: number;
  readonly startMs: number;
  readonly decisions: () => string;
  readonly charges: () => string;
}

export interface HttpResult {
  readonly accounts: number;
  readonly seedMs: number;
  readonly startMs: number;
  readonly warmupSeconds: number;
  readonly logLevel: string;
  readonly floor: LoadFigures;
  readonly decisions: LoadFigures;
  readonly charges: LoadFigures;
  readonly rssAtEnd: Rss;
  /** Server RSS after each measured run, in MB: growth here is memory kept per request. */
  readonly rssAfter: Readonly<Record<string, number>>;
  /** CPU profiles of the server during each measured run (`--profile`). */
  readonly profiles?: Readonly<Record<string, string>>;
}

/** Seeds a database with `accounts` accounts and starts the built API on it. */
export async function startFixture(settings: Settings, compiled: CompiledRuleSet, workDir: string, name: string, accounts: number, log: (line: string) => void): Promise<Fixture> {
  const now = new Date();
  const seeded = await seedDatabase(join(workDir, `${name}.db`), accounts, compiled, settings.seed, now);
  log(`${name}: seeded ${accounts.toLocaleString('en-US')} accounts and their grants in ${(seeded.ms / 1000).toFixed(1)} s`);
  const t0 = process.hrtime.bigint();
  const server = await ApiServer.start({ root: settings.root, name, dbFile: seeded.file, adminKey: ADMIN_KEY, logLevel: settings.serverLogLevel, logFile: join(workDir, `server-${name}.log`), ...(settings.profile ? { profileDir: join(settings.outDir, 'profiles') } : {}) });
  const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const { key } = await server.json<{ key: string }>('POST', '/v1/keys', ADMIN_KEY, { name: 'bench', role: 'service' });
  // The seeded state reads back through the service as seeded: no cycle rolled over.
  const probe = seeded.accounts[seeded.accounts.length >> 1];
  const view = await server.json<{ balanceMillicredits: number; plan: string }>('GET', `/v1/accounts/${probe.id}`, key);
  if (view.balanceMillicredits !== SEED_BALANCE_MC || view.plan !== probe.plan) {
    await server.stop();
    throw new BenchAbort(`${name}: account ${probe.id} reads back as ${JSON.stringify(view)}, not as seeded`);
  }
  log(`${name}: API pid ${server.pid} on ${server.url}, ready in ${(startMs / 1000).toFixed(1)} s`);
  const rng = new Rng(settings.seed ^ 0x5eed);
  return {
    server,
    accounts: seeded.accounts,
    serviceKey: key,
    seedMs: seeded.ms,
    startMs,
    decisions: decisionBodies(compiled, seeded.accounts, rng, settings.seed),
    charges: chargeBodies(compiled, seeded.accounts, rng, settings.seed),
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
export function specs(f: Fixture): { floor: LoadSpec; decisions: LoadSpec; charges: LoadSpec } {
  const base = { url: f.server.url, key: f.serviceKey, connections: CONNECTIONS };
  return {
    floor: { ...base, method: 'GET', path: '/v1/whoami' },
    decisions: { ...base, method: 'POST', path: '/v1/decisions', body: f.decisions },
    charges: { ...base, method: 'POST', path: '/v1/charges', body: f.charges, idempotencyKey: true },
  };
}

/** Section 3: the floor, decisions and charges at 64 connections against the 100,000-account database. */
export async function httpSection(settings: Settings, f: Fixture, log: (line: string) => void): Promise<HttpResult> {
  const warmupSeconds = settings.quick ? 1 : 3;
  const seconds = settings.quick ? 3 : 10;
  const s = specs(f);
  const profiles: Record<string, string> = {};
  const rssAfter: Record<string, number> = { start: (await f.server.rss()).rssMB };
  const run = async (name: string, label: string, spec: LoadSpec): Promise<LoadFigures> => {
    await load(spec, warmupSeconds);
    const { result: r, file } = await f.server.profile(label, () => load(spec, seconds));
    if (file) profiles[label] = file;
    rssAfter[label] = (await f.server.rss()).rssMB;
    log(`${name}: ${r.perSecond.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}, errors ${r.errors}`);
    if (!f.server.running) throw new BenchAbort(`the API server stopped during ${name}:\n${await f.server.tail()}`);
    return r;
  };
  const floor = await run('GET /v1/whoami', 'whoami', s.floor);
  const decisions = await run('POST /v1/decisions', 'decisions', s.decisions);
  const charges = await run('POST /v1/charges', 'charges', s.charges);
  const rssAtEnd = await f.server.rss();
  log(`server RSS ${rssAtEnd.rssMB.toFixed(0)} MB (peak ${rssAtEnd.peakMB.toFixed(0)} MB)`);
  return {
    accounts: f.accounts.length,
    seedMs: f.seedMs,
    startMs: f.startMs,
    warmupSeconds,
    logLevel: settings.serverLogLevel,
    floor,
    decisions,
    charges,
    rssAtEnd,
    rssAfter,
    ...(Object.keys(profiles).length ? { profiles } : {}),
  };
}
