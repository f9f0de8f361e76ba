import { expectProblem, useApi, type ApiHarness, type Json } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';

// POST /v1/decisions (a decision against live account state, no side effect but the log) and
// GET /v1/decisions (the decision log).

describe.each(DATABASE_KINDS)('decisions on %s', (kind) => {
  const api = useApi(kind);

  const decide = (accountId: string, action: string, extra: { params?: Record<string, unknown>; confirm?: boolean } = {}) => api.service.post('/v1/decisions', { accountId, action, ...extra });

  async function activeVersion(h: ApiHarness): Promise<string> {
    return (await h.anonymous.get('/health')).body.rulesetVersion;
  }

  describe('POST /v1/decisions', () => {
    it("answers an allowed decision with its receipt against the account's plan, and changes nothing", async () => {
      const { id } = await api.createAccount({ plan: 'premium' });
      const before = await api.snapshot(id);

      const res = await decide(id, 'video.generate', { params: { resolution: '2k' } });

      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        allowed: true,
        cost: 512,
        costMillicredits: 512_000,
        exempt: false,
        requiresConfirmation: false,
        reasons: [],
        breakdown: [
          { label: 'Veo 3.1 Standard 32 cr/s × 8 s = 256', credits: 256, rule: expect.any(String) },
          { label: '2K ×2 = 512', credits: 256, rule: expect.any(String) },
        ],
        rulesetVersion: await activeVersion(api),
      });
      expect(await api.snapshot(id)).toEqual(before);
    });

    it('a denial is a normal answer: 200 with `allowed: false` and the reasons, for every denial code', async () => {
      const basic = (await api.createAccount({ plan: 'basic' })).id;
      const poor = (await api.createAccount({ plan: 'basic' })).id;
      for (let i = 0; i < 5; i++) expect((await api.charge({ accountId: poor, action: 'video.generate' })).status).toBe(201);
      const sitesUsed = (await api.createAccount({ plan: 'basic' })).id;
      for (let i = 0; i < 2; i++) expect((await api.charge({ accountId: sitesUsed, action: 'site.generate' })).status).toBe(201);
      const before = await Promise.all([basic, poor, sitesUsed].map((id) => api.snapshot(id)));

      const answers = {
        planRequired: await decide(basic, 'business-os.chat'),
        insufficient: await decide(poor, 'site.generate'),
        quota: await decide(sitesUsed, 'site.generate'),
        confirmation: await decide(basic, 'site.regenerate'),
        confirmed: await decide(basic, 'site.regenerate', { confirm: true }),
      };

      const summary = Object.fromEntries(Object.entries(answers).map(([name, r]) => [name, [r.status, r.body.allowed, r.body.cost, r.body.reasons.map((x: Json) => x.code)]]));
      expect(summary).toEqual({
        planRequired: [200, false, 15, ['PLAN_REQUIRED']],
        insufficient: [200, false, 282, ['INSUFFICIENT_CREDITS']],
        quota: [200, false, 282, ['QUOTA_EXCEEDED']],
        confirmation: [200, false, 282, ['CONFIRMATION_REQUIRED']],
        confirmed: [200, true, 282, []],
      });
      expect(answers.confirmation.body.requiresConfirmation).toBe(true);
      expect(await Promise.all([basic, poor, sitesUsed].map((id) => api.snapshot(id)))).toEqual(before);
    });

    it('sees live state: after a top-up the same request is allowed', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      for (let i = 0; i < 5; i++) await api.charge({ accountId: id, action: 'video.generate' });
      expect((await decide(id, 'site.generate')).body.allowed).toBe(false);
      await api.admin.post(`/v1/accounts/${id}/grants`, { amount: 62, reason: 'top-up' });
      expect((await decide(id, 'site.generate')).body).toMatchObject({ allowed: true, cost: 282 });
    });

    it.each([
      { code: 'UNKNOWN_ACTION', action: 'video.teleport', params: undefined },
      { code: 'INVALID_PARAMS', action: 'image.generate', params: { model: 'dall-e-3' } },
    ])('is 422 $code with the decision inside, and changes nothing', async ({ code, action, params }) => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const before = await api.snapshot(id);

      const res = await decide(id, action, params ? { params } : {});

      expectProblem(res, 422, code);
      expect(res.body.decision).toMatchObject({ allowed: false, reasons: [expect.objectContaining({ code })] });
      expect(await api.snapshot(id)).toEqual(before);
    });

    it('is 404 ACCOUNT_NOT_FOUND for an unknown account', async () => {
      expectProblem(await decide('no-such-account', 'chat.edit'), 404, 'ACCOUNT_NOT_FOUND');
    });
  });

  describe('GET /v1/decisions', () => {
    it('logs every quote and charge with the request, the result and the rule-set version, newest first', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const version = await activeVersion(api);
      // A second apart, so "newest first" has one answer.
      await decide(id, 'image.generate', { params: { model: 'flux-pro' } });
      api.clock.advance({ seconds: 1 });
      const charge = (await api.charge({ accountId: id, action: 'video.generate', params: { seconds: 2 } })).body;
      api.clock.advance({ seconds: 1 });
      await api.charge({ accountId: id, action: 'site.regenerate' });
      api.clock.advance({ seconds: 1 });
      await decide(id, 'video.teleport');

      const res = await api.auditor.get(`/v1/decisions?accountId=${id}`);

      expect(res.status).toBe(200);
      expect(res.body.next).toBeNull();
      expect(res.body.items.map((d: Json) => [d.kind, d.action, d.params, d.confirm, d.allowed, d.cost, d.reasons, d.chargeId])).toEqual([
        ['quote', 'video.teleport', {}, false, false, 0, ['UNKNOWN_ACTION'], null],
        ['charge', 'site.regenerate', {}, false, false, 282, ['CONFIRMATION_REQUIRED'], null],
        ['charge', 'video.generate', { seconds: 2 }, false, true, 64, [], charge.id],
        ['quote', 'image.generate', { model: 'flux-pro' }, false, false, 16, ['PLAN_REQUIRED'], null],
      ]);
      for (const d of res.body.items) expect(d).toMatchObject({ accountId: id, plan: 'basic', rulesetVersion: version, decision: expect.objectContaining({ rulesetVersion: version }) });
      // What each decision saw: the balance before the charge.
      expect(res.body.items.map((d: Json) => d.balanceMillicredits)).toEqual([1_436_000, 1_436_000, 1_500_000, 1_500_000]);
      expect(res.body.items[2].decision.breakdown).toEqual([expect.objectContaining({ label: 'Veo 3.1 Standard 32 cr/s × 2 s = 64', credits: 64 })]);
      expect(res.body.items.map((d: Json) => d.createdAt)).toEqual(['2026-03-20T12:00:03.000Z', '2026-03-20T12:00:02.000Z', '2026-03-20T12:00:01.000Z', '2026-03-20T12:00:00.000Z']);
    });

    it('filters by action and pages with `limit` and `cursor`', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      for (let i = 0; i < 5; i++) {
        await decide(id, 'chat.edit');
        api.clock.advance({ seconds: 1 });
      }
      await decide(id, 'prompt.enhance');

      const pages: Json[][] = [];
      let cursor: string | number | null = null;
      do {
        const res: Json = await api.admin.get(`/v1/decisions?accountId=${id}&action=chat.edit&limit=2${cursor !== null ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        pages.push(res.body.items);
        cursor = res.body.next;
      } while (cursor !== null);

      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(new Set(pages.flat().map((d) => d.id)).size).toBe(5);
      expect(pages.flat().map((d) => d.createdAt)).toEqual([4, 3, 2, 1, 0].map((s) => new Date(Date.parse('2026-03-20T12:00:00Z') + s * 1000).toISOString()));
      expect(new Set(pages.flat().map((d) => d.action))).toEqual(new Set(['chat.edit']));
    });

    it('filters by time with `since` and `until`', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      await decide(id, 'chat.edit');
      api.clock.advance({ hours: 1 });
      const later = api.clock.now().toISOString();
      await decide(id, 'prompt.enhance');

      const since = await api.auditor.get(`/v1/decisions?accountId=${id}&since=${later}`);
      const until = await api.auditor.get(`/v1/decisions?accountId=${id}&until=${later}`);

      expect(since.body.items.map((d: Json) => d.action)).toEqual(['prompt.enhance']);
      expect(until.body.items.map((d: Json) => d.action)).toEqual(['chat.edit']);
    });
  });
});
