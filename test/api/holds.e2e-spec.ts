import { randomUUID } from 'node:crypto';
import { expectProblem, useApi, type Json } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';

// Holds for long jobs: POST /v1/holds reserves the quoted cost, capture charges the actual price
// (at most the hold), release frees it, and an expired hold frees itself when the account is next
// touched. Time is the harness's frozen clock.

describe.each(DATABASE_KINDS)('holds on %s', (kind) => {
  const api = useApi(kind);

  async function held(action = 'video.generate', params?: Record<string, unknown>, extra: { ttlSeconds?: number; plan?: string } = {}): Promise<{ accountId: string; hold: Json }> {
    const { id } = await api.createAccount({ plan: extra.plan ?? 'basic' });
    const res = await api.hold({ accountId: id, action, ...(params ? { params } : {}), ...(extra.ttlSeconds ? { ttlSeconds: extra.ttlSeconds } : {}) });
    expect(res.status).toBe(201);
    return { accountId: id, hold: res.body };
  }

  describe('POST /v1/holds', () => {
    it('reserves the quoted cost: the balance drops, `held` rises, and reserved credits are not spendable twice', async () => {
      const { accountId, hold } = await held('video.generate');

      expect(hold).toMatchObject({ id: expect.stringMatching(/^hold_/), accountId, action: 'video.generate', amount: 256, amountMillicredits: 256_000, status: 'active', chargeId: null, closedAt: null, balance: 1244 });
      expect(hold.expiresAt).toBe(new Date(api.clock.now().getTime() + 900_000).toISOString());
      expect(hold.decision).toMatchObject({ allowed: true, cost: 256 });
      expect(await api.account(accountId)).toMatchObject({ balance: 1244, held: 256 });

      for (let i = 0; i < 4; i++) expect((await api.hold({ accountId, action: 'video.generate' })).status).toBe(201);
      expect(await api.account(accountId)).toMatchObject({ balance: 220, held: 1280 });
      expectProblem(await api.charge({ accountId, action: 'site.generate' }), 402, 'INSUFFICIENT_CREDITS');
      expectProblem(await api.hold({ accountId, action: 'site.generate' }), 402, 'INSUFFICIENT_CREDITS');
      expect((await api.service.post('/v1/decisions', { accountId, action: 'video.generate' })).body).toMatchObject({ allowed: false, reasons: [expect.objectContaining({ code: 'INSUFFICIENT_CREDITS' })] });
      expect(await api.account(accountId)).toMatchObject({ balance: 220, held: 1280 });
    });

    it("counts the quota at once: a Basic account holding two sites can't start a third", async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      for (let i = 0; i < 2; i++) expect((await api.hold({ accountId: id, action: 'site.generate' })).status).toBe(201);
      expect((await api.account(id)).usage).toEqual([{ action: 'site.generate', used: 2, quota: 2, left: 0 }]);
      expectProblem(await api.charge({ accountId: id, action: 'site.generate' }), 403, 'QUOTA_EXCEEDED');
    });

    it('is idempotent by key: a retry returns the same hold and reserves once', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const key = randomUUID();
      const first = await api.hold({ accountId: id, action: 'video.generate' }, key);
      const retry = await api.hold({ accountId: id, action: 'video.generate' }, key);
      const other = await api.hold({ accountId: id, action: 'video.generate', ttlSeconds: 60 }, key);

      expect([first.status, retry.status, retry.headers['idempotent-replayed']]).toEqual([201, 201, 'true']);
      expect(retry.body).toEqual(first.body);
      expectProblem(other, 409, 'IDEMPOTENCY_KEY_REUSED');
      expect(await api.account(id)).toMatchObject({ balance: 1244, held: 256 });
    });

    it('is denied like a charge, changing nothing; needs an Idempotency-Key; refuses a ttl above the maximum', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const before = await api.snapshot(id);

      expectProblem(await api.hold({ accountId: id, action: 'video.generate', params: { tier: 'hd' } }), 403, 'PLAN_REQUIRED');
      expectProblem(await api.service.post('/v1/holds', { accountId: id, action: 'video.generate' }), 400, 'IDEMPOTENCY_KEY_REQUIRED');
      const tooLong = await api.hold({ accountId: id, action: 'video.generate', ttlSeconds: 86_401 });
      expectProblem(tooLong, 400, 'INVALID_REQUEST');
      expect(tooLong.body.errors).toEqual([{ field: 'ttlSeconds', message: 'at most 86400' }]);
      expect(await api.snapshot(id)).toEqual(before);
    });
  });

  describe('GET /v1/holds/:id', () => {
    it('shows the hold, and is 404 HOLD_NOT_FOUND for an unknown one', async () => {
      const { hold } = await held();
      const res = await api.auditor.get(`/v1/holds/${hold.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: hold.id, status: 'active', amount: 256, expiresAt: hold.expiresAt });
      expectProblem(await api.service.get('/v1/holds/hold_nope'), 404, 'HOLD_NOT_FOUND');
    });
  });

  describe('POST /v1/holds/:id/capture', () => {
    it("charges the actual parameters' price and returns the rest", async () => {
      const { accountId, hold } = await held('video.generate', { seconds: 8 });

      const res = await api.service.post(`/v1/holds/${hold.id}/capture`, { params: { seconds: 5 } });

      expect(res.status).toBe(201);
      expect(res.body.charge).toMatchObject({ id: expect.stringMatching(/^ch_/), accountId, action: 'video.generate', params: { seconds: 5 }, cost: 160, holdId: hold.id, balance: 1340 });
      expect(res.body.hold).toMatchObject({ id: hold.id, status: 'captured', chargeId: res.body.charge.id, closedAt: api.clock.now().toISOString() });
      expect(await api.account(accountId)).toMatchObject({ balance: 1340, held: 0 });
      expect((await api.ledger(accountId)).map((e) => [e.kind, e.amount, e.balanceAfter])).toEqual([
        ['grant', 1500, 1500],
        ['hold', -256, 1244],
        ['capture', 256, 1500],
        ['debit', -160, 1340],
      ]);
      expect((await api.service.get(`/v1/charges/${res.body.charge.id}`)).body).toMatchObject({ cost: 160, holdId: hold.id });
    });

    it('never charges more than the hold, even when the actual parameters cost more', async () => {
      const { accountId, hold } = await held('video.generate', { seconds: 4 });
      const res = await api.service.post(`/v1/holds/${hold.id}/capture`, { params: { seconds: 8 } });
      expect(res.status).toBe(201);
      expect(res.body.charge.cost).toBe(128);
      expect(await api.account(accountId)).toMatchObject({ balance: 1372, held: 0 });
    });

    it('charges an explicit `amount`, and the whole hold without a body', async () => {
      const a = await held();
      const b = await held();

      const partial = await api.service.post(`/v1/holds/${a.hold.id}/capture`, { amount: 100.5 });
      const whole = await api.service.post(`/v1/holds/${b.hold.id}/capture`);

      expect([partial.status, partial.body.charge.cost]).toEqual([201, 100.5]);
      expect([whole.status, whole.body.charge.cost]).toEqual([201, 256]);
      expect((await api.account(a.accountId)).balance).toBe(1399.5);
      expect((await api.account(b.accountId)).balance).toBe(1244);
    });

    it('refuses to capture more than the hold: 422 CAPTURE_EXCEEDS_HOLD, and the hold stays active', async () => {
      const { accountId, hold } = await held();
      const before = await api.snapshot(accountId);

      expectProblem(await api.service.post(`/v1/holds/${hold.id}/capture`, { amount: 256.001 }), 422, 'CAPTURE_EXCEEDS_HOLD');
      expectProblem(await api.service.post(`/v1/holds/${hold.id}/capture`, { amount: 1, params: { seconds: 1 } }), 400, 'INVALID_REQUEST');

      expect(await api.snapshot(accountId)).toEqual(before);
      expect((await api.service.get(`/v1/holds/${hold.id}`)).body.status).toBe('active');
    });

    it('refuses parameters the plan does not allow', async () => {
      const { accountId, hold } = await held('video.generate');
      const before = await api.snapshot(accountId);
      expectProblem(await api.service.post(`/v1/holds/${hold.id}/capture`, { params: { resolution: '4k' } }), 403, 'PLAN_REQUIRED');
      expectProblem(await api.service.post(`/v1/holds/${hold.id}/capture`, { params: { seconds: 99 } }), 422, 'INVALID_PARAMS');
      expect(await api.snapshot(accountId)).toEqual(before);
    });

    it('a captured hold is closed: capturing or releasing it again is 409 HOLD_NOT_ACTIVE', async () => {
      const { accountId, hold } = await held();
      expect((await api.service.post(`/v1/holds/${hold.id}/capture`)).status).toBe(201);
      const before = await api.snapshot(accountId);

      const again = await api.service.post(`/v1/holds/${hold.id}/capture`);
      const release = await api.service.post(`/v1/holds/${hold.id}/release`);

      expectProblem(again, 409, 'HOLD_NOT_ACTIVE');
      expect(again.body.holdStatus).toBe('captured');
      expectProblem(release, 409, 'HOLD_NOT_ACTIVE');
      expect(await api.snapshot(accountId)).toEqual(before);
    });

    it('is 404 HOLD_NOT_FOUND for an unknown hold', async () => {
      expectProblem(await api.service.post('/v1/holds/hold_nope/capture'), 404, 'HOLD_NOT_FOUND');
      expectProblem(await api.service.post('/v1/holds/hold_nope/release'), 404, 'HOLD_NOT_FOUND');
    });
  });

  describe('POST /v1/holds/:id/release', () => {
    it('frees the credits and the quota; a released hold is 409 HOLD_NOT_ACTIVE', async () => {
      const { accountId, hold } = await held('site.generate');
      expect(await api.account(accountId)).toMatchObject({ balance: 1218, held: 282, usage: [{ action: 'site.generate', used: 1, quota: 2, left: 1 }] });

      const res = await api.service.post(`/v1/holds/${hold.id}/release`);

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: hold.id, status: 'released', chargeId: null, balance: 1500 });
      expect(await api.account(accountId)).toMatchObject({ balance: 1500, held: 0, usage: [{ action: 'site.generate', used: 0, quota: 2, left: 2 }] });
      expect((await api.ledger(accountId)).map((e) => [e.kind, e.amount])).toEqual([
        ['grant', 1500],
        ['hold', -282],
        ['release', 282],
      ]);
      expectProblem(await api.service.post(`/v1/holds/${hold.id}/release`), 409, 'HOLD_NOT_ACTIVE');
      expectProblem(await api.service.post(`/v1/holds/${hold.id}/capture`), 409, 'HOLD_NOT_ACTIVE');
    });
  });

  describe('expiry', () => {
    it('an expired hold frees itself when the account is next touched', async () => {
      const { accountId, hold } = await held('site.generate', undefined, { ttlSeconds: 60 });

      api.clock.advance({ seconds: 59, ms: 999 });
      expect(await api.account(accountId)).toMatchObject({ balance: 1218, held: 282 });
      expect((await api.service.get(`/v1/holds/${hold.id}`)).body.status).toBe('active');

      api.clock.advance({ ms: 1 });
      expect(await api.account(accountId)).toMatchObject({ balance: 1500, held: 0, usage: [{ action: 'site.generate', used: 0, quota: 2, left: 2 }] });
      expect((await api.service.get(`/v1/holds/${hold.id}`)).body).toMatchObject({ status: 'expired', closedAt: api.clock.now().toISOString() });
      expect((await api.ledger(accountId)).map((e) => [e.kind, e.amount, e.holdId])).toEqual([
        ['grant', 1500, null],
        ['hold', -282, hold.id],
        ['release', 282, hold.id],
      ]);
      expectProblem(await api.service.post(`/v1/holds/${hold.id}/capture`), 409, 'HOLD_NOT_ACTIVE');
      expectProblem(await api.service.post(`/v1/holds/${hold.id}/release`), 409, 'HOLD_NOT_ACTIVE');
      expect((await api.ledger(accountId)).filter((e) => e.kind === 'release')).toHaveLength(1);
    });

    it('an expired hold is freed before a charge is decided: its credits pay for the charge', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      for (let i = 0; i < 5; i++) expect((await api.hold({ accountId: id, action: 'video.generate', ttlSeconds: 300 })).status).toBe(201);
      expectProblem(await api.charge({ accountId: id, action: 'site.generate' }), 402, 'INSUFFICIENT_CREDITS');

      api.clock.advance({ minutes: 5 });
      const res = await api.charge({ accountId: id, action: 'site.generate' });

      expect(res.status).toBe(201);
      expect(res.body.balance).toBe(1218);
      expect((await api.account(id)).held).toBe(0);
    });

    it('credits a hold returns after the billing date expire with the cycle it was made in: no rollover through a hold', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      api.clock.set('2026-04-19T23:00:00Z');
      const released = (await api.hold({ accountId: id, action: 'video.generate', ttlSeconds: 7200 })).body;
      const captured = (await api.hold({ accountId: id, action: 'video.generate', ttlSeconds: 7200 })).body;
      const expired = (await api.hold({ accountId: id, action: 'video.generate', ttlSeconds: 7200 })).body;

      api.clock.set('2026-04-20T00:30:00Z');
      expect(await api.account(id)).toMatchObject({ balance: 1500, held: 768 });
      expect((await api.service.post(`/v1/holds/${released.id}/release`)).status).toBe(200);
      expect((await api.service.post(`/v1/holds/${captured.id}/capture`, { amount: 100 })).status).toBe(201);
      api.clock.set('2026-04-20T01:00:00Z');

      // The capture was paid from credits reserved in the cycle that ended; the new allowance is whole.
      expect(await api.account(id)).toMatchObject({ balance: 1500, held: 0 });
      expect((await api.service.get(`/v1/holds/${expired.id}`)).body.status).toBe('expired');
      expect((await api.ledger(id)).slice(-9).map((e) => [e.kind, e.amount, e.balanceAfter])).toEqual([
        ['expiry', -732, 0],
        ['grant', 1500, 1500],
        ['release', 256, 1756],
        ['expiry', -256, 1500],
        ['capture', 256, 1756],
        ['debit', -100, 1656],
        ['expiry', -156, 1500],
        ['release', 256, 1756],
        ['expiry', -256, 1500],
      ]);
    });

    it('capture at the moment of expiry is too late', async () => {
      const { hold } = await held('video.generate', undefined, { ttlSeconds: 30 });
      api.clock.advance({ seconds: 30 });
      const res = await api.service.post(`/v1/holds/${hold.id}/capture`);
      expectProblem(res, 409, 'HOLD_NOT_ACTIVE');
      expect(res.body.holdStatus).toBe('expired');
    });
  });
});
