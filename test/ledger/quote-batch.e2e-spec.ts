import { Ledger, openDatabase, StaticRules, type Database } from '@ratecard/ledger';
import type { ActionRequest } from '@ratecard/ledger';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { compileBundled } from '../support/rules';

// Quotes asked for in the same turn of the event loop share one account read (one statement for
// all of them). Each must still get its own account's plan, balance and usage of its own action:
// the same answer it gets when asked alone. Prices from the bundled rules: Basic may generate 2
// sites a cycle; Business OS chat is Pro+ at 15 cr.

const caller = { actor: 'test' };
const T0 = new Date('2026-03-20T12:00:00.000Z');
const NOW = new Date('2026-03-21T12:00:00.000Z');

type Outcome = { allowed: boolean; costMc: number; reasons: string[] } | { error: string };

describe.each(DATABASE_KINDS)('quotes read together on %s', (kind) => {
  let db: Database;
  let ledger: Ledger;

  beforeAll(async () => {
    db = await openDatabase(await freshDatabase(kind));
    await db.migrate();
    ledger = new Ledger(db, new StaticRules(await compileBundled()));
    for (const [id, plan] of [['full', 'basic'], ['one-site', 'basic'], ['pro', 'pro'], ['spent', 'basic']] as const) await ledger.createAccount({ id, plan, billingAnchor: 20 }, T0, caller);
    let k = 0;
    const charge = (accountId: string, action: string, params: Record<string, unknown> = {}) => ledger.charge({ accountId, action, params }, `seed-${++k}`, T0, caller);
    await charge('full', 'site.generate');
    await charge('full', 'site.generate');
    await charge('one-site', 'site.generate');
    // Spend Basic's allowance down to less than one image.
    for (let i = 0; i < 83; i++) await charge('spent', 'image.generate');
  }, 60_000);

  afterAll(async () => {
    await ledger?.close();
    await db?.close();
  });

  const outcome = (req: ActionRequest): Promise<Outcome> =>
    ledger.quote(req, NOW, caller).then(
      (d) => ({ allowed: d.allowed, costMc: d.costMillicredits, reasons: d.reasons.map((r) => r.code) }),
      (e: { code?: string }) => ({ error: String(e.code) }),
    );

  const requests: ActionRequest[] = [];
  for (const accountId of ['full', 'one-site', 'pro', 'spent', 'no-such-account'])
    for (const action of ['site.generate', 'image.generate', 'business-os.chat', 'chat.edit']) requests.push({ accountId, action, params: {} });

  it('answers each quote of a turn as it answers it alone', async () => {
    const alone: Outcome[] = [];
    for (const r of requests) alone.push(await outcome(r));
    // Reversed and repeated, so a mix-up of positions cannot pass.
    const mixed = [...requests].reverse().concat(requests);
    const together = await Promise.all(mixed.map(outcome));
    expect(together).toEqual([...alone].reverse().concat(alone));
  });

  it('tells the accounts apart: quota, plan, balance and an unknown account within one turn', async () => {
    const [full, oneSite, basicChat, proChat, spent, unknown] = await Promise.all([
      outcome({ accountId: 'full', action: 'site.generate' }),
      outcome({ accountId: 'one-site', action: 'site.generate' }),
      outcome({ accountId: 'one-site', action: 'business-os.chat' }),
      outcome({ accountId: 'pro', action: 'business-os.chat' }),
      outcome({ accountId: 'spent', action: 'image.generate' }),
      outcome({ accountId: 'no-such-account', action: 'chat.edit' }),
    ]);
    expect(full).toMatchObject({ allowed: false, reasons: ['QUOTA_EXCEEDED'] });
    expect(oneSite).toMatchObject({ allowed: true });
    expect(basicChat).toMatchObject({ allowed: false, reasons: ['PLAN_REQUIRED'] });
    expect(proChat).toMatchObject({ allowed: true, costMc: 15_000 });
    expect(spent).toMatchObject({ allowed: false, reasons: ['INSUFFICIENT_CREDITS'] });
    expect(unknown).toEqual({ error: 'ACCOUNT_NOT_FOUND' });
  });

  it('splits a turn of more quotes than one statement carries', async () => {
    const many = Array.from({ length: 700 }, (_, i) => requests[i % requests.length]);
    const alone = await Promise.all(requests.map(outcome));
    expect(await Promise.all(many.map(outcome))).toEqual(many.map((_, i) => alone[i % requests.length]));
  });
});
