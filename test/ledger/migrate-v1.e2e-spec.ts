import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Migrator } from '@mikro-orm/migrations';
import { Ledger, openDatabase, StaticRules, verifyLedger, type Database } from '@ratecard/ledger';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { compileBundled } from '../support/rules';

// A database made by the ledger as it was before grants existed (ledger v1, commit 57ba5af; the rows
// in test/fixtures/ledger-v1/ledger-v1.json, written by make.js beside it) migrates to ledger v2:
// every balance becomes one allowance grant expiring at its cycle's end, the ledger verifies clean,
// and what v1 left unfinished (an active hold, a partly refunded charge) completes correctly.

interface Fixture {
  readonly now: string;
  readonly tables: Record<string, Record<string, unknown>[]>;
}

const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/ledger-v1/ledger-v1.json'), 'utf8')) as Fixture;
const V1_LAST = 'Migration20261124204136_append_only';
const DATE = /(_at|_start|_end)$/;
const BOOLEAN = new Set(['confirm', 'allowed']);
const caller = { actor: 'test' };

/** The rows as the platform takes them: SQLite keeps v1's values; PostgreSQL gets dates and booleans. */
function rowFor(kind: Database['kind'], row: Record<string, unknown>): Record<string, unknown> {
  if (kind === 'sqlite') return row;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v !== null && DATE.test(k) ? new Date(Number(v)) : BOOLEAN.has(k) ? Boolean(v) : v]));
}

describe.each(DATABASE_KINDS)('migrating a ledger v1 database on %s', (kind) => {
  let db: Database;
  let ledger: Ledger;
  const now = new Date(fixture.now);

  beforeAll(async () => {
    db = await openDatabase(await freshDatabase(kind));
    await (db.orm.getMigrator() as Migrator).up({ to: V1_LAST });
    const em = db.orm.em.fork();
    const knex = (em.getConnection() as unknown as { getKnex(): import('knex').Knex }).getKnex();
    for (const [table, rows] of Object.entries(fixture.tables)) {
      if (rows.length > 0) await knex(table).insert(rows.map((r) => rowFor(kind, r)));
      if (kind === 'postgresql' && rows.length > 0 && typeof rows[0].id === 'number') await knex.raw(`select setval(pg_get_serial_sequence(?, 'id'), (select max(id) from ??))`, [table, table]);
    }
    expect(await db.migrate()).toEqual(expect.arrayContaining(['Migration20261202030000_ledger_v2_balances', kind === 'postgresql' ? 'Migration20261202025407_ledger_v2_grants' : 'Migration20261202025406_ledger_v2_grants']));
    ledger = new Ledger(db, new StaticRules(await compileBundled()));
  }, 60_000);

  afterAll(async () => {
    await ledger?.close();
    await db?.close();
  });

  it('turns every balance into one allowance grant expiring at the end of its cycle, and verifies clean', async () => {
    for (const a of fixture.tables.account) {
      const view = await ledger.getAccount(String(a.id), now);
      expect({ id: a.id, balance: view.balanceMillicredits, held: view.heldMillicredits, grants: view.grants.map((g) => [g.id, g.source, g.remainingMillicredits, g.expiresAt]) }).toEqual({
        id: a.id,
        balance: a.balance_mc,
        held: a.held_mc,
        grants: [[`gr_v2_${a.id}`, 'allowance', a.balance_mc, new Date(Number(a.cycle_end)).toISOString()]],
      });
    }
    const report = await verifyLedger(db);
    expect(report.problems).toEqual([]);
    expect(report.grants).toBe(fixture.tables.account.length);
  });

  it("completes what v1 left open: the rest of a partly refunded charge, and a hold that was active", async () => {
    const video = fixture.tables.charge.find((c) => c.idempotency_key === 'v1-c1')!;
    const hold = fixture.tables.hold.find((h) => h.idempotency_key === 'v1-h1')!;
    const before = await ledger.getAccount('v1-basic', now);
    const later = new Date(now.getTime() + 60_000);

    const refund = await ledger.refund(String(video.id), {}, undefined, later, caller);
    const capture = await ledger.capture(String(hold.id), { params: { seconds: 2 } }, new Date(later.getTime() + 1), caller);

    expect([refund.body.refundedMillicredits, capture.charge.costMillicredits]).toEqual([156_000, 64_000]);
    const after = await ledger.getAccount('v1-basic', new Date(later.getTime() + 1));
    expect([after.balanceMillicredits, after.heldMillicredits]).toEqual([before.balanceMillicredits + 156_000 + 128_000 - 64_000, 0]);
    // Credits v1 drew without grants come back as refund grants that end with the cycle they came from.
    expect(after.grants.map((g) => [g.source, g.remainingMillicredits, g.expiresAt])).toEqual([
      ['allowance', before.balanceMillicredits, '2026-04-20T00:00:00.000Z'],
      ['refund', 156_000, '2026-04-20T00:00:00.000Z'],
      ['refund', 64_000, '2026-04-20T00:00:00.000Z'],
    ]);
    expect((await verifyLedger(db)).problems).toEqual([]);
  });

  it('charges after the migration draw from the migrated grant, and the next billing date replaces it with the new allowance', async () => {
    const charge = await ledger.charge({ accountId: 'v1-pro', action: 'chat.edit' }, 'v2-c1', now, caller);
    expect(charge.body.costMillicredits).toBe(500);
    expect((await ledger.getCharge(charge.body.id)).paidBy).toEqual([{ grantId: 'gr_v2_v1-pro', amount: -0.5, amountMillicredits: -500 }]);

    const rolled = await ledger.getAccount('v1-rolled', new Date('2026-04-10T00:00:00.000Z'));
    expect({ plan: rolled.plan, balance: rolled.balanceMillicredits, grants: rolled.grants.map((g) => [g.source, g.plan, g.remainingMillicredits]) }).toEqual({
      plan: 'basic',
      balance: 1_500_000,
      grants: [['allowance', 'basic', 1_500_000]],
    });
    expect((await verifyLedger(db)).problems).toEqual([]);
  });
});
