import { randomUUID } from 'node:crypto';
import { bundledRulesWith, expectProblem, newAccountId, START, useApi, type Json } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';
import { issueRuleFiles } from '../support/v2-rules';

// Credit grants over HTTP, and the money bugs of ledger v1 (issue 9, section 3), each pinned with
// concrete numbers on both databases. The semantics are in docs/credits.md.

const NEXT_BILLING_DATE = '2026-04-20T00:00:00.000Z';

describe.each(DATABASE_KINDS)('grants on %s', (kind) => {
  const api = useApi(kind);

  const grant = (accountId: string, body: Record<string, unknown>, key?: string) => api.admin.post(`/v1/accounts/${accountId}/grants`, body, key ? { idempotencyKey: key } : {});
  const live = async (accountId: string) => (await api.account(accountId)).grants.map((g: Json) => [g.source, g.remaining, g.expiresAt, g.priority]);

  describe('POST /v1/accounts/:id/grants', () => {
    it('grants credits with their own expiry and priority; the account lists its live grants in draw order', async () => {
      const { id } = await api.createAccount({ plan: 'basic', billingAnchor: 20 });
      const later = await grant(id, { amount: 100, reason: 'pack from support', expiresAt: '2026-06-01T00:00:00Z' });
      const never = await grant(id, { amount: 50.5, reason: 'apology', expiresAt: 'never' });
      const first = await grant(id, { amount: 10, reason: 'use me first', priority: 0 });

      expect([later.status, never.status, first.status]).toEqual([201, 201, 201]);
      expect(never.body.grant).toMatchObject({ source: 'goodwill', amount: 50.5, remaining: 50.5, expiresAt: null, priority: 100, status: 'live', reason: 'apology' });
      expect(first.body.balance).toBe(1660.5);
      expect(await live(id)).toEqual([
        ['goodwill', 10, NEXT_BILLING_DATE, 0],
        ['allowance', 1500, NEXT_BILLING_DATE, 100],
        ['goodwill', 100, '2026-06-01T00:00:00.000Z', 100],
        ['goodwill', 50.5, null, 100],
      ]);
    });

    it('draws a charge from the grants in that order, and each ledger entry names the grants it moved', async () => {
      const { id } = await api.createAccount({ plan: 'basic', billingAnchor: 20 });
      await grant(id, { amount: 100, reason: 'long-lived', expiresAt: 'never' });
      await grant(id, { amount: 200, reason: 'first', priority: 0 });
      const charge = await api.charge({ accountId: id, action: 'video.generate' }); // 256 cr

      expect(charge.status).toBe(201);
      expect(await live(id)).toEqual([
        ['allowance', 1444, NEXT_BILLING_DATE, 100],
        ['goodwill', 100, null, 100],
      ]);
      const debit = (await api.ledger(id)).find((e: Json) => e.kind === 'debit');
      const grants = (await api.auditor.get(`/v1/accounts/${id}/grants`)).body.items as Json[];
      const byReason = (r: string) => grants.find((g) => g.reason === r || g.source === r)!.id;
      expect(debit.allocations).toEqual([
        { grantId: byReason('first'), amount: -200, amountMillicredits: -200_000 },
        { grantId: byReason('allowance'), amount: -56, amountMillicredits: -56_000 },
      ]);
      expect((await api.service.get(`/v1/charges/${charge.body.id}`)).body.paidBy).toEqual(debit.allocations);
    });

    it('keeps a grant that outlives the billing date, while the allowance expires there', async () => {
      const { id } = await api.createAccount({ plan: 'basic', billingAnchor: 20 });
      await grant(id, { amount: 500, reason: 'boost', expiresAt: '2026-06-18T00:00:00Z' });
      await api.charge({ accountId: id, action: 'chat.edit' });

      api.clock.set('2026-04-20T00:00:01Z');
      const after = await api.account(id);

      expect(after.balance).toBe(2000);
      expect(await live(id)).toEqual([
        ['allowance', 1500, '2026-05-20T00:00:00.000Z', 100],
        ['goodwill', 500, '2026-06-18T00:00:00.000Z', 100],
      ]);
      api.clock.set('2026-06-18T00:00:00Z');
      expect((await api.account(id)).balance).toBe(1500);
      expect((await api.auditor.get(`/v1/accounts/${id}/grants?status=all`)).body.items.map((g: Json) => g.status)).toEqual(['live', 'expired', 'expired', 'expired']);
    });

    it('is idempotent with a key: the same request grants once and replays; another request under the key is 409', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const key = randomUUID();
      const first = await grant(id, { amount: 25, reason: 'ticket 1' }, key);
      const retry = await grant(id, { amount: 25, reason: 'ticket 1' }, key);
      const other = await grant(id, { amount: 30, reason: 'ticket 1' }, key);

      expect([first.status, retry.status, retry.headers['idempotent-replayed']]).toEqual([201, 201, 'true']);
      expect(retry.body).toEqual(first.body);
      expectProblem(other, 409, 'IDEMPOTENCY_KEY_REUSED');
      expect((await api.account(id)).balance).toBe(1525);
      expect((await api.ledger(id)).filter((e: Json) => e.kind === 'grant')).toHaveLength(2);
    });

    it('refuses an expiry that is not after now (422 INVALID_GRANT) and a malformed one (400), granting nothing', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const before = await api.snapshot(id);
      expectProblem(await grant(id, { amount: 5, reason: 'x', expiresAt: START.toISOString() }), 422, 'INVALID_GRANT');
      expectProblem(await grant(id, { amount: 5, reason: 'x', expiresAt: 'tomorrow' }), 400, 'INVALID_REQUEST');
      expectProblem(await grant(id, { amount: 5, reason: 'x', expiresAt: '275760-09-14T00:00:00Z' }), 400, 'INVALID_REQUEST');
      expectProblem(await grant(id, { amount: 5, reason: 'x', priority: 1001 }), 400, 'INVALID_REQUEST');
      expectProblem(await grant(id, { amount: 5, reason: 'x', priority: null }), 400, 'INVALID_REQUEST');
      expect(await api.snapshot(id)).toEqual(before);
    });
  });

  describe('POST /v1/accounts/:id/packs', () => {
    it("grants the catalogue's pack once per key, valid for its days; the billing date leaves it alone", async () => {
      const files = issueRuleFiles().map((f) => ({ ...f, path: f.path.replace(/^rules\//, '') }));
      const published = await api.admin.post('/v1/rulesets', { files, message: 'boost pack', activate: true, force: true, reason: 'test' });
      expect(published.status).toBe(201);
      const { id } = await api.createAccount({ plan: 'basic', billingAnchor: 20 });
      const key = `payment-${randomUUID()}`;

      const bought = await api.service.post(`/v1/accounts/${id}/packs`, { pack: 'boost-500' }, { idempotencyKey: key });
      const retried = await api.service.post(`/v1/accounts/${id}/packs`, { pack: 'boost-500' }, { idempotencyKey: key });

      expect([bought.status, retried.status, retried.headers['idempotent-replayed']]).toEqual([201, 201, 'true']);
      expect(bought.body.grant).toMatchObject({ source: 'pack', pack: 'boost-500', amount: 500, remaining: 500, expiresAt: '2026-06-18T12:00:00.000Z', reason: 'pack Boost 500' });
      expect(bought.body.balance).toBe(2000);
      api.clock.set('2026-05-01T00:00:00Z');
      expect(await live(id)).toEqual([
        ['allowance', 1500, '2026-05-20T00:00:00.000Z', 100],
        ['pack', 500, '2026-06-18T12:00:00.000Z', 100],
      ]);
      await api.admin.post('/v1/rulesets/rollback', { force: true, reason: 'test' });
    });

    it('needs an Idempotency-Key, refuses a pack the rules do not sell, and grants nothing', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const before = await api.snapshot(id);
      expectProblem(await api.service.post(`/v1/accounts/${id}/packs`, { pack: 'boost-500' }), 400, 'IDEMPOTENCY_KEY_REQUIRED');
      expectProblem(await api.service.post(`/v1/accounts/${id}/packs`, { pack: 'mega' }, { idempotencyKey: randomUUID() }), 422, 'UNKNOWN_PACK');
      expectProblem(await api.service.post(`/v1/accounts/${newAccountId()}/packs`, { pack: 'mega' }, { idempotencyKey: randomUUID() }), 422, 'UNKNOWN_PACK');
      expect(await api.snapshot(id)).toEqual(before);
    });
  });

  describe('GET /v1/accounts/:id/grants', () => {
    it('pages through every grant, newest first; `live` leaves out the used and the expired', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      for (let i = 1; i <= 4; i++) {
        api.clock.advance({ minutes: 1 });
        await grant(id, { amount: i, reason: `g${i}` });
      }
      const first = await api.auditor.get(`/v1/accounts/${id}/grants?limit=3`);
      const second = await api.auditor.get(`/v1/accounts/${id}/grants?limit=3&cursor=${first.body.next}`);
      expect(first.body.items.map((g: Json) => g.reason)).toEqual(['g4', 'g3', 'g2']);
      expect([second.body.items.map((g: Json) => g.reason), second.body.next]).toEqual([['g1', 'Basic allowance for the cycle'], null]);
      expectProblem(await api.auditor.get(`/v1/accounts/${id}/grants?cursor=nope`), 400, 'INVALID_REQUEST');
      expectProblem(await api.auditor.get(`/v1/accounts/${newAccountId()}/grants`), 404, 'ACCOUNT_NOT_FOUND');
    });
  });

  describe('money bugs of ledger v1, fixed', () => {
    it('a refund after the billing date of a charge made before it expires again at once: no old credits in the new cycle', async () => {
      const { id } = await api.createAccount({ plan: 'basic', billingAnchor: 20 });
      const charge = await api.charge({ accountId: id, action: 'video.generate' });
      api.clock.set('2026-04-21T00:00:00Z');

      const refund = await api.service.post(`/v1/charges/${charge.body.id}/refund`, {});

      expect([refund.status, refund.body.refunded, refund.body.balance]).toEqual([201, 256, 1500]);
      expect((await api.ledger(id)).slice(-2).map((e: Json) => [e.kind, e.amount])).toEqual([
        ['refund', 256],
        ['expiry', -256],
      ]);
    });

    it('a charge refunded in full within its cycle gives its quota use back; a partial refund does not', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const one = await api.charge({ accountId: id, action: 'site.generate' });
      const two = await api.charge({ accountId: id, action: 'site.generate' });
      expectProblem(await api.charge({ accountId: id, action: 'site.generate' }), 403, 'QUOTA_EXCEEDED');

      await api.service.post(`/v1/charges/${one.body.id}/refund`, { amount: 1 });
      expectProblem(await api.charge({ accountId: id, action: 'site.generate' }), 403, 'QUOTA_EXCEEDED');
      await api.service.post(`/v1/charges/${one.body.id}/refund`, {});
      await api.service.post(`/v1/charges/${two.body.id}/refund`, {});

      expect((await api.account(id)).usage.find((u: Json) => u.action === 'site.generate')).toEqual({ action: 'site.generate', used: 0, quota: 2, left: 2 });
      expect((await api.charge({ accountId: id, action: 'site.generate' })).status).toBe(201);
    });

    it('GET /v1/charges/:id shows the balance right after that charge, not the balance now', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const first = await api.charge({ accountId: id, action: 'video.generate' });
      await api.charge({ accountId: id, action: 'video.generate' });
      const free = await api.charge({ accountId: id, action: 'site.download' });
      await api.charge({ accountId: id, action: 'chat.edit' });

      expect((await api.service.get(`/v1/charges/${first.body.id}`)).body).toMatchObject({ balance: 1244, balanceMillicredits: 1_244_000 });
      expect((await api.service.get(`/v1/charges/${free.body.id}`)).body.balance).toBe(988);
    });

    it('a hold captured with its actual parameters after a downgrade took effect is priced for the plan it was made on', async () => {
      const { id } = await api.createAccount({ plan: 'premium', billingAnchor: 21 });
      const hold = await api.hold({ accountId: id, action: 'video.generate', params: { resolution: '2k' }, ttlSeconds: 86_400 });
      expect([hold.status, hold.body.amount]).toEqual([201, 512]);
      expect((await api.admin.post(`/v1/accounts/${id}/plan`, { plan: 'basic' })).body.change).toMatchObject({ kind: 'downgrade', effective: 'next-cycle' });
      api.clock.set('2026-03-21T00:00:01Z');
      expect((await api.account(id)).plan).toBe('basic');

      const capture = await api.service.post(`/v1/holds/${hold.body.id}/capture`, { params: { resolution: '2k', seconds: 4 } });

      expect([capture.status, capture.body.charge?.cost]).toEqual([201, 256]);
      // The rest of the reservation went back to last cycle's allowance, which expired: it expires again.
      expect((await api.account(id)).balance).toBe(1500);
    });

    it('moving an account off a plan the active rules no longer have grants nothing, even to the cheapest plan', async () => {
      const plans = await bundledRulesWith('plans.yaml', '  - id: premium\n', '  - id: enterprise\n    name: Enterprise\n    allowance: 50,000 cr\n\n  - id: premium\n');
      const wider = await api.admin.post('/v1/rulesets', { files: plans, message: 'enterprise plan', activate: true });
      expect([wider.status, wider.body]).toEqual([201, expect.objectContaining({ version: expect.stringMatching(/^[0-9a-f]{64}$/), activated: true })]);
      const { id } = await api.createAccount({ plan: 'enterprise' });
      expect((await api.admin.post('/v1/rulesets/rollback', { force: true, reason: 'test: strand an account' })).status).toBe(200);

      const moved = await api.admin.post(`/v1/accounts/${id}/plan`, { plan: 'basic' });

      expect(moved.body.change).toMatchObject({ kind: 'move', effective: 'now', grantMc: 0, from: 'enterprise', to: 'basic' });
      expect(moved.body.account).toMatchObject({ plan: 'basic', balance: 50_000 });
    });
  });
});
