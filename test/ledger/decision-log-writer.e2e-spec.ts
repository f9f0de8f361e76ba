import type { AbstractSqlConnection } from '@mikro-orm/knex';
import { DecisionLogWriter, Ledger, openDatabase, StaticRules, type Database, type DecisionLogRow } from '@ratecard/ledger';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { compileBundled } from '../support/rules';

const NOW = new Date('2026-11-24T12:00:00Z');

describe.each(DATABASE_KINDS)(`${DecisionLogWriter.name} on %s`, (kind) => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase(await freshDatabase(kind));
    await db.migrate();
    await new Ledger(db, new StaticRules(await compileBundled())).createAccount({ id: 'acme', plan: 'basic' }, NOW, { actor: 'test' });
  });
  afterAll(() => db.close());

  const row = (action: string, accountId = 'acme'): DecisionLogRow => ({
    kind: 'quote',
    accountId,
    plan: 'basic',
    action,
    params: {},
    confirm: false,
    balanceMc: 0,
    usage: {},
    allowed: true,
    costMc: 0,
    reasons: '',
    decision: {},
    rulesetVersion: 'v',
    chargeId: null,
    apiKeyId: null,
    createdAt: NOW,
  });

  it('loses only the rows the database refuses, not the batch they were written with', async () => {
    const errors: number[] = [];
    const sut = new DecisionLogWriter(db, 500, 20, (_e, rows) => errors.push(rows));
    // An unknown account breaks the foreign key: only that row can be refused.
    for (const a of ['x.one', 'x.two', 'x.three']) sut.push(row(a));
    sut.push(row('x.orphan', 'no-such-account'));
    for (const a of ['x.four', 'x.five']) sut.push(row(a));
    await sut.close();
    const rows = await db.orm.em.fork().getConnection().execute<{ action: string }[]>("select action from decision_log where action like 'x.%' order by id");
    expect(rows.map((r: { action: string }) => r.action)).toEqual(['x.one', 'x.two', 'x.three', 'x.four', 'x.five']);
    expect([sut.lost, errors]).toEqual([1, [1]]);
  });

  const actions = async (prefix: string): Promise<string[]> =>
    (await db.orm.em.fork().getConnection().execute<{ action: string }[]>(`select action from decision_log where action like '${prefix}%' order by id`)).map((r: { action: string }) => r.action);

  it('hands buffered rows to a transaction; a reader waits until that transaction settles', async () => {
    const sut = new DecisionLogWriter(db, 500, 60_000);
    sut.push(row('t.one'));
    sut.push(row('t.two'));
    const taken = await sut.take();
    expect(taken.rows.map((r) => r.action)).toEqual(['t.one', 't.two']);
    sut.push(row('t.three'));
    let flushed = false;
    const flush = sut.flush().then(() => (flushed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toBe(false);
    // The taker wrote its rows in its own transaction (the writer does not write them again).
    await taken.settle(true);
    await flush;
    expect(await actions('t.')).toEqual(['t.three']);
  });

  it('logs the quotes decided before a batch of charges before the charges, in the batch', async () => {
    const ledger = new Ledger(db, new StaticRules(await compileBundled()));
    await ledger.createAccount({ id: 'order', plan: 'pro' }, NOW, { actor: 'test' });
    await ledger.quote({ accountId: 'order', action: 'chat.edit' }, NOW, { actor: 'test' });
    await ledger.quote({ accountId: 'order', action: 'image.generate' }, NOW, { actor: 'test' });
    // A Pro account starts with its monthly allowance: the charge is allowed.
    expect((await ledger.charge({ accountId: 'order', action: 'chat.edit' }, 'order-1', NOW, { actor: 'test' })).replayed).toBe(false);
    await ledger.close();
    const rows = await db.orm.em.fork().getConnection().execute<{ kind: string; action: string }[]>("select kind, action from decision_log where account_id = 'order' order by id");
    expect(rows.map((r: { kind: string; action: string }) => `${r.kind} ${r.action}`)).toEqual(['quote chat.edit', 'quote image.generate', 'charge chat.edit']);
  });

  it('writes the rows of a taker that rolled back, before the rows decided after them', async () => {
    const sut = new DecisionLogWriter(db, 500, 60_000);
    sut.push(row('r.one'));
    const taken = await sut.take();
    sut.push(row('r.two'));
    await taken.settle(false);
    await taken.settle(true); // only the first call counts
    await sut.close();
    expect(await actions('r.')).toEqual(['r.one', 'r.two']);
  });

  it('turns the flushes asked for while a write waits its turn into one write of everything buffered', async () => {
    // Counts the INSERTs the database is given: through knex (PostgreSQL), or on the SQLite writer's
    // own connection (statements go to it directly there).
    const knex = (db.orm.em.getDriver().getConnection('write') as AbstractSqlConnection).getKnex();
    let inserts = 0;
    const isInsert = (sql: string): boolean => /insert into "decision_log"/.test(sql);
    const count = (q: { sql: string }): void => void (isInsert(q.sql) && inserts++);
    knex.on('query', count);
    const client = knex.client as { acquireConnection(): Promise<Record<string, unknown>>; releaseConnection(c: unknown): Promise<unknown> };
    const conn = kind === 'sqlite' ? await client.acquireConnection() : undefined;
    const all = conn?.all as ((sql: string, ...rest: unknown[]) => unknown) | undefined;
    if (conn && all) conn.all = function (this: unknown, sql: string, ...rest: unknown[]) {
      if (isInsert(sql)) inserts++;
      return all.call(this, sql, ...rest);
    };
    if (conn) await client.releaseConnection(conn);
    try {
      const sut = new DecisionLogWriter(db, 500, 60_000);
      for (const a of ['m.one', 'm.two', 'm.three']) {
        sut.push(row(a));
        void sut.flush();
      }
      await sut.close();
      expect(await actions('m.')).toEqual(['m.one', 'm.two', 'm.three']);
      expect(inserts).toBe(1);
    } finally {
      knex.removeListener('query', count);
      if (conn && all) conn.all = all;
    }
  });
});
