import { loadRuleSet } from '@ratecard/dsl';
import { compileFiles, compileYaml, NOW } from '../../../test/support/rules';
import { issueRuleFiles } from '../../../test/support/v2-rules';
import { PLANS_YAML, sources, where, yaml } from '../../../test/support/yaml';
import type { CompiledRuleSet } from './compiled';
import { decide, decideByRules } from './decide';
import type { AccountState, Decision, DecisionRequest } from './decision';
import { priceTable } from './table';

async function both(compiled: CompiledRuleSet, account: AccountState, request: DecisionRequest): Promise<Decision> {
  const fast = decide(compiled, account, request, NOW);
  expect(await decideByRules(compiled, account, request, NOW)).toEqual(fast);
  return fast;
}
const on = (plan: string): AccountState => ({ plan, balanceMc: 100_000_000, usage: {} });

describe('per-plan prices', () => {
  describe('the issue snippet in a copy of rules/', () => {
    let sut: CompiledRuleSet;
    beforeAll(async () => {
      sut = await compileFiles(issueRuleFiles());
    });

    it('prices Flux Pro at 16 on Pro and 15 on Premium', async () => {
      expect((await both(sut, on('pro'), { action: 'image.generate', params: { model: 'flux-pro' } })).cost).toBe(16);
      const premium = await both(sut, on('premium'), { action: 'image.generate', params: { model: 'flux-pro' } });
      expect(premium.cost).toBe(15);
      expect(premium.breakdown).toEqual([{ label: 'Flux Pro (Premium price) 15 cr', credits: 15, rule: 'image.generate/variant/flux-pro/plan/premium' }]);
    });

    it('applies multipliers on top: 2K Flux Pro on Premium is 30', async () => {
      const d = await both(sut, on('premium'), { action: 'image.generate', params: { model: 'flux-pro', resolution: '2k' } });
      expect(d.cost).toBe(30);
      expect(d.breakdown.map((b) => b.label)).toEqual(['Flux Pro (Premium price) 15 cr', '2K ×2 = 30']);
    });

    it('keeps the gate: Basic is denied Flux Pro, at the price Basic would pay', async () => {
      expect(await both(sut, on('basic'), { action: 'image.generate', params: { model: 'flux-pro' } })).toMatchObject({ allowed: false, cost: 16 });
    });

    it('shows both prices in the price table', () => {
      const row = priceTable(sut).groups.flatMap((g) => g.rows).find((r) => r.item === 'Image generation — Flux Pro');
      expect(row).toMatchObject({ credits: '16 cr (Premium 15 cr)', plans: 'Pro+' });
    });

    it('flows into composites: a Flux Pro hero on Premium', async () => {
      expect((await both(sut, on('premium'), { action: 'site.generate', params: { model: 'flux-pro' } })).cost).toBe(279);
      expect((await both(sut, on('pro'), { action: 'site.generate', params: { model: 'flux-pro' } })).cost).toBe(280);
    });
  });

  it('works on a single rate and on a metered rate, in its unit', async () => {
    const sut = await compileYaml({
      'plans.yaml': PLANS_YAML,
      'x.yaml': yaml(
        'actions:',
        '  chat.edit:',
        '    price: { rate: 0.5 cr/edit, plans: { premium: 0.25 cr, pro: 0.4 cr/edit } }',
        '  video.make:',
        '    params:',
        '      seconds: { type: integer, min: 1, max: 8, default: 8, unit: s }',
        '    price: { rate: 32 cr/sec, per: seconds, label: Video, plans: { premium: 30 cr } }',
      ),
    });
    const costs = async (action: string, params = {}) => Promise.all(['basic', 'pro', 'premium'].map(async (p) => (await both(sut, on(p), { action, params })).cost));
    expect(await costs('chat.edit')).toEqual([0.5, 0.4, 0.25]);
    expect(await costs('video.make', { seconds: 2 })).toEqual([64, 64, 60]);
    expect((await both(sut, on('premium'), { action: 'video.make', params: { seconds: 2 } })).breakdown[0].label).toBe('Video (Premium price) 30 cr/s × 2 s = 60');
  });

  describe('checks', () => {
    const check = (variant: string, requires = '') =>
      where(
        loadRuleSet(
          sources({
            'plans.yaml': PLANS_YAML,
            'x.yaml': yaml('actions:', '  image.gen:', ...(requires ? [`    requires: ${requires}`] : []), '    params:', '      model: { values: [a], default: a }', '    price:', '      by: model', '      variants:', `        a: ${variant}`),
          }),
        ).diagnostics,
      );

    it.each([
      ['a plan not on the ladder', '{ rate: 16 cr, plans: { premum: 15 cr } }', '', ['x.yaml:8:36: unknown-plan']],
      ['a price in another unit', '{ rate: 16 cr, plans: { premium: 15 cr/sec } }', '', ['x.yaml:8:36: mixed-units']],
      ['a negative price', '{ rate: 16 cr, plans: { premium: -1 cr } }', '', ['x.yaml:8:45: negative-rate']],
      ['a price for a plan the gate keeps out', '{ rate: 16 cr, plans: { basic: 15 cr } }', 'pro+', ['x.yaml:9:36: warning plan-price-gated']],
    ])('reports %s', (_what, variant, requires, want) => {
      expect(check(variant, requires)).toEqual(want);
    });

    it('reports an empty list of plan prices', () => {
      expect(check('{ rate: 16 cr, plans: {} }')).toContain('x.yaml:8:34: schema-empty');
    });
  });
});
