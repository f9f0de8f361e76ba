import { randomUUID } from 'node:crypto';
import { ADMIN_KEY, expectProblem, useApi, type Json } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';

// What operators and integrators use around the decisions: /health, /metrics, /docs and the
// OpenAPI document, API keys, /v1/whoami and the audit trail.

/** Prometheus samples of one metric: the labels of each line and its value. */
function samples(text: string, metric: string): { labels: Record<string, string>; value: number }[] {
  const line = new RegExp(`^${metric}(?:\\{(.*)\\})? (\\S+)$`);
  return text.split('\n').flatMap((l) => {
    const m = line.exec(l);
    if (!m) return [];
    const labels = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v]));
    return [{ labels, value: Number(m[2]) }];
  });
}

describe.each(DATABASE_KINDS)('operations on %s', (kind) => {
  const api = useApi(kind);

  describe('/health', () => {
    it('says the service and its database are up, and which rule set is active', async () => {
      const res = await api.anonymous.get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', database: 'up', rulesetVersion: expect.stringMatching(/^[0-9a-f]{64}$/) });
    });
  });

  describe('/metrics', () => {
    it('counts decisions by kind, action and outcome, and credits charged, in Prometheus text', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const key = randomUUID();
      await api.charge({ accountId: id, action: 'prompt.enhance' }, key);
      await api.charge({ accountId: id, action: 'prompt.enhance' }, key);
      await api.charge({ accountId: id, action: 'prompt.enhance' });
      await api.charge({ accountId: id, action: 'business-os.chat' });
      await api.service.post('/v1/decisions', { accountId: id, action: 'business-os.chat' });
      await api.service.post('/v1/decisions', { accountId: id, action: 'site.regenerate' });
      const hold = (await api.hold({ accountId: id, action: 'prompt.brainstorm' })).body;
      await api.service.post(`/v1/holds/${hold.id}/capture`);
      const video = (await api.hold({ accountId: id, action: 'video.generate' })).body;
      await api.service.post(`/v1/holds/${video.id}/capture`, { amount: 100 });

      const res = await api.anonymous.get('/metrics');

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(res.body).toContain('# TYPE ratecard_decisions_total counter');
      const decisions = samples(res.body, 'ratecard_decisions_total').map((s) => [s.labels.kind, s.labels.action, s.labels.outcome, s.value]);
      expect(decisions).toEqual(
        expect.arrayContaining([
          ['charge', 'prompt.enhance', 'allowed', 2],
          ['charge', 'prompt.enhance', 'replayed', 1],
          ['charge', 'business-os.chat', 'PLAN_REQUIRED', 1],
          ['quote', 'business-os.chat', 'PLAN_REQUIRED', 1],
          ['quote', 'site.regenerate', 'CONFIRMATION_REQUIRED', 1],
          ['hold', 'prompt.brainstorm', 'allowed', 1],
          ['capture', 'prompt.brainstorm', 'allowed', 1],
        ]),
      );
      const credits = samples(res.body, 'ratecard_charged_credits_total').map((s) => [s.labels.action, s.value]);
      // What was charged: a replay charges nothing, a capture charges the captured amount.
      expect(credits).toEqual(expect.arrayContaining([['prompt.enhance', 2], ['prompt.brainstorm', 1], ['video.generate', 100]]));
      const latency = samples(res.body, 'ratecard_http_request_duration_seconds_count').find((s) => s.labels.route === '/v1/charges' && s.labels.method === 'POST' && s.labels.status === '201');
      expect(latency?.value).toBeGreaterThanOrEqual(3);
    });

    it('counts every action the rules do not know under one label: a caller cannot add series or show its strings', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const names = Array.from({ length: 12 }, (_, i) => `x-caller-said-${i}-${randomUUID().slice(0, 8)}`);
      const seriesOf = async (): Promise<{ labels: Record<string, string>; value: number }[]> => samples((await api.anonymous.get('/metrics')).body, 'ratecard_decisions_total');
      await api.service.post('/v1/decisions', { accountId: id, action: 'video.teleport' });
      const before = await seriesOf();

      for (const action of names) {
        expect((await api.service.post('/v1/decisions', { accountId: id, action })).status).toBe(422);
        expect((await api.charge({ accountId: id, action })).status).toBe(422);
        expect((await api.hold({ accountId: id, action })).status).toBe(422);
      }
      const after = await seriesOf();
      const text = (await api.anonymous.get('/metrics')).body as string;

      for (const action of [...names, 'video.teleport']) expect(text).not.toContain(action);
      const unknown = (series: typeof after, kind: string): number | undefined => series.find((s) => s.labels.kind === kind && s.labels.action === '(unknown)' && s.labels.outcome === 'UNKNOWN_ACTION')?.value;
      expect([unknown(after, 'quote'), unknown(after, 'charge'), unknown(after, 'hold')]).toEqual([unknown(before, 'quote')! + 12, (unknown(before, 'charge') ?? 0) + 12, (unknown(before, 'hold') ?? 0) + 12]);
      // At most the two new (unknown) series of the charge and the hold: none per name.
      expect(after.length).toBeLessThanOrEqual(before.length + 2);
    });
  });

  describe('/docs', () => {
    it('serves Swagger UI', async () => {
      const res = await api.anonymous.get('/docs');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toMatch(/swagger/i);
    });

    it('serves the OpenAPI document: bearer auth, every route, problem documents and the Idempotency-Key header', async () => {
      const res = await api.anonymous.get('/docs/openapi.json');
      expect(res.status).toBe(200);
      const doc: Json = res.body;
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.info).toMatchObject({ title: 'ratecard', version: '1' });
      expect(Object.values(doc.components.securitySchemes)).toEqual([expect.objectContaining({ type: 'http', scheme: 'bearer' })]);
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/health', '/v1/accounts', '/v1/accounts/{id}', '/v1/accounts/{id}/ledger', '/v1/accounts/{id}/plan', '/v1/accounts/{id}/grants', '/v1/decisions', '/v1/charges', '/v1/charges/{id}', '/v1/charges/{id}/refund', '/v1/holds', '/v1/holds/{id}', '/v1/holds/{id}/capture', '/v1/holds/{id}/release', '/v1/keys', '/v1/keys/{id}', '/v1/rulesets', '/v1/rulesets/{version}', '/v1/rulesets/{version}/activate', '/v1/audit']),
      );
      const charge = doc.paths['/v1/charges'].post;
      expect(charge.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true })]));
      expect(Object.keys(charge.responses)).toEqual(expect.arrayContaining(['201', '400', '402', '403', '404', '409', '422']));
      expect(doc.components.schemas.ProblemSchema.properties).toEqual(expect.objectContaining({ type: expect.anything(), title: expect.anything(), status: expect.anything(), code: expect.anything(), detail: expect.anything(), decision: expect.anything() }));
      expect((await api.anonymous.get('/docs/openapi.yaml')).body).toContain('openapi: 3.');
    });
  });

  describe('API keys', () => {
    it('POST /v1/keys shows the key once; GET lists keys without secrets; the key works at once', async () => {
      const created = await api.admin.post('/v1/keys', { name: 'site-builder production', role: 'service' });

      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.stringMatching(/^key_/), name: 'site-builder production', role: 'service', createdAt: api.clock.now().toISOString(), revokedAt: null, key: expect.stringMatching(/^rck_[A-Za-z0-9_-]{43}$/) });
      const listed = (await api.admin.get('/v1/keys')).body;
      expect(listed).toEqual(expect.arrayContaining([{ id: created.body.id, name: 'site-builder production', role: 'service', createdAt: api.clock.now().toISOString(), revokedAt: null }]));
      expect(JSON.stringify(listed)).not.toContain(created.body.key);
      expect(JSON.stringify(listed)).not.toContain(ADMIN_KEY);
      expect((await api.client(created.body.key).get('/v1/whoami')).body).toEqual({ id: created.body.id, name: 'site-builder production', role: 'service' });
    });

    it('DELETE /v1/keys/:id revokes: the key is 401 at once, and revoking again changes nothing', async () => {
      const key = await api.createKey('auditor', 'temporary');
      api.clock.advance({ hours: 2 });

      const revoked = await api.admin.delete(`/v1/keys/${key.id}`);
      api.clock.advance({ hours: 1 });
      const again = await api.admin.delete(`/v1/keys/${key.id}`);

      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ id: key.id, revokedAt: '2026-03-20T14:00:00.000Z' });
      expect(again.body.revokedAt).toBe('2026-03-20T14:00:00.000Z');
      expectProblem(await key.client.get('/v1/whoami'), 401, 'UNAUTHENTICATED');
      expect((await api.admin.get('/v1/keys')).body.find((k: Json) => k.id === key.id).revokedAt).toBe('2026-03-20T14:00:00.000Z');
    });
  });

  describe('GET /v1/audit', () => {
    it('records who did what to accounts, plans, credits, refunds, holds and keys, newest first, in pages', async () => {
      const admin = (await api.admin.get('/v1/whoami')).body.id;
      const service = (await api.service.get('/v1/whoami')).body.id;
      api.clock.set('2026-03-26T08:00:00Z');
      const { id } = await api.createAccount({ plan: 'basic' });
      await api.admin.post(`/v1/accounts/${id}/grants`, { amount: 5, reason: 'goodwill' });
      await api.admin.post(`/v1/accounts/${id}/plan`, { plan: 'pro' });
      const charge = (await api.charge({ accountId: id, action: 'prompt.enhance' })).body;
      await api.service.post(`/v1/charges/${charge.id}/refund`, { reason: 'duplicate' });
      const hold = (await api.hold({ accountId: id, action: 'chat.edit' })).body;
      await api.service.post(`/v1/holds/${hold.id}/release`);
      const key = await api.createKey('auditor', 'quarterly review');
      await api.admin.delete(`/v1/keys/${key.id}`);

      const items: Json[] = [];
      let cursor: number | null = null;
      do {
        const res: Json = await api.auditor.get(`/v1/audit?limit=3${cursor !== null ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        items.push(...res.body.items);
        cursor = res.body.next;
      } while (cursor !== null && items.at(-1).createdAt >= '2026-03-26T08:00:00.000Z');
      const mine = items.filter((e) => e.createdAt === '2026-03-26T08:00:00.000Z');

      expect(mine.map((e) => [e.event, e.actor, e.target])).toEqual([
        ['key.revoke', admin, key.id],
        ['key.create', admin, key.id],
        ['hold.release', service, hold.id],
        ['charge.refund', service, charge.id],
        ['account.plan', admin, id],
        ['account.grant', admin, id],
        ['account.create', admin, id],
      ]);
      expect(mine.find((e) => e.event === 'account.plan').details).toMatchObject({ from: 'basic', to: 'pro', kind: 'upgrade' });
      expect(mine.find((e) => e.event === 'charge.refund').details).toMatchObject({ amountMc: 1000, reason: 'duplicate' });
      const ids = items.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
    });
  });
});
