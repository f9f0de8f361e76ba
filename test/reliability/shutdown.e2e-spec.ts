import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import type { Database } from '@ratecard/ledger';
import type { Reply } from '../support/api';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { allReadBy, ApiProcess, attempt, rawPost, until, type Outcome } from '../support/processes';
import { ledgerProblems, lockAccount, open, recordFigures, scaled, some, sql, Tally, timeoutFor } from './load';

// Graceful shutdown: SIGTERM while requests are in flight. Every request the process had read
// before the signal is answered 2xx and its effects are in the database (charges in the ledger,
// quotes in the decision log), the process exits with code 0, and a client that keeps sending
// across the shutdown sees either a 2xx that is in the ledger or a clean refusal that changed nothing.

const IN_FLIGHT = 50;
const STREAM_CLIENTS = 16;

/** A refusal that is clean: no connection, or the connection closed before any answer, or 503 while closing. */
const refused = (o: Outcome): boolean => o.error !== undefined || o.reply?.status === 503;

describe.each(DATABASE_KINDS)('graceful shutdown on %s', (kind) => {
  let api: ApiProcess | undefined;
  let db: Database | undefined;
  let service: string;
  let accountId: string;

  beforeEach(async () => {
    const target = await freshDatabase(kind);
    api = await ApiProcess.start({ databaseUrl: target.url, name: 'api' });
    db = await open(target);
    service = await api.createKey('service');
    const created = await api.client().post('/v1/accounts', { plan: 'premium' });
    expect(created.status).toBe(201);
    accountId = created.body.id;
  }, 60_000);

  afterEach(async () => {
    if (api?.running) await api.kill('SIGKILL');
    await db?.close();
  });

  it(
    `SIGTERM with ${IN_FLIGHT} charges and ${IN_FLIGHT} quotes in flight: all answered 2xx, all in the database, exit code 0`,
    async () => {
      const server = api!;
      let sent = 0;
      let answered = 0;
      // Keep-alive connections, as a proxy in front of the service keeps them: each must be closed
      // by the process once its answer is sent, or the process waits for the keep-alive timeout.
      const agent = new Agent({ keepAlive: true });
      const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Outcome> =>
        rawPost(server.url, path, service, body, headers, () => sent++, agent).then((o) => {
          answered++;
          return o;
        });
      // The account locked by the test: the charges cannot commit, so they stay in flight.
      const unlock = await lockAccount(db!, accountId);
      let chargesAnswered = 0;
      const charges = Array.from({ length: IN_FLIGHT }, () =>
        post('/v1/charges', { accountId, action: 'image.generate' }, { 'idempotency-key': randomUUID() }).then((o) => {
          chargesAnswered++;
          return o;
        }),
      );
      const quotes = Array.from({ length: IN_FLIGHT }, () => post('/v1/decisions', { accountId, action: 'prompt.enhance' }));
      // Every request written, every connection accepted and every byte read by the process (or already answered).
      await until('the requests to be sent', () => (sent === 2 * IN_FLIGHT ? true : undefined));
      await until('the process to read every request', async () => ((await allReadBy(server.port, 2 * IN_FLIGHT - answered)) ? true : undefined));
      // Quotes answered just before the signal: their log rows are still in the process's buffer (written every 20 ms).
      const last = await Promise.all(Array.from({ length: 10 }, () => post('/v1/decisions', { accountId, action: 'chat.edit' })));
      server.signal('SIGTERM');
      expect(last.map((o) => o.reply?.status)).toEqual(Array(10).fill(200));
      expect(chargesAnswered).toBe(0);
      await unlock();
      const [chargeOutcomes, quoteOutcomes, exit] = await Promise.all([Promise.all(charges), Promise.all(quotes), server.waitForExit()]);
      agent.destroy();
      const show = (o: Outcome): string => (o.reply ? `${o.reply.status} ${JSON.stringify(o.reply.body).slice(0, 200)}` : o.error!);
      expect(some(chargeOutcomes.filter((o) => o.reply?.status !== 201).map(show))).toEqual([]);
      expect(some(quoteOutcomes.filter((o) => o.reply?.status !== 200).map(show))).toEqual([]);

      // Everything answered is in the database, written before the process exited.
      const [row] = await sql<{ charges: unknown; debits: unknown; quotes: unknown; chargeLogs: unknown }>(
        db!,
        `select (select count(*) from charge where account_id = ?) as charges,
                (select count(*) from ledger_entry where account_id = ? and kind = 'debit') as debits,
                (select count(*) from decision_log where account_id = ? and kind = 'quote') as quotes,
                (select count(*) from decision_log where account_id = ? and kind = 'charge') as "chargeLogs"`,
        [accountId, accountId, accountId, accountId],
      );
      expect({ charges: Number(row.charges), debits: Number(row.debits), quotes: Number(row.quotes), chargeLogs: Number(row.chargeLogs) }).toEqual({
        charges: IN_FLIGHT,
        debits: IN_FLIGHT,
        quotes: 10 + IN_FLIGHT,
        chargeLogs: IN_FLIGHT,
      });
      const stored = new Set((await sql<{ id: string }>(db!, 'select id from charge where account_id = ?', [accountId])).map((r) => r.id));
      expect(chargeOutcomes.filter((o) => !stored.has(o.reply!.body.id))).toEqual([]);
      expect(await ledgerProblems(db!)).toEqual([]);
      expect(exit).toEqual({ code: 0, signal: null });
    },
    timeoutFor(60_000),
  );

  it(
    `${STREAM_CLIENTS} clients charging across a SIGTERM: each answer is a 2xx in the ledger or a clean refusal that changed nothing`,
    async () => {
      const server = api!;
      const tally = new Tally();
      const answered: { key: string; outcome: Outcome }[] = [];
      let acked = 0;
      const started = Date.now();
      // Each client charges until the process refuses it twice in a row.
      const client = async (): Promise<void> => {
        for (let refusals = 0; refusals < 2; ) {
          const key = randomUUID();
          const outcome = await attempt(() => server.client(service).post('/v1/charges', { accountId, action: 'chat.edit' }, { idempotencyKey: key }));
          tally.add('charge', outcome);
          answered.push({ key, outcome });
          if (refused(outcome)) refusals++;
          else if (outcome.reply?.status === 201) acked++;
        }
      };
      const clients = Array.from({ length: STREAM_CLIENTS }, () => client());
      const threshold = scaled(200);
      await until(`${threshold} charges acknowledged`, () => (acked >= threshold ? true : undefined), timeoutFor(30_000), 5);
      const exit = await server.kill('SIGTERM');
      await Promise.all(clients);

      const stored = new Map((await sql<{ id: string; idempotency_key: string }>(db!, 'select id, idempotency_key from charge where account_id = ?', [accountId])).map((r) => [r.idempotency_key, r.id]));
      const wrong = answered.flatMap(({ key, outcome }) => {
        const reply: Reply | undefined = outcome.reply;
        if (reply?.status === 201) return stored.get(key) === reply.body.id ? [] : [`${key}: answered 201 ${reply.body.id}, the ledger has ${stored.get(key) ?? 'nothing'}`];
        if (refused(outcome)) return stored.has(key) ? [`${key}: refused (${outcome.error ?? outcome.reply?.status}) but charged as ${stored.get(key)}`] : [];
        return [`${key}: ${reply?.status} ${JSON.stringify(reply?.body).slice(0, 200)}`];
      });
      expect(some(wrong)).toEqual([]);
      expect(stored.size).toBe(answered.filter((a) => a.outcome.reply?.status === 201).length);
      const problems = await ledgerProblems(db!);
      expect(problems).toEqual([]);
      recordFigures({
        scenario: 'graceful shutdown under load',
        database: kind,
        operations: tally.total,
        failures: tally.failures(),
        invariantChecks: 2,
        problems: wrong.length + problems.length,
        seconds: (Date.now() - started) / 1000,
        throughput: tally.throughput(),
        latency: tally.latency(),
        notes: `SIGTERM after ${threshold} acknowledged charges; exit code ${exit.code}`,
      });
      expect(exit).toEqual({ code: 0, signal: null });
    },
    timeoutFor(60_000),
  );
});
