import { Ledger, openDatabase, StaticRules, verifyLedger, type Database } from '@ratecard/ledger';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { compileBundled } from '../support/rules';

const NOW = new Date('2026-11-24T12:00:00Z');
const caller = { actor: 'test' };

describe.each(DATABASE_KINDS)(`${verifyLedger.name} on %s`, (kind) => {
  let db: Database;
  let ledger: Ledger;
  beforeAll(async () => {
    db = await openDatabase(await freshDatabase(kind));
    await db.migrate();
    ledger = new Ledger(db, new StaticRules(await compileBundled()));
    await ledger.createAccount({ id: 'acme', plan: 'basic' }, NOW, caller);
    const c = await ledger.charge({ accountId: 'acme', action: 'site.generate' }, 'k1', NOW, caller);
    await ledger.refund(c.body.id, { amountMc: 1000 }, undefined, NOW, caller);
    const h = await ledger.hold({ accountId: 'acme', action: 'video.generate' }, 'h1', NOW, caller);
    await ledger.capture(h.body.id, { params: { seconds: 2 } }, NOW, caller);
    await ledger.hold({ accountId: 'acme', action: 'chat.edit' }, 'h2', NOW, caller);
    await ledger.close();
  });
  afterAll(() => db.close());

  it('finds nothing wrong in a ledger the service wrote', async () => {
    const sut = await verifyLedger(db);
    expect(sut.problems).toEqual([]);
    expect([sut.accounts, sut.charges]).toEqual([1, 2]);
    expect(sut.entries).toBeGreaterThanOrEqual(7);
  });

  it('reports a cached balance that no longer matches the entries, and a wrong held amount', async () => {
    await db.orm.em.fork().getConnection().execute('update account set balance_mc = balance_mc + 1, held_mc = held_mc + 5 where id = ?', ['acme']);
    const sut = await verifyLedger(db);
    expect(sut.problems.map((p) => p.code).sort()).toEqual(['BALANCE_MISMATCH', 'HELD_MISMATCH']);
  });
});
