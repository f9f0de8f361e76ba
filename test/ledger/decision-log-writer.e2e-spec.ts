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
});
