import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, openDatabase, StaticRules, type Database } from '@ratecard/ledger';
import { WalCheckpointer } from '../../libs/ledger/src/store/checkpointer';
import { freshDatabase } from '../support/databases';
import { compileBundled } from '../support/rules';

// SQLite's WAL is copied back into the database file beside the writer, after charge batches,
// instead of inside the commit that crosses wal_autocheckpoint (10,000 pages, far more than
// these tests write): so what the tests find in the database file alone was put there by the
// checkpointer.

const caller = { actor: 'test' };
const NOW = new Date('2026-03-21T12:00:00.000Z');

/** Rows of `sql` in a copy of the database file without its WAL: what has been checkpointed. */
async function inFileAlone(file: string, sql: string): Promise<number> {
  const copy = join(mkdtempSync(join(tmpdir(), 'ratecard-ckpt-')), 'copy.db');
  copyFileSync(file, copy);
  const db = await openDatabase({ kind: 'sqlite', file: copy });
  try {
    const [row] = await db.orm.em.fork().getConnection().execute<{ n: number }[]>(sql);
    return Number(row.n);
  } finally {
    await db.close();
  }
}

describe('WAL checkpoints beside the SQLite writer', () => {
  let file: string;
  let db: Database;

  beforeEach(async () => {
    const target = await freshDatabase('sqlite');
    file = (target as { file: string }).file;
    db = await openDatabase(target);
    await db.migrate();
  });
  afterEach(() => db.close());

  it('puts a committed charge batch into the database file itself', async () => {
    const ledger = new Ledger(db, new StaticRules(await compileBundled()));
    await ledger.createAccount({ id: 'acme', plan: 'basic' }, NOW, caller);
    await Promise.all([1, 2, 3].map((i) => ledger.charge({ accountId: 'acme', action: 'image.generate' }, `k-${i}`, NOW, caller)));
    await ledger.close(); // waits for the checkpoint the batch started
    expect(await inFileAlone(file, 'select count(*) as n from charge')).toBe(3);
  });

  /** Polls until `ok()` holds (a checkpoint runs on a database thread; no fixed sleep). */
  const until = async (ok: () => boolean): Promise<void> => {
    for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  };
  const audit = (event: string): Promise<unknown> =>
    db.orm.em.fork().getConnection().execute(`insert into audit_event (actor, event, target, details, created_at) values ('t', '${event}', 'x', '{}', 0)`);

  it('copies every frame of the WAL; commits while one runs are checkpointed once after it', async () => {
    const sut = new WalCheckpointer(db, 50);
    await audit('test.one');
    sut.nudge();
    await audit('test.two');
    sut.nudge(); // one is running: a second is due after it (and after the interval)
    sut.nudge(); // still one due, not two
    await until(() => sut.completed === 2);
    expect(sut.completed).toBe(2);
    expect(sut.last!.logFrames).toBeGreaterThan(0);
    expect(sut.last!.checkpointedFrames).toBe(sut.last!.logFrames);
    await sut.close();
    expect(sut.completed).toBe(2);
    expect(await inFileAlone(file, "select count(*) as n from audit_event where event like 'test.%'")).toBe(2);
  });

  it('runs the checkpoint still due when it closes, not a minute later', async () => {
    const sut = new WalCheckpointer(db, 60_000);
    sut.nudge();
    await until(() => sut.completed === 1);
    await audit('test.late');
    sut.nudge(); // due in a minute
    await sut.close();
    expect(sut.completed).toBe(2);
    expect(await inFileAlone(file, "select count(*) as n from audit_event where event = 'test.late'")).toBe(1);
  });
});
