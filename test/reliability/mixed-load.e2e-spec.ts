import { randomUUID } from 'node:crypto';
import type { Database } from '@ratecard/ledger';
import type { Client, Reply } from '../support/api';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { attempt, expectRunning, startApis, stopAll, until, type ApiProcess, type Outcome } from '../support/processes';
import { AccountBook, ledgerProblems, open, Random, reconcile, recordFigures, scaled, seed, some, Tally, timeoutFor } from './load';

// Thousands of charges, holds (some expiring within the run), captures, releases, refunds and
// idempotent replays from many concurrent clients against a few hot accounts, over real HTTP to the built API (two processes on
// PostgreSQL, one on SQLite). Each client keeps its own record of what it was told; afterwards the
// ledger must pass every invariant and every account must reconcile with those records: nothing
// lost, nothing doubled, no balance below zero, no 5xx.

const CLIENTS = 16;
const OPERATIONS = scaled(1500);
const ACCOUNTS = 4;
/**
 * Credits granted to each Basic account on top of its 1,500: about 2.5 cr per operation go out of
 * each account net of refunds and releases, so the hot accounts run dry in the last part of the run.
 */
const TOP_UP = Math.max(0, OPERATIONS * 2 - 1500);

type Body = { accountId: string; action: string; params?: Record<string, unknown> };
const CHARGES: readonly Omit<Body, 'accountId'>[] = [
  { action: 'chat.edit' },
  { action: 'prompt.enhance' },
  { action: 'prompt.brainstorm' },
  { action: 'image.generate' },
  { action: 'image.generate', params: { model: 'gemini-2.5-flash' } },
  { action: 'video.generate', params: { seconds: 2 } },
];
const HOLDS: readonly Omit<Body, 'accountId'>[] = [{ action: 'image.generate' }, { action: 'video.generate', params: { seconds: 4 } }];

/** A charge a client was told about: enough to refund it and to replay its request. */
interface Acked {
  readonly book: AccountBook;
  readonly key: string;
  readonly body: Body;
  readonly reply: Reply;
  remainingMc: number;
}

describe.each(DATABASE_KINDS)('mixed load on %s', (kind) => {
  let apis: ApiProcess[] = [];
  let db: Database | undefined;

  afterAll(async () => {
    try {
      expectRunning(apis);
    } finally {
      await stopAll(apis);
      await db?.close();
    }
  });

  it(
    `${OPERATIONS} charges, holds (some expiring), captures, releases, refunds and replays from ${CLIENTS} clients on ${ACCOUNTS} accounts reconcile exactly`,
    async () => {
      const target = await freshDatabase(kind);
      apis = await startApis(kind === 'postgresql' ? 2 : 1, target.url);
      db = await open(target);
      const service = await apis[0].createKey('service');
      const admin = apis[0].client();
      const clients = apis.map((a) => a.client(service));

      const books: AccountBook[] = [];
      for (let i = 0; i < ACCOUNTS; i++) {
        const created = await admin.post('/v1/accounts', { id: `hot-${i}-${randomUUID().slice(0, 8)}`, plan: 'basic' });
        expect(created.status).toBe(201);
        const book = new AccountBook(created.body.id);
        book.grantedMc = created.body.balanceMillicredits;
        const granted = await admin.post(`/v1/accounts/${book.accountId}/grants`, { amount: TOP_UP, reason: 'load test' });
        expect(granted.status).toBe(201);
        book.grantedMc += TOP_UP * 1000;
        books.push(book);
      }

      const runSeed = seed();
      const tally = new Tally();
      const unexpected: string[] = [];
      const acked: Acked[] = [];
      /** Holds that live one second, whatever became of them is settled at the end. */
      const shortHolds: { id: string; book: AccountBook }[] = [];
      let left = OPERATIONS;

      const expect2xx = (what: string, outcome: Outcome, ...ok: number[]): Reply | undefined => {
        tally.add(what.split(' ')[0], outcome);
        if (outcome.reply && ok.includes(outcome.reply.status)) return outcome.reply;
        unexpected.push(`${what}: ${outcome.reply ? `${outcome.reply.status} ${JSON.stringify(outcome.reply.body).slice(0, 300)}` : outcome.error}`);
        return undefined;
      };

      const client = async (n: number): Promise<void> => {
        const random = new Random(runSeed + n);
        const mine: Acked[] = [];
        const holds: { id: string; book: AccountBook; short: boolean }[] = [];
        // A capture or release of a one-second hold may come after it expired: 409 HOLD_NOT_ACTIVE, its credits back.
        const closed = (what: string, hold: { id: string; book: AccountBook; short: boolean }, outcome: Outcome, ok: number): Reply | undefined => {
          const r = outcome.reply;
          if (hold.short && r?.status === 409 && r.body.code === 'HOLD_NOT_ACTIVE' && r.body.holdStatus === 'expired') {
            tally.add(what, outcome);
            hold.book.holds.delete(hold.id);
            return undefined;
          }
          const reply = expect2xx(what, outcome, ok);
          if (reply) hold.book.holds.delete(hold.id);
          return reply;
        };
        while (left-- > 0) {
          const via: Client = random.pick(clients);
          const book = random.pick(books);
          const roll = random.next();
          if (roll < 0.4) {
            const body = { accountId: book.accountId, ...random.pick(CHARGES) };
            const key = randomUUID();
            const reply = expect2xx(`charge ${body.action}`, await attempt(() => via.post('/v1/charges', body, { idempotencyKey: key })), 201, 402);
            if (reply?.status === 201) {
              book.chargedMc += reply.body.costMillicredits;
              book.charges.add(reply.body.id);
              const a = { book, key, body, reply, remainingMc: reply.body.costMillicredits };
              mine.push(a);
              acked.push(a);
            }
          } else if (roll < 0.55) {
            const short = random.next() < 0.3;
            const body = { accountId: book.accountId, ...random.pick(HOLDS), ...(short ? { ttlSeconds: 1 } : {}) };
            const reply = expect2xx(`hold ${body.action}`, await attempt(() => via.post('/v1/holds', body, { idempotencyKey: randomUUID() })), 201, 402);
            if (reply?.status === 201) {
              book.holds.set(reply.body.id, reply.body.amountMillicredits);
              book.holdIds.add(reply.body.id);
              holds.push({ id: reply.body.id, book, short });
              if (short) shortHolds.push({ id: reply.body.id, book });
            }
          } else if (roll < 0.67 && holds.length) {
            const hold = holds.splice(random.int(holds.length), 1)[0];
            const amountMc = hold.book.holds.get(hold.id)!;
            // The whole hold, or a part of it (the rest is released).
            const part = random.next() < 0.5 ? undefined : random.int(amountMc + 1);
            const reply = closed('capture', hold, await attempt(() => via.post(`/v1/holds/${hold.id}/capture`, part === undefined ? undefined : { amount: part / 1000 })), 201);
            if (reply) {
              hold.book.capturedMc += reply.body.charge.costMillicredits;
              hold.book.charges.add(reply.body.charge.id);
              mine.push({ book: hold.book, key: '', body: { accountId: hold.book.accountId, action: reply.body.charge.action }, reply, remainingMc: reply.body.charge.costMillicredits });
            }
          } else if (roll < 0.75 && holds.length) {
            const hold = holds.splice(random.int(holds.length), 1)[0];
            closed('release', hold, await attempt(() => via.post(`/v1/holds/${hold.id}/release`)), 200);
          } else if (roll < 0.9 && mine.some((a) => a.remainingMc > 0)) {
            const open = mine.filter((a) => a.remainingMc > 0);
            const charge = random.pick(open);
            const id = charge.key ? charge.reply.body.id : charge.reply.body.charge.id;
            const amountMc = random.next() < 0.3 ? charge.remainingMc : 1 + random.int(charge.remainingMc);
            const key = randomUUID();
            const reply = expect2xx('refund', await attempt(() => via.post(`/v1/charges/${id}/refund`, { amount: amountMc / 1000 }, { idempotencyKey: key })), 201);
            if (reply) {
              charge.remainingMc -= reply.body.refundedMillicredits;
              charge.book.refundedMc += reply.body.refundedMillicredits;
              charge.book.refunds++;
              // The same refund again, maybe through the other process: the first answer, not a second refund.
              if (random.next() < 0.3) {
                const again = expect2xx('refund replay', await attempt(() => random.pick(clients).post(`/v1/charges/${id}/refund`, { amount: amountMc / 1000 }, { idempotencyKey: key })), 201);
                if (again && (again.headers['idempotent-replayed'] !== 'true' || again.body.entryId !== reply.body.entryId)) unexpected.push(`refund replay answered ${JSON.stringify(again.body)}, not the first refund`);
              }
            }
          } else if (mine.some((a) => a.key)) {
            // A retry of an earlier charge, maybe through the other process: the first answer again.
            const earlier = random.pick(mine.filter((a) => a.key));
            const reply = expect2xx('charge replay', await attempt(() => random.pick(clients).post('/v1/charges', earlier.body, { idempotencyKey: earlier.key })), 201);
            if (reply && (reply.headers['idempotent-replayed'] !== 'true' || reply.body.id !== earlier.reply.body.id || reply.body.balanceMillicredits !== earlier.reply.body.balanceMillicredits)) {
              unexpected.push(`charge replay of ${earlier.key} answered ${JSON.stringify(reply.body).slice(0, 300)}, not the first answer`);
            }
          } else {
            left++;
          }
        }
      };

      const started = Date.now();
      await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
      const seconds = (Date.now() - started) / 1000;

      // The one-second holds nobody closed expire: reading them releases them, once.
      for (const hold of shortHolds.filter((h) => h.book.holds.has(h.id))) {
        await until(`hold ${hold.id} to expire`, async () => ((await admin.get(`/v1/holds/${hold.id}`)).body.status === 'expired' ? true : undefined), 10_000, 100);
        hold.book.holds.delete(hold.id);
      }

      const problems = await ledgerProblems(db);
      const differences = await reconcile(db, books);
      recordFigures({
        scenario: 'mixed load',
        database: kind,
        operations: tally.total,
        failures: tally.failures(),
        invariantChecks: 1 + books.length,
        problems: problems.length + differences.length + unexpected.length,
        seconds,
        throughput: tally.throughput(),
        latency: tally.latency(),
        notes: `${apis.length} process(es), ${CLIENTS} clients, ${ACCOUNTS} accounts, seed ${runSeed}`,
      });
      expect({ seed: runSeed, unexpected: some(unexpected) }).toEqual({ seed: runSeed, unexpected: [] });
      expect(problems).toEqual([]);
      expect(differences).toEqual([]);
      // The load did what it says: every kind of operation, and the accounts ran into their limits.
      expect(tally.total).toBeGreaterThanOrEqual(OPERATIONS);
      expect(acked.length).toBeGreaterThan(OPERATIONS / 5);
    },
    timeoutFor(90_000),
  );
});
