import { Ledger, openDatabase, StaticRules, type Database } from '@ratecard/ledger';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { compileBundled } from '../support/rules';

// Credit grants as docs/credits.md says, with concrete numbers, on both databases: the draw order,
// expiry at the billing date, refunds and captures meeting expired grants, the upgrade carry-over,
// and idempotent grants. Prices from the bundled rules: image.generate 18 cr, video.generate
// 256 cr, site.generate 282 cr; Basic's allowance 1,500 cr and 2 sites a cycle, Pro's 5,000 cr.

const caller = { actor: 'test' };
/** Every account here has its billing date on the 20th: cycles end 2026-04-20, then 2026-05-20. */
const T0 = new Date('2026-03-20T12:00:00.000Z');
const APR20 = '2026-04-20T00:00:00.000Z';
const MAY20 = '2026-05-20T00:00:00.000Z';
const at = (iso: string): Date => new Date(iso);
const plus = (d: Date, minutes: number): Date => new Date(d.getTime() + minutes * 60_000);

describe.each(DATABASE_KINDS)('credit grants on %s', (kind) => {
  let db: Database;
  let ledger: Ledger;
  let n = 0;

  beforeAll(async () => {
    db = await openDatabase(await freshDatabase(kind));
    await db.migrate();
    ledger = new Ledger(db, new StaticRules(await compileBundled()));
  }, 60_000);

  afterAll(async () => {
    await ledger?.close();
    await db?.close();
  });

  const basic = async (): Promise<string> => (await ledger.createAccount({ id: `acct-${++n}`, plan: 'basic', billingAnchor: 20 }, T0, caller)).id;

  /** The live grants in draw order, as `[source, remaining mc, expiresAt, priority]`. */
  const live = async (id: string, now: Date): Promise<[string, number, string | null, number][]> =>
    (await ledger.getAccount(id, now)).grants.map((g) => [g.source, g.remainingMillicredits, g.expiresAt, g.priority]);

  it('draws the lowest priority first, then the soonest expiry, then the oldest; a grant that never expires last', async () => {
    const id = await basic();
    const grant = (minutes: number, expiresAt: Date | null | undefined, priority?: number) =>
      ledger.grant(id, { amountMc: 5_000, reason: `g${minutes}`, ...(expiresAt !== undefined ? { expiresAt } : {}), ...(priority !== undefined ? { priority } : {}) }, undefined, plus(T0, minutes), caller);
    await grant(1, null); // never
    await grant(2, at('2026-04-01T00:00:00Z')); // before the allowance's expiry
    await grant(3, at('2026-04-01T00:00:00Z')); // the same expiry, newer
    await grant(4, null, 0); // never, but priority 0
    await grant(5, undefined, 500); // the cycle's end, priority 500
    const now = plus(T0, 10);
    expect(await live(id, now)).toEqual([
      ['goodwill', 5_000, null, 0],
      ['goodwill', 5_000, '2026-04-01T00:00:00.000Z', 100],
      ['goodwill', 5_000, '2026-04-01T00:00:00.000Z', 100],
      ['allowance', 1_500_000, APR20, 100],
      ['goodwill', 5_000, null, 100],
      ['goodwill', 5_000, APR20, 500],
    ]);
    const order = (await ledger.getAccount(id, now)).grants.map((g) => g.reason);
    expect(order.filter((r) => r.startsWith('g'))).toEqual(['g4', 'g2', 'g3', 'g1', 'g5']);

    // 18 cr: the priority-0 grant, the two April grants (older first), then 3 cr of the allowance.
    const charge = (await ledger.charge({ accountId: id, action: 'image.generate' }, `${id}-c1`, now, caller)).body;
    expect(charge.balanceMillicredits).toBe(1_525_000 - 18_000);
    expect(await live(id, now)).toEqual([
      ['allowance', 1_497_000, APR20, 100],
      ['goodwill', 5_000, null, 100],
      ['goodwill', 5_000, APR20, 500],
    ]);
    expect((await ledger.getCharge(charge.id)).paidBy.map((a) => Math.abs(a.amountMillicredits))).toEqual([5_000, 5_000, 5_000, 3_000]);
  });

  it('keeps a long-lived grant across the billing date while the allowance expires', async () => {
    const id = await basic();
    const pack = at('2026-06-18T12:00:00Z'); // 90 days
    await ledger.grant(id, { amountMc: 100_000, reason: 'pack', expiresAt: pack }, undefined, plus(T0, 1), caller);
    await ledger.charge({ accountId: id, action: 'video.generate' }, `${id}-c1`, plus(T0, 2), caller);
    // The allowance expires first, so it pays.
    expect(await live(id, plus(T0, 3))).toEqual([
      ['allowance', 1_244_000, APR20, 100],
      ['goodwill', 100_000, pack.toISOString(), 100],
    ]);

    const billing = at(APR20);
    expect(await live(id, billing)).toEqual([
      ['allowance', 1_500_000, MAY20, 100],
      ['goodwill', 100_000, pack.toISOString(), 100],
    ]);
    expect((await ledger.getAccount(id, billing)).balanceMillicredits).toBe(1_600_000);
    const expiries = (await ledger.entries(id, { limit: 50 })).items.filter((e) => e.kind === 'expiry').map((e) => e.amountMillicredits);
    expect(expiries).toEqual([-1_244_000]);
  });

  it('expires at once what a refund gives back to a grant that expired at the billing date', async () => {
    const id = await basic();
    const charge = (await ledger.charge({ accountId: id, action: 'image.generate' }, `${id}-c1`, plus(T0, 1), caller)).body;
    const after = at('2026-04-21T00:00:00Z');
    const refund = (await ledger.refund(charge.id, {}, undefined, after, caller)).body;
    expect([refund.refundedMillicredits, refund.balanceMillicredits]).toEqual([18_000, 1_500_000]);
    expect(await live(id, after)).toEqual([['allowance', 1_500_000, MAY20, 100]]);
    const latest = (await ledger.entries(id, { limit: 2 })).items.map((e) => [e.kind, e.amountMillicredits]);
    expect(latest).toEqual([
      ['expiry', -18_000],
      ['refund', 18_000],
    ]);
  });

  it('gives a refund back to its grants in reverse order, and a full refund in the cycle gives the quota use back', async () => {
    const id = await basic();
    await ledger.grant(id, { amountMc: 100_000, reason: 'first', priority: 0 }, undefined, plus(T0, 1), caller);
    const one = (await ledger.charge({ accountId: id, action: 'site.generate' }, `${id}-c1`, plus(T0, 2), caller)).body;
    await ledger.charge({ accountId: id, action: 'site.generate' }, `${id}-c2`, plus(T0, 3), caller);
    await expect(ledger.charge({ accountId: id, action: 'site.generate' }, `${id}-c3`, plus(T0, 4), caller)).rejects.toMatchObject({ decision: { reasons: [{ code: 'QUOTA_EXCEEDED' }] } });

    // The first site took 100 cr of the priority-0 grant, then 182 cr of the allowance; the second 282 cr of the
    // allowance (1,036 cr left). 200 cr back: 182 cr to the allowance, then 18 cr to the priority-0 grant.
    await ledger.refund(one.id, { amountMc: 200_000 }, undefined, plus(T0, 5), caller);
    expect(await live(id, plus(T0, 5))).toEqual([
      ['goodwill', 18_000, APR20, 0],
      ['allowance', 1_218_000, APR20, 100],
    ]);
    expect((await ledger.getAccount(id, plus(T0, 5))).usage.find((u) => u.action === 'site.generate')?.used).toBe(2);

    await ledger.refund(one.id, {}, undefined, plus(T0, 6), caller);
    expect((await ledger.getAccount(id, plus(T0, 6))).usage.find((u) => u.action === 'site.generate')?.used).toBe(1);
    await expect(ledger.charge({ accountId: id, action: 'site.generate' }, `${id}-c4`, plus(T0, 7), caller)).resolves.toMatchObject({ replayed: false });
  });

  it('charges a capture from its reservation in the order it was drawn, after one of its grants expired', async () => {
    const id = await basic();
    const soon = plus(T0, 120);
    await ledger.grant(id, { amountMc: 10_000, reason: 'two hours', expiresAt: soon }, undefined, plus(T0, 1), caller);
    const hold = (await ledger.hold({ accountId: id, action: 'video.generate', ttlSeconds: 86_400 }, `${id}-h1`, plus(T0, 2), caller)).body;
    // Reserved: 10 cr from the grant that expires first, 246 cr from the allowance.
    expect([hold.amountMillicredits, hold.balanceMillicredits]).toEqual([256_000, 1_254_000]);
    expect(await live(id, plus(T0, 3))).toEqual([['allowance', 1_254_000, APR20, 100]]);

    const later = plus(T0, 180);
    const { charge } = await ledger.capture(hold.id, { amountMc: 100_000 }, later, caller);
    // The charge takes the expired grant's 10 cr first, then 90 cr of the allowance; 156 cr go back to the allowance.
    expect((await ledger.getCharge(charge.id)).paidBy.map((a) => Math.abs(a.amountMillicredits))).toEqual([10_000, 90_000]);
    expect(charge.balanceMillicredits).toBe(1_410_000);
    expect(await live(id, later)).toEqual([['allowance', 1_410_000, APR20, 100]]);
  });

  it('carries the allowance left at an upgrade into one grant that expires at the end of the next cycle', async () => {
    const id = await basic();
    await ledger.charge({ accountId: id, action: 'video.generate' }, `${id}-c1`, plus(T0, 1), caller);
    const { change } = await ledger.changePlan(id, 'pro', plus(T0, 60), caller);
    expect([change.kind, change.grantMc]).toEqual(['upgrade', 5_000_000]);
    expect(await live(id, plus(T0, 61))).toEqual([
      ['allowance', 5_000_000, APR20, 100],
      ['upgrade', 1_244_000, MAY20, 100],
    ]);

    // At the billing date the upgrade grant stays (older than the new allowance, with the same expiry).
    expect(await live(id, at(APR20))).toEqual([
      ['upgrade', 1_244_000, MAY20, 100],
      ['allowance', 5_000_000, MAY20, 100],
    ]);
    // A second billing date: the carried credits are gone.
    expect(await live(id, at(MAY20))).toEqual([['allowance', 5_000_000, '2026-06-20T00:00:00.000Z', 100]]);
  });

  it('grants once for a key retried with the same request, refuses the key with another one, and refuses an expiry that is not ahead', async () => {
    const id = await basic();
    const now = plus(T0, 1);
    const input = { amountMc: 50_000, reason: 'support ticket 7', expiresAt: at('2026-04-01T00:00:00Z'), priority: 0 };
    const first = await ledger.grant(id, input, `${id}-g1`, now, caller);
    const again = await ledger.grant(id, { ...input }, `${id}-g1`, plus(now, 1), caller);
    expect([first.replayed, again.replayed, again.body.grant.id]).toEqual([false, true, first.body.grant.id]);
    expect((await ledger.getAccount(id, plus(now, 2))).balanceMillicredits).toBe(1_550_000);
    await expect(ledger.grant(id, { ...input, amountMc: 60_000 }, `${id}-g1`, plus(now, 3), caller)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    for (const expiresAt of [plus(now, 4), plus(now, 3)]) {
      await expect(ledger.grant(id, { amountMc: 1, reason: 'late', expiresAt }, undefined, plus(now, 4), caller)).rejects.toMatchObject({ code: 'INVALID_GRANT' });
    }
    expect(await live(id, plus(now, 5))).toEqual([
      ['goodwill', 50_000, '2026-04-01T00:00:00.000Z', 0],
      ['allowance', 1_500_000, APR20, 100],
    ]);
  });

  // docs/credits.md, "Idempotency": the same key with the same request returns the first answer.
  it('replays a grant retried with its key after the expiry it asked for has passed', async () => {
    const id = await basic();
    const input = { amountMc: 50_000, reason: 'short', expiresAt: plus(T0, 60) };
    const first = await ledger.grant(id, input, `${id}-g1`, plus(T0, 1), caller);
    const retry = await ledger.grant(id, input, `${id}-g1`, plus(T0, 61), caller);
    expect([retry.replayed, retry.body.grant.id]).toEqual([true, first.body.grant.id]);
  });
});
