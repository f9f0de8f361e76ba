import { randomUUID } from 'node:crypto';
import type { Database } from '@ratecard/ledger';
import { bundledRulesWith, type Client } from '../support/api';
import { freshDatabase } from '../support/databases';
import { attempt, expectRunning, startApis, stopAll, until, type ApiProcess, type Outcome } from '../support/processes';
import { ledgerProblems, open, recordFigures, scaled, some, sql, Tally, timeoutFor } from './load';

// Scale-out: three API processes on one PostgreSQL database serve the same accounts. They start
// at the same moment on a new database, as an orchestrator would start them. Charges
// spread across the processes keep every invariant (exactly the affordable ones succeed, no balance
// below zero, one debit per idempotency key however many processes it races through), and a rule-set
// activation through one process reaches the others within seconds.

const PROCESSES = 3;
const ACCOUNTS = 3;
/** Charges each account can pay for: a video of 256 cr each. */
const AFFORDABLE = scaled(12);
/** Charges sent per account: three times what it can pay for. */
const SENT = AFFORDABLE * 3;
const VIDEO_MC = 256_000;
const RACES = scaled(30);

const CHAT_EDIT_AT_HALF = 'price: { rate: 0.5 cr/edit,';
const CHAT_EDIT_AT_0_75 = 'price: { rate: 0.75 cr/edit,';

describe('several API processes on one PostgreSQL database', () => {
  let apis: ApiProcess[] = [];
  let db: Database | undefined;
  let admin: Client;
  let services: Client[];

  beforeAll(async () => {
    const target = await freshDatabase('postgresql');
    // All at once on an empty database: one migrates and publishes the bundled rules, the others wait or find them done.
    apis = await startApis(PROCESSES, target.url, { together: true });
    db = await open(target);
    admin = apis[0].client();
    const key = await apis[0].createKey('service');
    services = apis.map((a) => a.client(key));
  }, 60_000);

  afterAll(async () => {
    try {
      expectRunning(apis);
      if (db) expect(await ledgerProblems(db)).toEqual([]);
    } finally {
      await stopAll(apis);
      await db?.close();
    }
  });

  /** A Basic account (1,500 cr) topped up to exactly `videos` videos of 256 cr. */
  const accountFor = async (videos: number): Promise<string> => {
    const created = await admin.post('/v1/accounts', { id: `acct-${randomUUID().slice(0, 12)}`, plan: 'basic' });
    expect(created.status).toBe(201);
    const delta = videos * VIDEO_MC - created.body.balanceMillicredits;
    if (delta > 0) expect((await admin.post(`/v1/accounts/${created.body.id}/grants`, { amount: delta / 1000, reason: 'exactly enough' })).status).toBe(201);
    else if (delta < 0) throw new Error(`an account starts with more than ${videos} videos`);
    return created.body.id;
  };

  it(`${PROCESSES} processes started at the same moment on a new database share one schema, one rule set and one admin key`, async () => {
    const versions = new Set(await Promise.all(apis.map(async (a) => (await a.health()).rulesetVersion as string)));
    expect(versions.size).toBe(1);
    const [counts] = await sql<{ migrations: unknown; rulesets: unknown; activations: unknown; keys: unknown }>(
      db!,
      `select (select count(*) from mikro_orm_migrations) as migrations, (select count(*) from ruleset_version) as rulesets,
              (select count(*) from ruleset_activation) as activations, (select count(*) from api_key where role = 'admin') as keys`,
    );
    expect({ rulesets: Number(counts.rulesets), activations: Number(counts.activations), keys: Number(counts.keys) }).toEqual({ rulesets: 1, activations: 1, keys: 1 });
    expect(Number(counts.migrations)).toBeGreaterThan(0);
    expect(await db!.pendingMigrations()).toEqual([]);
  });

  it(
    `${SENT * ACCOUNTS} concurrent charges spread over ${PROCESSES} processes against ${ACCOUNTS} accounts that each cover exactly ${AFFORDABLE}: exactly ${AFFORDABLE} succeed per account`,
    async () => {
      const ids = await Promise.all(Array.from({ length: ACCOUNTS }, () => accountFor(AFFORDABLE)));
      const tally = new Tally();
      const started = Date.now();

      // Interleaved: account by account, process by process.
      const outcomes = await Promise.all(
        Array.from({ length: SENT * ACCOUNTS }, async (_, i) => {
          const accountId = ids[i % ACCOUNTS];
          const outcome = await attempt(() => services[i % PROCESSES].post('/v1/charges', { accountId, action: 'video.generate' }, { idempotencyKey: randomUUID() }));
          tally.add('charge', outcome);
          return { accountId, outcome };
        }),
      );

      const unexpected = outcomes.filter(({ outcome: o }) => o.reply?.status !== 201 && !(o.reply?.status === 402 && o.reply.body.code === 'INSUFFICIENT_CREDITS'));
      expect(some(unexpected.map(({ outcome: o }) => o.reply ? [o.reply.status, o.reply.body] : o.error))).toEqual([]);
      for (const id of ids) {
        const mine = outcomes.filter((o) => o.accountId === id).map((o) => o.outcome.reply!);
        expect([mine.filter((r) => r.status === 201).length, mine.filter((r) => r.status === 402).length]).toEqual([AFFORDABLE, SENT - AFFORDABLE]);
        // Each success saw its own balance: AFFORDABLE - 1 videos left, then AFFORDABLE - 2, ... 0.
        const balances = mine.filter((r) => r.status === 201).map((r) => r.body.balanceMillicredits).sort((a, b) => b - a);
        expect(balances).toEqual(Array.from({ length: AFFORDABLE }, (_, k) => (AFFORDABLE - 1 - k) * VIDEO_MC));
        const [row] = await sql<{ balance_mc: unknown }>(db!, 'select balance_mc from account where id = ?', [id]);
        expect(Number(row.balance_mc)).toBe(0);
        const [debits] = await sql<{ n: unknown }>(db!, "select count(*) as n from ledger_entry where account_id = ? and kind = 'debit'", [id]);
        expect(Number(debits.n)).toBe(AFFORDABLE);
      }
      const problems = await ledgerProblems(db!);
      expect(problems).toEqual([]);
      recordFigures({
        scenario: 'multi-process hot accounts',
        database: 'postgresql',
        operations: tally.total,
        failures: tally.failures(),
        invariantChecks: 1 + ACCOUNTS,
        problems: problems.length,
        seconds: (Date.now() - started) / 1000,
        throughput: tally.throughput(),
        latency: tally.latency(),
        notes: `${PROCESSES} processes, ${ACCOUNTS} accounts covering ${AFFORDABLE} videos each`,
      });
    },
    timeoutFor(30_000),
  );

  it(
    `the same idempotency key sent to every process at the same instant, ${RACES} times: one debit and the same answer each time`,
    async () => {
      const accountId = await accountFor(RACES + 2);
      const tally = new Tally();
      const started = Date.now();
      const answers: Outcome[][] = [];
      for (let i = 0; i < RACES; i++) {
        const key = randomUUID();
        const body = { accountId, action: 'video.generate' };
        // Two requests per process, all released together.
        const race = await Promise.all([...services, ...services].map((s) => attempt(() => s.post('/v1/charges', body, { idempotencyKey: key }))));
        for (const o of race) tally.add('charge race', o);
        answers.push(race);
      }

      const bad = answers.flatMap((race, i) => race.filter((o) => o.reply?.status !== 201).map((o) => `race ${i}: ${o.reply ? `${o.reply.status} ${JSON.stringify(o.reply.body)}` : o.error}`));
      expect(some(bad)).toEqual([]);
      for (const race of answers) {
        const bodies = race.map((o) => o.reply!.body);
        // The same charge, balance and decision in every answer; exactly one of them is not a replay.
        expect(bodies).toEqual(Array(bodies.length).fill(bodies[0]));
        expect(race.filter((o) => o.reply!.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
      }
      const [counts] = await sql<{ charges: unknown; debits: unknown; records: unknown }>(
        db!,
        `select (select count(*) from charge where account_id = ?) as charges,
                (select count(*) from ledger_entry where account_id = ? and kind = 'debit') as debits,
                (select count(*) from idempotency_record where scope = 'charge' and key in (select idempotency_key from charge where account_id = ?)) as records`,
        [accountId, accountId, accountId],
      );
      expect([Number(counts.charges), Number(counts.debits), Number(counts.records)]).toEqual([RACES, RACES, RACES]);
      const [row] = await sql<{ balance_mc: unknown }>(db!, 'select balance_mc from account where id = ?', [accountId]);
      expect(Number(row.balance_mc)).toBe(2 * VIDEO_MC);
      const problems = await ledgerProblems(db!);
      expect(problems).toEqual([]);
      recordFigures({
        scenario: 'multi-process idempotency races',
        database: 'postgresql',
        operations: tally.total,
        failures: tally.failures(),
        invariantChecks: 1 + RACES,
        problems: problems.length,
        seconds: (Date.now() - started) / 1000,
        throughput: tally.throughput(),
        latency: tally.latency(),
        notes: `${RACES} keys, each sent twice to each of ${PROCESSES} processes at once`,
      });
    },
    timeoutFor(30_000),
  );

  it(
    'a rule-set activation through one process reaches the others within seconds, and their decisions use the new price',
    async () => {
      const accountId = await accountFor(6);
      const before = (await apis[0].health()).rulesetVersion as string;
      for (const api of apis) expect((await api.health()).rulesetVersion).toBe(before);

      const published = await admin.post('/v1/rulesets', { files: await bundledRulesWith('editing.yaml', CHAT_EDIT_AT_HALF, CHAT_EDIT_AT_0_75), message: 'chat edits at 0.75 cr' });
      expect(published.status).toBe(201);
      const next = published.body.version as string;
      const activatedAt = Date.now();
      expect((await admin.post(`/v1/rulesets/${next}/activate`)).status).toBe(200);
      // The process that activated it switched before answering.
      expect((await apis[0].health()).rulesetVersion).toBe(next);

      for (const api of apis.slice(1)) {
        await until(`${api.name} to report rule set ${next.slice(0, 12)} on /health`, async () => ((await api.health()).rulesetVersion === next ? true : undefined), 5_000);
      }
      const tookMs = Date.now() - activatedAt;
      expect(tookMs).toBeLessThan(5_000);

      for (const [i, service] of services.entries()) {
        const quote = await service.post('/v1/decisions', { accountId, action: 'chat.edit' });
        expect([i, quote.status, quote.body.costMillicredits, quote.body.rulesetVersion]).toEqual([i, 200, 750, next]);
        const charge = await service.post('/v1/charges', { accountId, action: 'chat.edit' }, { idempotencyKey: randomUUID() });
        expect([i, charge.status, charge.body.costMillicredits, charge.body.rulesetVersion]).toEqual([i, 201, 750, next]);
      }
      recordFigures({ scenario: 'multi-process rule activation', database: 'postgresql', operations: PROCESSES * 2, failures: {}, invariantChecks: PROCESSES, problems: 0, seconds: tookMs / 1000, throughput: 0, notes: `every process on the new version ${tookMs} ms after the activation (RULES_POLL_MS=200)` });
    },
    timeoutFor(30_000),
  );

  it(
    'charges through every process while a rule set is activated: each is priced by the version it names, none by the old one once its process switched',
    async () => {
      const accountId = await accountFor(40);
      const quote = await services[0].post('/v1/decisions', { accountId, action: 'chat.edit' });
      const before = { version: quote.body.rulesetVersion as string, mc: quote.body.costMillicredits as number };
      const published = await admin.post('/v1/rulesets', { files: await bundledRulesWith('editing.yaml', CHAT_EDIT_AT_HALF, 'price: { rate: 1.25 cr/edit,'), message: 'chat edits at 1.25 cr' });
      expect(published.status).toBe(201);
      const next = published.body.version as string;
      const priceOf = new Map([
        [before.version, before.mc],
        [next, 1250],
      ]);

      const total = scaled(240);
      const switched = apis.map(() => false);
      const answers: { process: number; afterSwitch: boolean; outcome: Outcome }[] = [];
      const tally = new Tally();
      let sent = 0;
      let activated: Promise<void> | undefined;
      const started = Date.now();
      const client = async (n: number): Promise<void> => {
        while (sent < total) {
          sent++;
          const p = (n + sent) % PROCESSES;
          const afterSwitch = switched[p];
          const outcome = await attempt(() => services[p].post('/v1/charges', { accountId, action: 'chat.edit' }, { idempotencyKey: randomUUID() }));
          tally.add('charge', outcome);
          answers.push({ process: p, afterSwitch, outcome });
          // A third of the way in, activate through the first process, and watch every process switch.
          activated ??= sent >= total / 3 ? activate() : undefined;
        }
      };
      const activate = async (): Promise<void> => {
        expect((await admin.post(`/v1/rulesets/${next}/activate`)).status).toBe(200);
        await Promise.all(
          apis.map(async (api, p) => {
            await until(`${api.name} to switch to ${next.slice(0, 12)}`, async () => ((await api.health()).rulesetVersion === next ? true : undefined), 5_000);
            switched[p] = true;
          }),
        );
      };
      await Promise.all(Array.from({ length: 12 }, (_, n) => client(n)));
      await activated;

      const wrong = answers.flatMap(({ process, afterSwitch, outcome: o }) => {
        if (o.reply?.status !== 201) return [`api-${process + 1}: ${o.reply ? `${o.reply.status} ${JSON.stringify(o.reply.body).slice(0, 200)}` : o.error}`];
        const { rulesetVersion, costMillicredits } = o.reply.body;
        if (priceOf.get(rulesetVersion) !== costMillicredits) return [`api-${process + 1}: ${costMillicredits} mc under ${rulesetVersion.slice(0, 12)}`];
        if (afterSwitch && rulesetVersion !== next) return [`api-${process + 1}: priced by the old version after it reported the new one`];
        return [];
      });
      expect(some(wrong)).toEqual([]);
      const versions = new Set(answers.map((a) => a.outcome.reply!.body.rulesetVersion));
      expect(versions).toEqual(new Set([before.version, next]));
      // The ledger agrees: every charge's debit is its version's price.
      const rows = await sql<{ cost_mc: unknown; ruleset_version: string; debit: unknown }>(
        db!,
        "select c.cost_mc, c.ruleset_version, e.amount_mc as debit from charge c join ledger_entry e on e.charge_id = c.id and e.kind = 'debit' where c.account_id = ?",
        [accountId],
      );
      expect(rows).toHaveLength(total);
      expect(rows.filter((r) => priceOf.get(r.ruleset_version) !== Number(r.cost_mc) || Number(r.debit) !== -Number(r.cost_mc))).toEqual([]);
      const problems = await ledgerProblems(db!);
      expect(problems).toEqual([]);
      recordFigures({
        scenario: 'multi-process activation under load',
        database: 'postgresql',
        operations: tally.total,
        failures: tally.failures(),
        invariantChecks: 1 + total,
        problems: wrong.length + problems.length,
        seconds: (Date.now() - started) / 1000,
        throughput: tally.throughput(),
        latency: tally.latency(),
        notes: `${answers.filter((a) => a.outcome.reply?.body.rulesetVersion === next).length} of ${total} charges priced by the new version`,
      });
    },
    timeoutFor(30_000),
  );
});
