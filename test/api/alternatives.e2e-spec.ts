import { expectProblem, useApi, type Json } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';

// Denials offer the next best option over HTTP: the API returns decide's Decision as it is, so every
// denied decision (a 200 from /v1/decisions, or the decision inside a charge's problem document)
// carries `alternatives`.

describe.each(DATABASE_KINDS)('alternatives on denials, on %s', (kind) => {
  const api = useApi(kind);
  const decide = (accountId: string, action: string, extra: { params?: Record<string, unknown>; confirm?: boolean } = {}) => api.service.post('/v1/decisions', { accountId, action, ...extra });

  it('PLAN_REQUIRED: 4K Seedream on Pro offers resolution 1k at 18 cr, and Premium at 36 cr as asked', async () => {
    const { id } = await api.createAccount({ plan: 'pro' });
    const res = await decide(id, 'image.generate', { params: { resolution: '4k' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ allowed: false, cost: 36 });
    expect(res.body.alternatives).toEqual([
      { reason: 'PLAN_REQUIRED', kind: 'change-params', params: { resolution: '1k' }, cost: 18, costMillicredits: 18_000, message: 'resolution `1k` instead: 18 cr on Pro' },
      { reason: 'PLAN_REQUIRED', kind: 'upgrade', plan: 'premium', cost: 36, costMillicredits: 36_000, message: 'upgrade to Premium: 36 cr as asked' },
    ]);
  });

  it('INSUFFICIENT_CREDITS: the shortfall, on a decision and inside a refused charge', async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    for (let i = 0; i < 5; i++) expect((await api.charge({ accountId: id, action: 'video.generate' })).status).toBe(201);
    // 1,500 - 5 × 256 = 220 left; a site costs 282. The bundled rules sell no pack.
    const res = await decide(id, 'site.generate');
    expect(res.body.alternatives).toEqual([{ reason: 'INSUFFICIENT_CREDITS', kind: 'top-up', shortfall: 62, shortfallMillicredits: 62_000, message: '62 cr short' }]);
    const charge = await api.charge({ accountId: id, action: 'site.generate' });
    expectProblem(charge, 402, 'INSUFFICIENT_CREDITS');
    expect(charge.body.decision.alternatives).toEqual(res.body.alternatives);
  });

  it('QUOTA_EXCEEDED: wait for the quota to reset', async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    for (let i = 0; i < 2; i++) expect((await api.charge({ accountId: id, action: 'site.generate' })).status).toBe(201);
    const res = await decide(id, 'site.generate');
    expect(res.body.reasons.map((r: Json) => r.code)).toEqual(['QUOTA_EXCEEDED']);
    expect(res.body.alternatives).toEqual([expect.objectContaining({ reason: 'QUOTA_EXCEEDED', kind: 'wait', message: expect.stringMatching(/^the quota resets at the next billing date/) })]);
  });

  it('CONFIRMATION_REQUIRED: the same request, confirmed', async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    expect((await decide(id, 'site.regenerate')).body.alternatives).toEqual([{ reason: 'CONFIRMATION_REQUIRED', kind: 'confirm', message: 'send the same request with `confirm: true`' }]);
  });

  it('an allowed decision has none', async () => {
    const { id } = await api.createAccount({ plan: 'premium' });
    const res = await decide(id, 'image.generate', { params: { resolution: '4k' } });
    expect(res.body.allowed).toBe(true);
    expect(res.body).not.toHaveProperty('alternatives');
  });
});
