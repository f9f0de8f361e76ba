import { randomUUID } from 'node:crypto';
import type { Database } from '@ratecard/ledger';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { ApiProcess, attempt, until } from '../support/processes';
import { AccountBook, ledgerProblems, open, reconcile, recordFigures, scaled, some, sql, SOAK, Tally, timeoutFor } from './load';

// The API killed with SIGKILL in the middle of a charge load, then started again on the same
// database, while clients retry every request that was not acknowledged with the same key and
// body until it is. Right after each crash, everything committed is whole (a charge with its debit,
// its idempotency record and its decision-log row, or nothing) and every acknowledged charge is
// there; at the end every request is in the ledger exactly once and the balances reconcile.

const CLIENTS = 16;
const CHARGES = scaled(600);
const KILLS = SOAK ? 5 : 1;
const ACCOUNTS = 4;

const ACTIONS: readonly { action: string; params?: Record<string, unknown> }[] = [
  { action: 'chat.edit' },
  { action: 'prompt.enhance' },
  { action: 'image.generate' },
  { action: 'image.generate', params: { model: 'gemini-2.5-flash' } },
];

interface Planned {
  readonly key: string;
  readonly book: AccountBook;
  readonly body: { accountId: string; action: string; params?: Record<string, unknown> };
  /** The charge id and cost the client was told, once acknowledged. */
  acked?: { id: string; costMc: number };
  attempts: number;
}

/**
 * What a crash may leave: committed charges, each whole. Returns the broken ones: a charge without
 * its idempotency record or decision-log row, a record without its charge, and acknowledged
 * charges that are missing or stored under another id.
 */
async function halfDone(db: Database, plan: readonly Planned[]): Promise<string[]> {
  const problems = await ledgerProblems(db);
  const charges = await sql<{ id: string; idempotency_key: string; records: unknown; logs: unknown }>(
    db,
    `select c.id, c.idempotency_key, coalesce(r.n, 0) as records, coalesce(d.n, 0) as logs
     from charge c
     left join (select key, count(*) as n from idempotency_record where scope = 'charge' group by key) r on r.key = c.idempotency_key
     left join (select charge_id, count(*) as n from decision_log where charge_id is not null group by charge_id) d on d.charge_id = c.id`,
  );
  for (const c of charges) {
    if (Number(c.records) !== 1 || Number(c.logs) !== 1) problems.push(`charge ${c.id} (key ${c.idempotency_key}) has ${Number(c.records)} idempotency record(s) and ${Number(c.logs)} decision-log row(s)`);
  }
  const [orphans] = await sql<{ n: unknown }>(db, "select count(*) as n from idempotency_record r where r.scope = 'charge' and not exists (select 1 from charge c where c.idempotency_key = r.key)");
  if (Number(orphans.n) > 0) problems.push(`${Number(orphans.n)} charge idempotency record(s) without a charge`);
  const byKey = new Map<string, string[]>();
  for (const c of charges) byKey.set(c.idempotency_key, [...(byKey.get(c.idempotency_key) ?? []), c.id]);
  for (const p of plan) {
    const stored = byKey.get(p.key) ?? [];
    if (stored.length > 1) problems.push(`key ${p.key} charged ${stored.length} times: ${stored.join(', ')}`);
    if (p.acked && (stored.length !== 1 || stored[0] !== p.acked.id)) problems.push(`key ${p.key} was acknowledged as ${p.acked.id}, the database has ${stored.join(', ') || 'nothing'}`);
  }
  return problems;
}

describe.each(DATABASE_KINDS)('crash on %s', (kind) => {
  let api: ApiProcess | undefined;
  let db: Database | undefined;

  afterAll(async () => {
    if (api?.running) await api.kill('SIGKILL');
    await db?.close();
  });

  it(
    `${CHARGES} charges from ${CLIENTS} clients, the API killed with SIGKILL ${KILLS} time(s) in the middle and restarted: every acknowledged charge once, nothing half-done`,
    async () => {
      const target = await freshDatabase(kind);
      api = await ApiProcess.start({ databaseUrl: target.url, name: 'api' });
      db = await open(target);
      const service = await api.createKey('service');
      const books: AccountBook[] = [];
      for (let i = 0; i < ACCOUNTS; i++) {
        const created = await api.client().post('/v1/accounts', { id: `crash-${i}-${randomUUID().slice(0, 8)}`, plan: 'premium' });
        expect(created.status).toBe(201);
        const book = new AccountBook(created.body.id);
        book.grantedMc = created.body.balanceMillicredits;
        books.push(book);
      }
      const plan: Planned[] = Array.from({ length: CHARGES }, (_, i) => {
        const book = books[i % ACCOUNTS];
        return { key: randomUUID(), book, body: { accountId: book.accountId, ...ACTIONS[Math.floor(i / ACCOUNTS) % ACTIONS.length] }, attempts: 0 };
      });
      // Every charge is affordable: an account's share costs at most 18 cr a charge.
      for (const book of books) {
        const needMc = Math.ceil(CHARGES / ACCOUNTS) * 18_000 - book.grantedMc;
        if (needMc <= 0) continue;
        expect((await api.client().post(`/v1/accounts/${book.accountId}/grants`, { amount: needMc / 1000, reason: 'enough for the load' })).status).toBe(201);
        book.grantedMc += needMc;
      }

      const tally = new Tally();
      const unexpected: string[] = [];
      let acked = 0;
      let next = 0;
      const started = Date.now();

      // Each client sends its next request until it is acknowledged; a refused or dropped
      // connection, or a 5xx, is retried with the same key and body.
      const client = async (): Promise<void> => {
        while (next < plan.length) {
          const p = plan[next++];
          for (;;) {
            p.attempts++;
            const outcome = await attempt(() => api!.client(service).post('/v1/charges', p.body, { idempotencyKey: p.key }));
            tally.add('charge', outcome);
            const reply = outcome.reply;
            if (reply?.status === 201) {
              if (p.acked && p.acked.id !== reply.body.id) unexpected.push(`key ${p.key} acknowledged twice, as ${p.acked.id} and ${reply.body.id}`);
              p.acked = { id: reply.body.id, costMc: reply.body.costMillicredits };
              acked++;
              break;
            }
            if (reply && reply.status < 500) {
              unexpected.push(`key ${p.key}: ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
              break;
            }
            await new Promise((r) => setTimeout(r, 25));
          }
        }
      };

      // Kill when a share of the load is acknowledged; check what the crash left; start again.
      const crashes: { ackedBefore: number; checkMs: number; restartMs: number; problems: string[] }[] = [];
      const killer = async (): Promise<void> => {
        for (let k = 1; k <= KILLS; k++) {
          const at = Math.floor((CHARGES * k) / (KILLS + 1));
          await until(`${at} acknowledged charges`, () => (acked >= at ? true : undefined), timeoutFor(60_000), 5);
          const exit = await api!.kill('SIGKILL');
          expect(exit.signal).toBe('SIGKILL');
          const killedAt = Date.now();
          const ackedBefore = acked;
          const problems = await halfDone(db!, plan);
          const restartAt = Date.now();
          api = await api!.restart();
          crashes.push({ ackedBefore, checkMs: restartAt - killedAt, restartMs: Date.now() - restartAt, problems });
        }
      };

      await Promise.all([killer(), ...Array.from({ length: CLIENTS }, () => client())]);
      const seconds = (Date.now() - started) / 1000;

      for (const p of plan) {
        if (!p.acked) continue;
        p.book.chargedMc += p.acked.costMc;
        p.book.charges.add(p.acked.id);
      }
      const problems = await halfDone(db, plan);
      const differences = await reconcile(db, books);
      const [counts] = await sql<{ charges: unknown; records: unknown; debits: unknown }>(
        db,
        "select (select count(*) from charge) as charges, (select count(*) from idempotency_record where scope = 'charge') as records, (select count(*) from ledger_entry where kind = 'debit') as debits",
      );
      recordFigures({
        scenario: 'crash and retry',
        database: kind,
        operations: tally.total,
        failures: tally.failures(),
        invariantChecks: crashes.length + 1,
        problems: problems.length + differences.length + unexpected.length + crashes.reduce((n, c) => n + c.problems.length, 0),
        seconds,
        throughput: tally.throughput(),
        latency: tally.latency(),
        notes: `${CHARGES} charges, ${crashes.length} SIGKILL(s) after ${crashes.map((c) => c.ackedBefore).join(', ')} acknowledgements, checked in ${crashes.map((c) => c.checkMs).join(', ')} ms, restarted in ${crashes.map((c) => c.restartMs).join(', ')} ms, ${plan.filter((p) => p.attempts > 1).length} requests retried`,
      });

      expect(some(unexpected)).toEqual([]);
      expect(crashes.map((c) => some(c.problems))).toEqual(crashes.map(() => []));
      expect(some(plan.filter((p) => !p.acked).map((p) => p.key))).toEqual([]);
      expect(some(problems)).toEqual([]);
      expect(differences).toEqual([]);
      expect([Number(counts.charges), Number(counts.records), Number(counts.debits)]).toEqual([CHARGES, CHARGES, CHARGES]);
      // The kill landed in the middle of the load: some requests had to be retried.
      expect(plan.filter((p) => p.attempts > 1).length).toBeGreaterThan(0);
    },
    timeoutFor(90_000),
  );
});
