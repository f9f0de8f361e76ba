import { compileFiles, compileYaml } from '../../../test/support/rules';
import { issueRuleFiles } from '../../../test/support/v2-rules';
import { PLANS_YAML, yaml } from '../../../test/support/yaml';
import type { CompiledRuleSet } from './compiled';
import { decide, decideByRules } from './decide';
import type { AccountState, Decision, DecisionRequest } from './decision';

async function both(compiled: CompiledRuleSet, account: AccountState, request: DecisionRequest, at: string): Promise<Decision> {
  const now = new Date(at);
  const fast = decide(compiled, account, request, now);
  expect(await decideByRules(compiled, account, request, now)).toEqual(fast);
  return fast;
}
const on = (plan: string): AccountState => ({ plan, balanceMc: 100_000_000, usage: {} });
const video8s = { action: 'video.generate', params: { seconds: 8 } };

describe('promotions', () => {
  describe('the issue snippet in a copy of rules/', () => {
    let sut: CompiledRuleSet;
    beforeAll(async () => {
      sut = await compileFiles(issueRuleFiles());
    });

    it('prices 8 s of standard video at 128 on 2026-12-15 and 256 on 2027-01-01', async () => {
      expect((await both(sut, on('basic'), video8s, '2026-12-15T00:00:00Z')).cost).toBe(128);
      expect((await both(sut, on('basic'), video8s, '2027-01-01T00:00:00Z')).cost).toBe(256);
    });

    it('starts at `from` (inclusive) and ends at `until` (exclusive), to the millisecond', async () => {
      const at = async (t: string) => (await both(sut, on('pro'), video8s, t)).cost;
      expect(await at('2026-11-30T23:59:59.999Z')).toBe(256);
      expect(await at('2026-12-01T00:00:00.000Z')).toBe(128);
      expect(await at('2026-12-31T23:59:59.999Z')).toBe(128);
      expect(await at('2027-01-01T00:00:00.000Z')).toBe(256);
    });

    it('shows the sale on the receipt, before the multipliers', async () => {
      const d = await both(sut, on('premium'), { action: 'video.generate', params: { resolution: '2k' } }, '2026-12-15T00:00:00Z');
      expect(d.cost).toBe(256);
      expect(d.breakdown).toEqual([
        { label: 'Veo 3.1 Standard 32 cr/s × 8 s = 256', credits: 256, rule: 'video.generate/variant/standard' },
        { label: 'December video sale -50% = 128', credits: -128, rule: 'promotions/december-video' },
        { label: '2K ×2 = 256', credits: 128, rule: 'video.generate/multiplier/resolution=2k' },
      ]);
    });

    it('applies to every tier and plan it does not exclude, and to composites through their phases', async () => {
      expect((await both(sut, on('premium'), { action: 'video.generate', params: { tier: 'hd' } }, '2026-12-15T00:00:00Z')).cost).toBe(340);
      expect((await both(sut, on('basic'), { action: 'video.generate', params: { tier: 'relaxed' } }, '2026-12-15T00:00:00Z')).cost).toBe(75);
      // A site: 18 + 256 / 2 + 8 + 0
      expect((await both(sut, on('basic'), { action: 'site.generate' }, '2026-12-15T00:00:00Z')).cost).toBe(154);
      expect((await both(sut, on('basic'), { action: 'site.regenerate', confirm: true }, '2026-12-15T00:00:00Z')).cost).toBe(154);
      expect((await both(sut, on('basic'), { action: 'site.generate' }, '2027-01-01T00:00:00Z')).cost).toBe(282);
    });

    it('leaves other actions alone', async () => {
      expect((await both(sut, on('pro'), { action: 'video.extend' }, '2026-12-15T00:00:00Z')).cost).toBe(60);
      expect(sut.actions.get('video.extend')!.timeline).toBeUndefined();
      expect(sut.actions.get('image.generate')!.timeline).toBeUndefined();
    });

    it('knows every instant where a price changes, and keeps the regular prices as the cells', () => {
      expect(sut.priceChanges.map((t) => new Date(t).toISOString())).toEqual(['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
      const video = sut.actions.get('video.generate')!;
      expect(video.timeline!.starts).toEqual(sut.priceChanges);
      // Before and after the sale price alike: one cell array for both.
      expect(video.timeline!.segments).toHaveLength(3);
      expect(video.timeline!.segments[0]).toBe(video.cells);
      expect(video.timeline!.segments[2]).toBe(video.cells);
      expect(video.timeline!.segments[1]).not.toBe(video.cells);
      expect(sut.actions.get('site.generate')!.timeline!.starts).toEqual(sut.priceChanges);
    });

    it('treats an invalid date as before every change', async () => {
      expect((await both(sut, on('basic'), video8s, 'not a date')).cost).toBe(256);
    });
  });

  describe('what a PM can write', () => {
    let sut: CompiledRuleSet;
    beforeAll(async () => {
      sut = await compileYaml({
        'plans.yaml': PLANS_YAML,
        'x.yaml': yaml(
          'actions:',
          '  image.generate:',
          '    name: Image',
          '    params:',
          '      model: { values: [seedream, flux], default: seedream }',
          '    price:',
          '      by: model',
          '      variants:',
          '        seedream: { rate: 18 cr, label: Seedream }',
          '        flux: { rate: 16 cr, label: Flux, plans: { premium: 15 cr } }',
          '  chat.edit:',
          '    price: 0.5 cr/edit',
          'promotions:',
          '  - id: flux-week',
          '    label: Flux week',
          '    from: 2026-06-01T09:00Z',
          '    until: 2026-06-08T09:00Z',
          '    actions: [image.generate]',
          '    variants: [flux]',
          '    rate: 10 cr',
          '  - id: pro-chat',
          '    label: Chat for Pro and up',
          '    from: 2026-06-01',
          '    until: 2026-07-01',
          '    actions: [chat.edit]',
          '    plans: pro+',
          '    discount: 12.5%',
          '  - id: basic-seedream',
          '    label: Seedream on Basic',
          '    from: 2026-06-05',
          '    until: 2026-06-06',
          '    actions: [image.generate]',
          '    variants: [seedream]',
          '    plans: [basic]',
          '    discount: 100%',
        ),
      });
    });
    const june = '2026-06-05T12:00:00Z';

    it('a sale rate for one variant, below every plan price', async () => {
      const d = await both(sut, on('premium'), { action: 'image.generate', params: { model: 'flux' } }, june);
      expect(d.cost).toBe(10);
      expect(d.breakdown).toEqual([{ label: 'Flux (Flux week) 10 cr', credits: 10, rule: 'promotions/flux-week' }]);
      expect((await both(sut, on('basic'), { action: 'image.generate', params: { model: 'seedream' } }, '2026-06-04T12:00:00Z')).cost).toBe(18);
      expect((await both(sut, on('premium'), { action: 'image.generate', params: { model: 'flux' } }, '2026-06-08T09:00:00Z')).cost).toBe(15);
      expect((await both(sut, on('premium'), { action: 'image.generate', params: { model: 'flux' } }, '2026-06-08T08:59:59.999Z')).cost).toBe(10);
    });

    it('a percentage for some plans, exact in millicredits', async () => {
      expect((await both(sut, on('basic'), { action: 'chat.edit' }, june)).costMillicredits).toBe(500);
      const pro = await both(sut, on('pro'), { action: 'chat.edit' }, june);
      expect(pro.costMillicredits).toBe(438); // 500 × 0.875 = 437.5, rounded up to a millicredit
      expect(pro.breakdown.map((b) => b.label)).toEqual(['chat.edit 0.5 cr/edit', 'Chat for Pro and up -12.5% = 0.438']);
    });

    it('free for one day, on one plan, for one variant; promotions of other variants at the same time do not stack with it', async () => {
      expect((await both(sut, on('basic'), { action: 'image.generate' }, june)).cost).toBe(0);
      expect((await both(sut, on('pro'), { action: 'image.generate' }, june)).cost).toBe(18);
      expect((await both(sut, on('basic'), { action: 'image.generate', params: { model: 'flux' } }, june)).cost).toBe(10);
    });

    it('cuts time at every start and end', () => {
      expect(sut.priceChanges.map((t) => new Date(t).toISOString())).toEqual([
        '2026-06-01T00:00:00.000Z',
        '2026-06-01T09:00:00.000Z',
        '2026-06-05T00:00:00.000Z',
        '2026-06-06T00:00:00.000Z',
        '2026-06-08T09:00:00.000Z',
        '2026-07-01T00:00:00.000Z',
      ]);
      expect(sut.actions.get('image.generate')!.timeline!.starts).toHaveLength(4);
      expect(sut.actions.get('chat.edit')!.timeline!.starts).toHaveLength(2);
    });
  });
});
