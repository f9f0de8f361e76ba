import { expectProblem, START, useApi, type Json } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';

// Accounts over HTTP: creation with the plan's allowance, the account view, ledger pages, grants,
// plan changes (the rules' cycle policy: upgrade carries over and grants once per plan per cycle,
// downgrade at the next cycle) and the lazy cycle reset on a frozen clock (unused credits expire).
//
// The clock starts at START, 2026-03-20 12:00 UTC; an account anchored on the 20th is in the cycle
// 2026-03-20 .. 2026-04-20.

const NEXT_BILLING_DATE = '2026-04-20T00:00:00.000Z';

describe.each(DATABASE_KINDS)('accounts on %s', (kind) => {
  const api = useApi(kind);

  const kinds = (entries: Json[]) => entries.map((e) => [e.kind, e.amount, e.balanceAfter]);

  describe('POST /v1/accounts', () => {
    it("creates the account and grants its plan's allowance for the current cycle", async () => {
      const res = await api.admin.post('/v1/accounts', { id: 'acme-co', plan: 'basic', billingAnchor: 15 });

      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: 'acme-co',
        plan: 'basic',
        planName: 'Basic',
        pendingPlan: null,
        billingAnchor: 15,
        balance: 1500,
        balanceMillicredits: 1_500_000,
        held: 0,
        heldMillicredits: 0,
        cycle: { start: '2026-03-15T00:00:00.000Z', end: '2026-04-15T00:00:00.000Z' },
        allowance: { credits: 1500, assumed: false },
        usage: [{ action: 'site.generate', used: 0, quota: 2, left: 2 }],
        grants: [
          {
            id: expect.stringMatching(/^gr_/),
            source: 'allowance',
            status: 'live',
            amount: 1500,
            amountMillicredits: 1_500_000,
            remaining: 1500,
            remainingMillicredits: 1_500_000,
            priority: 100,
            expiresAt: '2026-04-15T00:00:00.000Z',
            plan: 'basic',
            pack: null,
            reason: 'Basic allowance for the cycle',
            rulesetVersion: (await api.anonymous.get('/health')).body.rulesetVersion,
            createdAt: START.toISOString(),
          },
        ],
        createdAt: START.toISOString(),
        rulesetVersion: (await api.anonymous.get('/health')).body.rulesetVersion,
      });
      expect(kinds(await api.ledger('acme-co'))).toEqual([['grant', 1500, 1500]]);
      expect((await api.ledger('acme-co'))[0].allocations).toEqual([{ grantId: res.body.grants[0].id, amount: 1500, amountMillicredits: 1_500_000 }]);
      expect((await api.ledger('acme-co'))[0]).toMatchObject({ plan: 'basic', cycleStart: '2026-03-15T00:00:00.000Z' });
    });

    it('generates an id and anchors the cycle on today (UTC) when they are not given', async () => {
      const res = await api.admin.post('/v1/accounts', { plan: 'pro' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ id: expect.stringMatching(/^acct_/), billingAnchor: 20, balance: 5000, cycle: { start: '2026-03-20T00:00:00.000Z', end: NEXT_BILLING_DATE } });
      expect(res.body.allowance).toMatchObject({ credits: 5000, assumed: true, assumption: expect.stringContaining('placeholder') });
    });

    it('is 409 ACCOUNT_EXISTS for a taken id and 422 UNKNOWN_PLAN for a plan that does not exist, creating nothing', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const before = await api.snapshot(id);

      expectProblem(await api.admin.post('/v1/accounts', { id, plan: 'premium' }), 409, 'ACCOUNT_EXISTS');
      const unknown = await api.admin.post('/v1/accounts', { id: 'gold-co', plan: 'gold' });

      expectProblem(unknown, 422, 'UNKNOWN_PLAN');
      expect(unknown.body.detail).toBe('`gold` is not a plan; plans are `basic`, `pro`, `premium`');
      expect(await api.snapshot(id)).toEqual(before);
      expectProblem(await api.admin.get('/v1/accounts/gold-co'), 404, 'ACCOUNT_NOT_FOUND');
    });
  });

  describe('GET /v1/accounts/:id', () => {
    it('shows the plan, spendable balance, held credits, the cycle and quota usage', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      await api.charge({ accountId: id, action: 'site.generate' });
      await api.hold({ accountId: id, action: 'chat.edit' });

      const res = await api.service.get(`/v1/accounts/${id}`);

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ plan: 'basic', balance: 1217.5, held: 0.5 });
      expect(res.body.usage).toEqual([
        { action: 'chat.edit', used: 1, quota: null, left: null },
        { action: 'site.generate', used: 1, quota: 2, left: 1 },
      ]);
    });

    it('is 404 ACCOUNT_NOT_FOUND for an unknown account', async () => {
      expectProblem(await api.auditor.get('/v1/accounts/nobody'), 404, 'ACCOUNT_NOT_FOUND');
    });
  });

  describe('GET /v1/accounts/:id/ledger', () => {
    it('pages newest first by default and oldest first with `order=asc`, following `next` as `cursor`', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      for (let i = 0; i < 6; i++) await api.charge({ accountId: id, action: i % 2 ? 'chat.edit' : 'prompt.enhance' });

      const read = async (order: string): Promise<{ sizes: number[]; items: Json[] }> => {
        const sizes: number[] = [];
        const items: Json[] = [];
        let cursor: number | null = null;
        do {
          const res: Json = await api.auditor.get(`/v1/accounts/${id}/ledger?limit=3${order ? `&order=${order}` : ''}${cursor !== null ? `&cursor=${cursor}` : ''}`);
          expect(res.status).toBe(200);
          sizes.push(res.body.items.length);
          items.push(...res.body.items);
          cursor = res.body.next;
          if (cursor !== null) expect(cursor).toBe(res.body.items.at(-1).id);
        } while (cursor !== null);
        return { sizes, items };
      };
      const newest = await read('');
      const desc = await read('desc');
      const asc = await read('asc');

      expect(asc.sizes).toEqual([3, 3, 1]);
      expect(kinds(asc.items)).toEqual([
        ['grant', 1500, 1500],
        ['debit', -1, 1499],
        ['debit', -0.5, 1498.5],
        ['debit', -1, 1497.5],
        ['debit', -0.5, 1497],
        ['debit', -1, 1496],
        ['debit', -0.5, 1495.5],
      ]);
      expect(desc.items).toEqual([...asc.items].reverse());
      expect(newest.items).toEqual(desc.items);
      expect(asc.items[1]).toMatchObject({ action: 'prompt.enhance', chargeId: expect.stringMatching(/^ch_/), reason: 'charge for `prompt.enhance`', createdAt: START.toISOString() });
    });

    it('is 404 for an unknown account', async () => {
      expectProblem(await api.admin.get('/v1/accounts/nobody/ledger'), 404, 'ACCOUNT_NOT_FOUND');
    });
  });

  describe('POST /v1/accounts/:id/grants', () => {
    it('adds credits as a grant entry with the reason', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });

      const res = await api.admin.post(`/v1/accounts/${id}/grants`, { amount: 250.125, reason: 'goodwill credit for ticket 4521' });

      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ id, balance: 1750.125, balanceMillicredits: 1_750_125 });
      expect((await api.ledger(id)).at(-1)).toMatchObject({ kind: 'grant', amount: 250.125, balanceAfter: 1750.125, plan: null, reason: 'goodwill credit for ticket 4521' });
    });

    it('is 404 for an unknown account', async () => {
      expectProblem(await api.admin.post('/v1/accounts/nobody/grants', { amount: 1, reason: 'x' }), 404, 'ACCOUNT_NOT_FOUND');
    });
  });

  describe('the billing cycle, on a frozen clock', () => {
    it('at the billing date unused credits expire (no rollover), the new allowance is granted once and usage resets', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      for (let i = 0; i < 2; i++) expect((await api.charge({ accountId: id, action: 'site.generate' })).status).toBe(201);
      expect(await api.account(id)).toMatchObject({ balance: 936, usage: [{ action: 'site.generate', used: 2, left: 0 }] });

      api.clock.set('2026-04-19T23:59:59.999Z');
      expect(await api.account(id)).toMatchObject({ balance: 936, cycle: { end: NEXT_BILLING_DATE } });

      api.clock.set(NEXT_BILLING_DATE);
      const first = await api.account(id);
      const second = await api.account(id);

      expect(first).toMatchObject({ balance: 1500, held: 0, cycle: { start: NEXT_BILLING_DATE, end: '2026-05-20T00:00:00.000Z' }, usage: [{ action: 'site.generate', used: 0, quota: 2, left: 2 }] });
      expect(second).toEqual(first);
      const entries = await api.ledger(id);
      expect(kinds(entries)).toEqual([
        ['grant', 1500, 1500],
        ['debit', -282, 1218],
        ['debit', -282, 936],
        ['expiry', -936, 0],
        ['grant', 1500, 1500],
      ]);
      expect(entries.slice(3).map((e) => [e.cycleStart, e.plan])).toEqual([
        ['2026-03-20T00:00:00.000Z', null],
        [NEXT_BILLING_DATE, 'basic'],
      ]);
      expect(entries.filter((e) => e.kind === 'rollover')).toEqual([]);
      for (let i = 0; i < 2; i++) expect((await api.charge({ accountId: id, action: 'site.generate' })).status).toBe(201);
      expectProblem(await api.charge({ accountId: id, action: 'site.generate' }), 403, 'QUOTA_EXCEEDED');
    });

    it('whatever touches the account first rolls the cycle over, once: here a charge', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      await api.charge({ accountId: id, action: 'chat.edit' });

      api.clock.set('2026-04-21T09:00:00Z');
      const charged = await api.charge({ accountId: id, action: 'chat.edit' });
      await api.service.post('/v1/decisions', { accountId: id, action: 'chat.edit' });
      await api.account(id);

      expect(charged.status).toBe(201);
      expect(charged.body.balance).toBe(1499.5);
      expect(kinds(await api.ledger(id))).toEqual([
        ['grant', 1500, 1500],
        ['debit', -0.5, 1499.5],
        ['expiry', -1499.5, 0],
        ['grant', 1500, 1500],
        ['debit', -0.5, 1499.5],
      ]);
    });

    it('a quote after the billing date rolls over first and sees the new cycle', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      for (let i = 0; i < 2; i++) await api.charge({ accountId: id, action: 'site.generate' });
      api.clock.set(NEXT_BILLING_DATE);
      expect((await api.service.post('/v1/decisions', { accountId: id, action: 'site.generate' })).body).toMatchObject({ allowed: true });
      expect((await api.ledger(id)).filter((e) => e.kind === 'grant')).toHaveLength(2);
    });

    it('months without a touch still grant one allowance: nothing accumulates', async () => {
      const { id } = await api.createAccount({ plan: 'pro' });
      api.clock.set('2026-07-02T00:00:00Z');
      expect(await api.account(id)).toMatchObject({ balance: 5000, cycle: { start: '2026-06-20T00:00:00.000Z', end: '2026-07-20T00:00:00.000Z' } });
      expect(kinds(await api.ledger(id))).toEqual([
        ['grant', 5000, 5000],
        ['expiry', -5000, 0],
        ['grant', 5000, 5000],
      ]);
    });

    it('a top-up expires with the cycle like the allowance', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      await api.admin.post(`/v1/accounts/${id}/grants`, { amount: 500, reason: 'top-up' });
      api.clock.set(NEXT_BILLING_DATE);
      expect((await api.account(id)).balance).toBe(1500);
    });
  });

  describe('POST /v1/accounts/:id/plan', () => {
    it("a mid-cycle upgrade keeps the unused credits (expiry and rollover) and adds the Pro allowance", async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      await api.charge({ accountId: id, action: 'site.generate' });
      api.clock.advance({ days: 3 });

      const res = await api.admin.post(`/v1/accounts/${id}/plan`, { plan: 'pro' });

      expect(res.status).toBe(200);
      expect(res.body.change).toEqual({ kind: 'upgrade', effective: 'now', unused: 'carry-over', grantMc: 5_000_000, from: 'basic', to: 'pro' });
      expect(res.body.account).toMatchObject({ plan: 'pro', planName: 'Pro', pendingPlan: null, balance: 6218, cycle: { start: '2026-03-20T00:00:00.000Z' } });
      expect(res.body.account.usage).toEqual([{ action: 'site.generate', used: 1, quota: null, left: null }]);
      const entries = await api.ledger(id);
      expect(kinds(entries)).toEqual([
        ['grant', 1500, 1500],
        ['debit', -282, 1218],
        ['expiry', -1218, 0],
        ['rollover', 1218, 1218],
        ['grant', 5000, 6218],
      ]);
      expect(entries.at(-1)).toMatchObject({ plan: 'pro', reason: 'Pro allowance on upgrade' });
      // Pro has no site quota.
      for (let i = 0; i < 3; i++) expect((await api.charge({ accountId: id, action: 'site.generate' })).status).toBe(201);
    });

    it("repeated upgrades in one cycle never grant a plan's allowance twice", async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const change = async (plan: string) => {
        const res = await api.admin.post(`/v1/accounts/${id}/plan`, { plan });
        expect(res.status).toBe(200);
        return [res.body.change.kind, res.body.change.grantMc, res.body.account.plan, res.body.account.pendingPlan, res.body.account.balance];
      };

      const steps = [await change('pro'), await change('premium'), await change('pro'), await change('premium'), await change('premium'), await change('basic'), await change('pro'), await change('premium')];

      expect(steps).toEqual([
        ['upgrade', 5_000_000, 'pro', null, 6500],
        ['upgrade', 15_000_000, 'premium', null, 21500],
        ['downgrade', 0, 'premium', 'pro', 21500],
        ['same', 0, 'premium', null, 21500],
        ['same', 0, 'premium', null, 21500],
        ['downgrade', 0, 'premium', 'basic', 21500],
        ['downgrade', 0, 'premium', 'pro', 21500],
        ['same', 0, 'premium', null, 21500],
      ]);
      expect((await api.ledger(id)).filter((e) => e.kind === 'grant').map((e) => [e.plan, e.amount])).toEqual([
        ['basic', 1500],
        ['pro', 5000],
        ['premium', 15000],
      ]);
    });

    it('a downgrade is pending until the next billing date and applies at the reset', async () => {
      const { id } = await api.createAccount({ plan: 'premium' });
      await api.charge({ accountId: id, action: 'video.generate', params: { resolution: '4k' } });
      const before = await api.snapshot(id);

      const res = await api.admin.post(`/v1/accounts/${id}/plan`, { plan: 'basic' });

      expect(res.status).toBe(200);
      expect(res.body.change).toEqual({ kind: 'downgrade', effective: 'next-cycle', unused: 'carry-over', grantMc: 0, from: 'premium', to: 'basic' });
      expect(res.body.account).toMatchObject({ plan: 'premium', pendingPlan: 'basic', balance: 13976 });
      expect(await api.snapshot(id)).toEqual(before);
      // Still Premium until the billing date.
      expect((await api.charge({ accountId: id, action: 'video.generate', params: { resolution: '2k', seconds: 1 } })).status).toBe(201);

      api.clock.set(NEXT_BILLING_DATE);
      const after = await api.account(id);

      expect(after).toMatchObject({ plan: 'basic', pendingPlan: null, balance: 1500, allowance: { credits: 1500 }, usage: [{ action: 'site.generate', used: 0, quota: 2, left: 2 }] });
      expect(kinds((await api.ledger(id)).slice(-2))).toEqual([
        ['expiry', -13912, 0],
        ['grant', 1500, 1500],
      ]);
      expectProblem(await api.charge({ accountId: id, action: 'video.generate', params: { resolution: '2k' } }), 403, 'PLAN_REQUIRED');
    });

    it('upgrading again in the next cycle grants the allowance again', async () => {
      const { id } = await api.createAccount({ plan: 'pro' });
      await api.admin.post(`/v1/accounts/${id}/plan`, { plan: 'basic' });
      api.clock.set(NEXT_BILLING_DATE);
      const res = await api.admin.post(`/v1/accounts/${id}/plan`, { plan: 'pro' });
      expect(res.body.change).toMatchObject({ kind: 'upgrade', grantMc: 5_000_000 });
      expect(res.body.account).toMatchObject({ plan: 'pro', balance: 6500 });
    });

    it('is 422 UNKNOWN_PLAN for a plan that does not exist and 404 for an unknown account, changing nothing', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const before = await api.snapshot(id);
      expectProblem(await api.admin.post(`/v1/accounts/${id}/plan`, { plan: 'gold' }), 422, 'UNKNOWN_PLAN');
      expectProblem(await api.admin.post('/v1/accounts/nobody/plan', { plan: 'pro' }), 404, 'ACCOUNT_NOT_FOUND');
      expect(await api.snapshot(id)).toEqual(before);
    });
  });
});
