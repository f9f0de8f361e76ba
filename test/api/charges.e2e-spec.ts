import { randomUUID } from 'node:crypto';
import { expectProblem, mc, useApi, type ApiHarness, type Json } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';

// POST /v1/charges, GET /v1/charges/:id and POST /v1/charges/:id/refund over HTTP: every denial
// code and that a denial changes nothing, idempotent replay, refunds.

/** A Basic account (1,500 cr) with 220 cr left: five 8 s standard videos (5 × 256) spent. */
async function basicWith220(api: ApiHarness): Promise<string> {
  const { id } = await api.createAccount({ plan: 'basic' });
  for (let i = 0; i < 5; i++) expect((await api.charge({ accountId: id, action: 'video.generate' })).status).toBe(201);
  return id;
}

/** A Basic account whose two sites of the cycle are used. */
async function basicWithTwoSites(api: ApiHarness): Promise<string> {
  const { id } = await api.createAccount({ plan: 'basic' });
  for (let i = 0; i < 2; i++) expect((await api.charge({ accountId: id, action: 'site.generate' })).status).toBe(201);
  return id;
}

interface DenialCase {
  readonly name: string;
  readonly setup: (api: ApiHarness) => Promise<string>;
  readonly request: { action: string; params?: Record<string, unknown>; confirm?: boolean };
  readonly status: number;
  readonly code: string;
  readonly cost: number;
}

const DENIALS: readonly DenialCase[] = [
  { name: '402 INSUFFICIENT_CREDITS: a 282 cr site with 220 cr left', setup: basicWith220, request: { action: 'site.generate' }, status: 402, code: 'INSUFFICIENT_CREDITS', cost: 282 },
  { name: '403 PLAN_REQUIRED: Business OS chat on Basic', setup: async (api) => (await api.createAccount({ plan: 'basic' })).id, request: { action: 'business-os.chat' }, status: 403, code: 'PLAN_REQUIRED', cost: 15 },
  { name: "403 QUOTA_EXCEEDED: Basic's third site of the cycle", setup: basicWithTwoSites, request: { action: 'site.generate' }, status: 403, code: 'QUOTA_EXCEEDED', cost: 282 },
  { name: '409 CONFIRMATION_REQUIRED: a full regeneration without confirm', setup: async (api) => (await api.createAccount({ plan: 'basic' })).id, request: { action: 'site.regenerate' }, status: 409, code: 'CONFIRMATION_REQUIRED', cost: 282 },
  { name: '422 UNKNOWN_ACTION', setup: async (api) => (await api.createAccount({ plan: 'basic' })).id, request: { action: 'video.teleport' }, status: 422, code: 'UNKNOWN_ACTION', cost: 0 },
  { name: '422 INVALID_PARAMS: a 9 s video', setup: async (api) => (await api.createAccount({ plan: 'basic' })).id, request: { action: 'video.generate', params: { seconds: 9 } }, status: 422, code: 'INVALID_PARAMS', cost: 0 },
];

describe.each(DATABASE_KINDS)('charges on %s', (kind) => {
  const api = useApi(kind);

  describe('POST /v1/charges', () => {
    it('debits the price, counts quota usage and answers with the charge and its decision', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });

      const res = await api.charge({ accountId: id, action: 'site.generate', params: { model: 'gemini-2.5-flash' } });

      expect(res.status).toBe(201);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(res.body).toMatchObject({ id: expect.stringMatching(/^ch_/), accountId: id, action: 'site.generate', params: { model: 'gemini-2.5-flash' }, cost: 272, costMillicredits: 272_000, holdId: null, balance: 1228, balanceMillicredits: 1_228_000 });
      expect(res.body.decision).toMatchObject({ allowed: true, cost: 272, reasons: [] });
      expect(res.body.decision.breakdown.map((l: Json) => l.credits)).toEqual([8, 256, 8, 0]);
      const account = await api.account(id);
      expect(account.balanceMillicredits).toBe(1_228_000);
      expect(account.usage).toEqual([{ action: 'site.generate', used: 1, quota: 2, left: 1 }]);
      const entries = await api.ledger(id);
      expect(entries.map((e) => [e.kind, e.amountMillicredits, e.balanceAfterMillicredits, e.chargeId])).toEqual([
        ['grant', 1_500_000, 1_500_000, null],
        ['debit', -272_000, 1_228_000, res.body.id],
      ]);
      expect(entries[1].id).toBe(res.body.entryId);
    });

    it('charges fractions exactly: three chat edits are 1.5 cr', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      for (let i = 0; i < 3; i++) expect((await api.charge({ accountId: id, action: 'chat.edit' })).status).toBe(201);
      expect((await api.account(id)).balance).toBe(1498.5);
    });

    it('charges a free action 0 with no ledger entry', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const res = await api.charge({ accountId: id, action: 'site.download' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ cost: 0, entryId: null, balance: 1500 });
      expect(res.body.decision).toMatchObject({ allowed: true, exempt: true });
      expect(await api.ledger(id)).toHaveLength(1);
    });

    it('is 404 ACCOUNT_NOT_FOUND for an account that does not exist', async () => {
      expectProblem(await api.charge({ accountId: 'no-such-account', action: 'chat.edit' }), 404, 'ACCOUNT_NOT_FOUND');
    });
  });

  describe('denials: a problem document with the decision, and nothing changed', () => {
    it.each(DENIALS)('$name', async ({ setup, request, status, code, cost }) => {
      const accountId = await setup(api);
      const before = await api.snapshot(accountId);
      api.clock.advance({ seconds: 1 });

      const res = await api.charge({ accountId, ...request });

      expectProblem(res, status, code);
      expect(res.body.detail).toBe(res.body.decision.reasons.find((r: Json) => r.code === code).message);
      expect(res.body.decision).toMatchObject({ allowed: false, cost, rulesetVersion: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(res.body.decision.reasons.map((r: Json) => r.code)).toContain(code);
      expect(await api.snapshot(accountId)).toEqual(before);
      const [logged] = (await api.auditor.get(`/v1/decisions?accountId=${accountId}&limit=1`)).body.items;
      expect(logged).toMatchObject({ kind: 'charge', action: request.action, allowed: false, chargeId: null });
      expect(logged.reasons).toContain(code);
    });

    it('names the plan that would allow a PLAN_REQUIRED action', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const res = await api.charge({ accountId: id, action: 'image.generate', params: { model: 'nano-banana-pro' } });
      expectProblem(res, 403, 'PLAN_REQUIRED');
      expect(res.body.decision.reasons).toEqual([expect.objectContaining({ code: 'PLAN_REQUIRED', requiredPlan: 'premium' })]);
    });

    it('charges a full regeneration once it is confirmed', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const res = await api.charge({ accountId: id, action: 'site.regenerate', confirm: true });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ cost: 282, balance: 1218 });
      expect(res.body.decision).toMatchObject({ allowed: true, requiresConfirmation: true });
    });

    it('a denied retry is decided again: the same key charges once the account can pay', async () => {
      const id = await basicWith220(api);
      const key = randomUUID();
      expectProblem(await api.charge({ accountId: id, action: 'site.generate' }, key), 402, 'INSUFFICIENT_CREDITS');
      expect((await api.admin.post(`/v1/accounts/${id}/grants`, { amount: 100, reason: 'top-up' })).status).toBe(201);

      const res = await api.charge({ accountId: id, action: 'site.generate' }, key);

      expect(res.status).toBe(201);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(res.body.balance).toBe(38);
    });
  });

  describe('idempotency', () => {
    it('the same key and body twice: one debit, the same body, `idempotent-replayed: true`', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const key = randomUUID();
      const body = { accountId: id, action: 'video.generate', params: { seconds: 4 } };

      const first = await api.charge(body, key);
      api.clock.advance({ minutes: 5 });
      const second = await api.charge(body, key);

      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toEqual(first.body);
      expect((await api.ledger(id)).filter((e) => e.kind === 'debit')).toHaveLength(1);
      expect((await api.account(id)).balance).toBe(1500 - 128);
    });

    it('the same key with the same body in another key order is a replay', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const key = randomUUID();
      const first = await api.service.request('POST', '/v1/charges', { raw: `{"accountId":"${id}","action":"video.generate","params":{"tier":"relaxed","seconds":2}}`, idempotencyKey: key });
      const second = await api.service.request('POST', '/v1/charges', { raw: `{"params":{"seconds":2,"tier":"relaxed"},"action":"video.generate","accountId":"${id}"}`, idempotencyKey: key });
      expect([first.status, second.status, second.headers['idempotent-replayed']]).toEqual([201, 201, 'true']);
      expect(second.body.id).toBe(first.body.id);
      expect((await api.account(id)).balance).toBe(1500 - 37.5);
    });

    it('the same key with another body is 409 IDEMPOTENCY_KEY_REUSED and changes nothing', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const key = randomUUID();
      expect((await api.charge({ accountId: id, action: 'chat.edit' }, key)).status).toBe(201);
      const before = await api.snapshot(id);

      const otherAction = await api.charge({ accountId: id, action: 'prompt.enhance' }, key);
      const otherConfirm = await api.charge({ accountId: id, action: 'chat.edit', confirm: true }, key);
      const otherAccount = await api.charge({ accountId: (await api.createAccount({ plan: 'basic' })).id, action: 'chat.edit' }, key);
      const defaultsSpelledOut = await api.charge({ accountId: id, action: 'chat.edit', params: {}, confirm: false }, key);

      expectProblem(otherAction, 409, 'IDEMPOTENCY_KEY_REUSED');
      expectProblem(otherConfirm, 409, 'IDEMPOTENCY_KEY_REUSED');
      expectProblem(otherAccount, 409, 'IDEMPOTENCY_KEY_REUSED');
      expect([defaultsSpelledOut.status, defaultsSpelledOut.headers['idempotent-replayed']]).toEqual([201, 'true']);
      expect(await api.snapshot(id)).toEqual(before);
    });

    it('no Idempotency-Key header is 400 IDEMPOTENCY_KEY_REQUIRED and changes nothing', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const before = await api.snapshot(id);
      expectProblem(await api.service.post('/v1/charges', { accountId: id, action: 'chat.edit' }), 400, 'IDEMPOTENCY_KEY_REQUIRED');
      expectProblem(await api.service.post('/v1/charges', { accountId: id, action: 'chat.edit' }, { idempotencyKey: 'k'.repeat(256) }), 400, 'INVALID_REQUEST');
      expect(await api.snapshot(id)).toEqual(before);
    });
  });

  describe('GET /v1/charges/:id', () => {
    it('shows the charge with what has been refunded', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const charge = (await api.charge({ accountId: id, action: 'video.generate' })).body;
      expect((await api.service.post(`/v1/charges/${charge.id}/refund`, { amount: 56 })).status).toBe(201);

      const res = await api.service.get(`/v1/charges/${charge.id}`);

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: charge.id, accountId: id, action: 'video.generate', cost: 256, entryId: charge.entryId, rulesetVersion: charge.rulesetVersion, refunded: 56, refundedMillicredits: 56_000 });
    });

    it('is 404 CHARGE_NOT_FOUND for an unknown charge', async () => {
      expectProblem(await api.service.get('/v1/charges/ch_nope'), 404, 'CHARGE_NOT_FOUND');
    });
  });

  describe('POST /v1/charges/:id/refund', () => {
    async function charged(action = 'site.generate'): Promise<{ accountId: string; charge: Json }> {
      const { id } = await api.createAccount({ plan: 'basic' });
      const res = await api.charge({ accountId: id, action });
      expect(res.status).toBe(201);
      return { accountId: id, charge: res.body };
    }

    it('refunds the whole charge without an amount', async () => {
      const { accountId, charge } = await charged();

      const res = await api.service.post(`/v1/charges/${charge.id}/refund`, { reason: 'the render failed' });

      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ chargeId: charge.id, accountId, refunded: 282, refundedTotal: 282, remaining: 0, balance: 1500 });
      const last = (await api.ledger(accountId)).at(-1);
      expect(last).toMatchObject({ id: res.body.entryId, kind: 'refund', amount: 282, chargeId: charge.id, reason: 'refund: the render failed' });
      expectProblem(await api.service.post(`/v1/charges/${charge.id}/refund`, {}), 409, 'REFUND_EXCEEDS_CHARGE');
    });

    it('refunds in several parts, never more than was charged', async () => {
      const { accountId, charge } = await charged();

      const parts = [];
      for (const amount of [100, 82.5]) parts.push((await api.service.post(`/v1/charges/${charge.id}/refund`, { amount })).body);
      const before = await api.snapshot(accountId);
      const over = await api.service.post(`/v1/charges/${charge.id}/refund`, { amount: 99.501 });
      const unchanged = await api.snapshot(accountId);
      const rest = await api.service.post(`/v1/charges/${charge.id}/refund`, { amount: 99.5 });
      const more = await api.service.post(`/v1/charges/${charge.id}/refund`, { amount: 0.001 });

      expect(parts.map((p) => [p.refunded, p.refundedTotal, p.remaining])).toEqual([
        [100, 100, 182],
        [82.5, 182.5, 99.5],
      ]);
      expectProblem(over, 409, 'REFUND_EXCEEDS_CHARGE');
      expect(over.body).toMatchObject({ costMc: 282_000, refundedMc: 182_500, remainingMc: 99_500 });
      expect(unchanged).toEqual(before);
      expect(rest.body).toMatchObject({ refunded: 99.5, refundedTotal: 282, remaining: 0, balance: 1500 });
      expectProblem(more, 409, 'REFUND_EXCEEDS_CHARGE');
      expect((await api.ledger(accountId)).filter((e) => e.kind === 'refund').map((e) => e.amountMillicredits)).toEqual([100_000, 82_500, 99_500]);
      expect((await api.service.get(`/v1/charges/${charge.id}`)).body.refunded).toBe(282);
    });

    it('with an Idempotency-Key: a retry refunds once; the key with another amount is 409', async () => {
      const { accountId, charge } = await charged();
      const key = randomUUID();

      const first = await api.service.post(`/v1/charges/${charge.id}/refund`, { amount: 50 }, { idempotencyKey: key });
      const retry = await api.service.post(`/v1/charges/${charge.id}/refund`, { amount: 50 }, { idempotencyKey: key });
      const other = await api.service.post(`/v1/charges/${charge.id}/refund`, { amount: 60 }, { idempotencyKey: key });

      expect([first.status, retry.status, retry.headers['idempotent-replayed']]).toEqual([201, 201, 'true']);
      expect(retry.body).toEqual(first.body);
      expectProblem(other, 409, 'IDEMPOTENCY_KEY_REUSED');
      expect((await api.ledger(accountId)).filter((e) => e.kind === 'refund')).toHaveLength(1);
      expect((await api.account(accountId)).balanceMillicredits).toBe(mc(1500 - 282 + 50));
    });

    it('without an Idempotency-Key each request is a new refund', async () => {
      const { accountId, charge } = await charged();
      for (let i = 0; i < 2; i++) expect((await api.service.post(`/v1/charges/${charge.id}/refund`, { amount: 10 })).status).toBe(201);
      expect((await api.ledger(accountId)).filter((e) => e.kind === 'refund')).toHaveLength(2);
    });

    it('refunds a free charge of 0 with nothing: 409 REFUND_EXCEEDS_CHARGE', async () => {
      const { charge } = await charged('site.download');
      expectProblem(await api.service.post(`/v1/charges/${charge.id}/refund`, {}), 409, 'REFUND_EXCEEDS_CHARGE');
    });

    it('is 404 CHARGE_NOT_FOUND for an unknown charge', async () => {
      expectProblem(await api.service.post('/v1/charges/ch_nope/refund', {}), 404, 'CHARGE_NOT_FOUND');
    });
  });
});
