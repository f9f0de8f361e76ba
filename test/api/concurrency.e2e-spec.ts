import { randomUUID } from 'node:crypto';
import { useApi, type Reply } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';

// Many requests at once against one account, over real HTTP: the balance check and the debit
// happen under one lock, so exactly the affordable charges succeed, the balance never goes below
// zero, the ledger sums to the balance, and an idempotency key charges once however many times it
// races with itself.

const N = 40;

// 40 requests at once on a 2-core machine shared with other suites: a guard against a hang, not a timing.
jest.setTimeout(30_000);

const count = (replies: readonly Reply[], status: number) => replies.filter((r) => r.status === status).length;

describe.each(DATABASE_KINDS)('concurrency on %s', (kind) => {
  const api = useApi(kind);

  it(`${N} parallel charges against a balance that covers exactly 6: 6 succeed, the rest are 402`, async () => {
    // 1,500 + 36 = 1,536 cr = 6 videos of 256 cr.
    const { id } = await api.createAccount({ plan: 'basic' });
    expect((await api.admin.post(`/v1/accounts/${id}/grants`, { amount: 36, reason: 'round up to six videos' })).status).toBe(201);

    const replies = await Promise.all(Array.from({ length: N }, () => api.charge({ accountId: id, action: 'video.generate' })));

    expect({ created: count(replies, 201), paymentRequired: count(replies, 402), other: replies.filter((r) => r.status !== 201 && r.status !== 402).map((r) => [r.status, r.body]) }).toEqual({ created: 6, paymentRequired: N - 6, other: [] });
    for (const r of replies.filter((x) => x.status === 402)) expect(r.body.decision.reasons.map((x: { code: string }) => x.code)).toEqual(['INSUFFICIENT_CREDITS']);
    const balances = replies.filter((r) => r.status === 201).map((r) => r.body.balanceMillicredits);
    expect([...balances].sort((a, b) => b - a)).toEqual([1_280_000, 1_024_000, 768_000, 512_000, 256_000, 0]);

    const account = await api.account(id);
    const entries = await api.ledger(id, 4);
    expect(account).toMatchObject({ balance: 0, held: 0 });
    expect(entries.filter((e) => e.kind === 'debit')).toHaveLength(6);
    expect(entries.reduce((sum, e) => sum + e.amountMillicredits, 0)).toBe(account.balanceMillicredits);
    expect(Math.min(...entries.map((e) => e.balanceAfterMillicredits))).toBeGreaterThanOrEqual(0);
    const [row] = await api.sql<{ total: string | number; n: string | number }>('select sum(amount_mc) as total, count(*) as n from ledger_entry where account_id = ?', [id]);
    expect([Number(row.total), Number(row.n)]).toEqual([0, 8]);
    expect(Number((await api.sql<{ n: string | number }>('select count(*) as n from charge where account_id = ?', [id]))[0].n)).toBe(6);
  });

  it(`${N} parallel charges interleaved over four accounts: each account pays for exactly what it covers`, async () => {
    // Four Basic accounts (1,500 cr: five videos of 256 cr, 220 cr over), ten requests each.
    const accounts = await Promise.all([1, 2, 3, 4].map(async () => (await api.createAccount({ plan: 'basic' })).id));

    const replies = await Promise.all(Array.from({ length: N }, (_, i) => api.charge({ accountId: accounts[i % 4], action: 'video.generate' })));

    const byAccount = accounts.map((id) => replies.filter((r, i) => accounts[i % 4] === id).map((r) => r.status));
    expect(byAccount.map((statuses) => [statuses.filter((s) => s === 201).length, statuses.filter((s) => s === 402).length])).toEqual([
      [5, 5],
      [5, 5],
      [5, 5],
      [5, 5],
    ]);
    for (const id of accounts) expect((await api.account(id)).balance).toBe(220);
  });

  it(`${N} parallel sites on Basic: exactly the quota of 2 succeed`, async () => {
    const { id } = await api.createAccount({ plan: 'basic' });

    const replies = await Promise.all(Array.from({ length: N }, () => api.charge({ accountId: id, action: 'site.generate' })));

    expect([count(replies, 201), count(replies, 403)]).toEqual([2, N - 2]);
    expect(await api.account(id)).toMatchObject({ balance: 936, usage: [{ action: 'site.generate', used: 2, quota: 2, left: 0 }] });
  });

  it(`${N} parallel holds and charges share one balance: reserved credits are never spent twice`, async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    expect((await api.admin.post(`/v1/accounts/${id}/grants`, { amount: 36, reason: 'round up to six videos' })).status).toBe(201);

    const replies = await Promise.all(
      Array.from({ length: N }, (_, i) => (i % 2 ? api.hold({ accountId: id, action: 'video.generate' }) : api.charge({ accountId: id, action: 'video.generate' }))),
    );

    expect([count(replies, 201), count(replies, 402)]).toEqual([6, N - 6]);
    const holds = replies.filter((r) => r.status === 201 && r.body.id.startsWith('hold_')).length;
    expect(await api.account(id)).toMatchObject({ balance: 0, held: 256 * holds });
  });

  it(`the same idempotency key sent ${N} times in parallel charges once`, async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    const key = randomUUID();

    const replies = await Promise.all(Array.from({ length: N }, () => api.charge({ accountId: id, action: 'video.generate' }, key)));

    expect(replies.map((r) => r.status)).toEqual(Array(N).fill(201));
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
    expect(replies.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    expect(replies.every((r) => r.body.balance === 1244)).toBe(true);
    expect((await api.ledger(id)).filter((e) => e.kind === 'debit')).toHaveLength(1);
    expect((await api.account(id)).balance).toBe(1244);
  });

  it(`the same refund key sent ${N} times in parallel refunds once`, async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    const charge = (await api.charge({ accountId: id, action: 'video.generate' })).body;
    const key = randomUUID();

    const replies = await Promise.all(Array.from({ length: N }, () => api.service.post(`/v1/charges/${charge.id}/refund`, { amount: 100 }, { idempotencyKey: key })));

    expect(replies.map((r) => r.status)).toEqual(Array(N).fill(201));
    expect((await api.ledger(id)).filter((e) => e.kind === 'refund')).toHaveLength(1);
    expect((await api.account(id)).balance).toBe(1344);
  });

  it(`${N} parallel partial refunds never refund more than was charged`, async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    const charge = (await api.charge({ accountId: id, action: 'video.generate' })).body;

    const replies = await Promise.all(Array.from({ length: N }, () => api.service.post(`/v1/charges/${charge.id}/refund`, { amount: 32 })));

    expect([count(replies, 201), count(replies, 409)]).toEqual([8, N - 8]);
    expect((await api.account(id)).balance).toBe(1500);
  });

  it(`${N} parallel reads after the billing date roll the cycle over once`, async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    api.clock.set('2026-04-20T00:00:00Z');

    const replies = await Promise.all(Array.from({ length: N }, () => api.service.get(`/v1/accounts/${id}`)));

    expect(replies.map((r) => r.status)).toEqual(Array(N).fill(200));
    expect((await api.ledger(id)).map((e) => e.kind)).toEqual(['grant', 'expiry', 'grant']);
  });

  it(`${N} parallel captures and releases of one hold close it once`, async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    const hold = (await api.hold({ accountId: id, action: 'video.generate' })).body;

    const replies = await Promise.all(Array.from({ length: N }, (_, i) => api.service.post(`/v1/holds/${hold.id}/${i % 2 ? 'release' : 'capture'}`)));

    expect(replies.filter((r) => r.status < 300)).toHaveLength(1);
    expect(count(replies, 409)).toBe(N - 1);
    const account = await api.account(id);
    expect(account.held).toBe(0);
    expect([1244, 1500]).toContain(account.balance);
  });
});

// The same races with group commit off (CHARGE_BATCH=0): each charge in its own transaction, the
// path a failed batch falls back to.
describe.each(DATABASE_KINDS)('concurrency on %s, one transaction per charge', (kind) => {
  const api = useApi(kind, { CHARGE_BATCH: '0' });

  it(`${N} parallel charges against a balance that covers exactly 6: 6 succeed, the rest are 402`, async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    expect((await api.admin.post(`/v1/accounts/${id}/grants`, { amount: 36, reason: 'round up to six videos' })).status).toBe(201);

    const replies = await Promise.all(Array.from({ length: N }, () => api.charge({ accountId: id, action: 'video.generate' })));

    expect([count(replies, 201), count(replies, 402)]).toEqual([6, N - 6]);
    expect((await api.account(id)).balance).toBe(0);
    expect((await api.ledger(id)).filter((e) => e.kind === 'debit')).toHaveLength(6);
  });

  it(`the same idempotency key sent ${N} times in parallel charges once`, async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    const key = randomUUID();

    const replies = await Promise.all(Array.from({ length: N }, () => api.charge({ accountId: id, action: 'video.generate' }, key)));

    expect(replies.map((r) => r.status)).toEqual(Array(N).fill(201));
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
    expect((await api.account(id)).balance).toBe(1244);
  });
});
