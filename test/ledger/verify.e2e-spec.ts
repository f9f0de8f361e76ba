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
    expect([sut.accounts, sut.charges, sut.grants]).toEqual([1, 2, 1]);
    expect(sut.entries).toBeGreaterThanOrEqual(7);
  });

  it('reports a cached balance that no longer matches the entries, and a wrong held amount', async () => {
    await db.orm.em.fork().getConnection().execute('update account set balance_mc = balance_mc + 1, held_mc = held_mc + 5 where id = ?', ['acme']);
    const sut = await verifyLedger(db);
    expect(sut.problems.map((p) => p.code).sort()).toEqual(['BALANCE_MISMATCH', 'GRANTS_MISMATCH', 'HELD_MISMATCH']);
  });

  it('reports a grant whose remaining credits no longer match its allocations, and a balance its grants do not hold', async () => {
    await db.orm.em.fork().getConnection().execute('update account set balance_mc = balance_mc - 1, held_mc = held_mc - 5 where id = ?', ['acme']);
    expect((await verifyLedger(db)).problems).toEqual([]);
    await db.orm.em.fork().getConnection().execute('update credit_grant set remaining_mc = remaining_mc - 7 where account_id = ?', ['acme']);
    const sut = await verifyLedger(db);
    expect(sut.problems.map((p) => p.code).sort()).toEqual(['GRANTS_MISMATCH', 'GRANT_MISMATCH']);
  });

  it('reports an entry whose allocations do not add up to it', async () => {
    await db.orm.em.fork().getConnection().execute('update credit_grant set remaining_mc = remaining_mc + 7 where account_id = ?', ['acme']);
    const conn = db.orm.em.fork().getConnection();
    const [last] = await conn.execute<{ id: number }[]>('select max(id) as id from ledger_entry');
    await conn.execute('insert into entry_allocation (entry_id, grant_id, account_id, amount_mc) values (?, ?, ?, ?)', [last.id, 'gr_other', 'acme', 0]);
    await conn.execute('insert into entry_allocation (entry_id, grant_id, account_id, amount_mc) values (?, ?, ?, ?)', [last.id, 'gr_other', 'acme', 3]);
    const sut = await verifyLedger(db);
    expect(sut.problems.map((p) => p.code)).toEqual(['ALLOCATION_MISMATCH']);
  });
});
