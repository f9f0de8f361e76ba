import { compileBundled, compileFiles, compileYaml, NOW } from '../../../test/support/rules';
import { issueRuleFiles } from '../../../test/support/v2-rules';
import { PLANS_YAML, yaml } from '../../../test/support/yaml';
import type { CompiledRuleSet } from './compiled';
import { decide, decideByRules } from './decide';
import type { AccountState, Decision, DecisionRequest } from './decision';

async function both(compiled: CompiledRuleSet, account: AccountState, request: DecisionRequest): Promise<Decision> {
  const fast = decide(compiled, account, request, NOW);
  expect(await decideByRules(compiled, account, request, NOW)).toEqual(fast);
  return fast;
}
const on = (plan: string, balanceMc = 100_000_000, extra: Partial<AccountState> = {}): AccountState => ({ plan, balanceMc, usage: {}, ...extra });

describe('alternatives on denials', () => {
  let bundled: CompiledRuleSet;
  let issue: CompiledRuleSet;
  beforeAll(async () => {
    bundled = await compileBundled();
    issue = await compileFiles(issueRuleFiles());
  });

  describe('PLAN_REQUIRED', () => {
    it('4K Seedream on Pro: resolution 1k at 18 cr, or Premium at 36 cr as asked', async () => {
      const d = await both(bundled, on('pro'), { action: 'image.generate', params: { resolution: '4k' } });
      expect(d.alternatives).toEqual([
        { reason: 'PLAN_REQUIRED', kind: 'change-params', params: { resolution: '1k' }, cost: 18, costMillicredits: 18_000, message: 'resolution `1k` instead: 18 cr on Pro' },
        { reason: 'PLAN_REQUIRED', kind: 'upgrade', plan: 'premium', cost: 36, costMillicredits: 36_000, message: 'upgrade to Premium: 36 cr as asked' },
      ]);
    });

    it('changes as few parameters as possible, then picks the cheapest', async () => {
      // Flux Pro on Basic: one change (the model); Gemini 2.5 Flash is the cheapest model Basic may use.
      expect((await both(bundled, on('basic'), { action: 'image.generate', params: { model: 'flux-pro' } })).alternatives).toEqual([
        expect.objectContaining({ kind: 'change-params', params: { model: 'gemini-2.5-flash' }, cost: 8 }),
        expect.objectContaining({ kind: 'upgrade', plan: 'pro', cost: 16 }),
      ]);
      // 4K Nano Banana Pro on Pro: no single change is allowed on Pro, two are.
      expect((await both(bundled, on('pro'), { action: 'image.generate', params: { model: 'nano-banana-pro', resolution: '4k' } })).alternatives).toEqual([
        expect.objectContaining({ kind: 'change-params', params: { model: 'gemini-2.5-flash', resolution: '1k' }, cost: 8, message: 'model `gemini-2.5-flash` and resolution `1k` instead: 8 cr on Pro' }),
        expect.objectContaining({ kind: 'upgrade', plan: 'premium', cost: 40 }),
      ]);
    });

    it('offers only the upgrade when no parameter helps', async () => {
      expect((await both(bundled, on('basic'), { action: 'business-os.chat' })).alternatives).toEqual([
        { reason: 'PLAN_REQUIRED', kind: 'upgrade', plan: 'pro', cost: 15, costMillicredits: 15_000, message: 'upgrade to Pro: 15 cr as asked' },
      ]);
    });

    it('offers no upgrade when no plan allows the request as asked', async () => {
      // HD needs Premium, and no plan may have HD at 720p.
      const d = await both(bundled, on('basic'), { action: 'video.generate', params: { tier: 'hd', resolution: '720p', seconds: 2 } });
      expect(d.reasons.map((r) => r.code)).toEqual(['PLAN_REQUIRED', 'INVALID_PARAMS']);
      expect(d.alternatives).toEqual([expect.objectContaining({ kind: 'change-params', params: { tier: 'relaxed' }, cost: 37.5 })]);
    });

    it('prices metered alternatives at the quantity asked for', async () => {
      expect((await both(bundled, on('pro'), { action: 'video.generate', params: { tier: 'hd', seconds: 2 } })).alternatives).toEqual([
        expect.objectContaining({ kind: 'change-params', params: { tier: 'relaxed' }, cost: 37.5 }),
        expect.objectContaining({ kind: 'upgrade', plan: 'premium', cost: 170 }),
      ]);
    });

    it('works through composites: a Flux Pro hero on Basic', async () => {
      expect((await both(bundled, on('basic'), { action: 'site.generate', params: { model: 'flux-pro' } })).alternatives).toEqual([
        expect.objectContaining({ kind: 'change-params', params: { model: 'gemini-2.5-flash' }, cost: 272 }),
        expect.objectContaining({ kind: 'upgrade', plan: 'pro', cost: 280 }),
      ]);
    });

    it('uses the price on the plan offered, and the prices of the time asked', async () => {
      // 2K Flux Pro on Pro: Premium pays its own price for Flux Pro, 15 × 2.
      expect((await both(issue, on('pro'), { action: 'image.generate', params: { model: 'flux-pro', resolution: '2k' } })).alternatives).toEqual([
        expect.objectContaining({ kind: 'change-params', params: { resolution: '1k' }, cost: 16 }),
        expect.objectContaining({ kind: 'upgrade', plan: 'premium', cost: 30 }),
      ]);
      const december = new Date('2026-12-15T00:00:00Z');
      const d = decide(issue, on('pro'), { action: 'video.generate', params: { tier: 'hd', seconds: 2 } }, december);
      expect(await decideByRules(issue, on('pro'), { action: 'video.generate', params: { tier: 'hd', seconds: 2 } }, december)).toEqual(d);
      expect(d.alternatives).toEqual([expect.objectContaining({ params: { tier: 'relaxed' }, cost: 18.75 }), expect.objectContaining({ plan: 'premium', cost: 85 })]);
    });

    it('skips a plan whose quota for the action is 0', async () => {
      const sut = await compileYaml({
        'plans.yaml': PLANS_YAML.replace('    allowance: 5,000 cr\n', '    allowance: 5,000 cr\n    quotas: { chat.big: 0 }\n'),
        'x.yaml': yaml('actions:', '  chat.big:', '    requires: pro+', '    price: 3 cr'),
      });
      expect((await both(sut, on('basic'), { action: 'chat.big' })).alternatives).toEqual([expect.objectContaining({ kind: 'upgrade', plan: 'premium' })]);
    });
  });

  describe('INSUFFICIENT_CREDITS', () => {
    it('says how much is missing and the smallest pack that covers it', async () => {
      expect((await both(issue, on('basic', 10_000), { action: 'image.generate' })).alternatives).toEqual([
        { reason: 'INSUFFICIENT_CREDITS', kind: 'top-up', shortfall: 8, shortfallMillicredits: 8_000, pack: 'boost-500', message: '8 cr short: buy Boost 500 (500 cr, USD 9.99)' },
      ]);
    });

    it('picks the smallest pack that covers the shortfall, and none when none does', async () => {
      const sut = await compileYaml({
        'plans.yaml': PLANS_YAML,
        'x.yaml': yaml('actions:', '  video.make:', '    params:', '      seconds: { type: integer, min: 1, max: 100, default: 1 }', '    price: { rate: 10 cr/sec, per: seconds }'),
        'packs.yaml': yaml('packs:', '  - { id: big, credits: 500 cr, valid: never }', '  - { id: small, credits: 100 cr, valid: 30 days }', '  - { id: small-too, credits: 100 cr, valid: never }'),
      });
      const pack = async (seconds: number) => (await both(sut, on('basic', 0), { action: 'video.make', params: { seconds } })).alternatives;
      expect(await pack(10)).toEqual([expect.objectContaining({ shortfall: 100, pack: 'small' })]);
      expect(await pack(11)).toEqual([expect.objectContaining({ shortfall: 110, pack: 'big' })]);
      expect(await pack(51)).toEqual([{ reason: 'INSUFFICIENT_CREDITS', kind: 'top-up', shortfall: 510, shortfallMillicredits: 510_000, message: '510 cr short' }]);
    });

    it('has no pack when the rules sell none', async () => {
      expect((await both(bundled, on('basic', 17_500), { action: 'image.generate' })).alternatives).toEqual([
        { reason: 'INSUFFICIENT_CREDITS', kind: 'top-up', shortfall: 0.5, shortfallMillicredits: 500, message: '0.5 cr short' },
      ]);
    });
  });

  describe('QUOTA_EXCEEDED', () => {
    it('says when the quota resets: the next billing date', async () => {
      const d = await both(bundled, on('basic', 1_500_000, { usage: { 'site.generate': 2 }, cycleEnd: new Date('2026-04-01T00:00:00Z') }), { action: 'site.generate' });
      expect(d.alternatives).toEqual([{ reason: 'QUOTA_EXCEEDED', kind: 'wait', resetsAt: '2026-04-01T00:00:00.000Z', message: 'the quota resets at the next billing date, 2026-04-01T00:00:00.000Z' }]);
    });

    it('says it resets at the next billing date when the caller did not give the date', async () => {
      const d = await both(bundled, on('basic', 1_500_000, { usage: { 'site.generate': 2 } }), { action: 'site.generate' });
      expect(d.alternatives).toEqual([{ reason: 'QUOTA_EXCEEDED', kind: 'wait', message: 'the quota resets at the next billing date' }]);
    });
  });

  it('answers every reason, in the order of the reasons, once each', async () => {
    const d = await both(issue, on('basic', 100_000, { usage: { 'site.generate': 2 }, cycleEnd: new Date('2026-04-01T00:00:00Z') }), { action: 'site.regenerate', params: { model: 'flux-pro' } });
    expect(d.reasons.map((r) => r.code)).toEqual(['PLAN_REQUIRED', 'CONFIRMATION_REQUIRED', 'INSUFFICIENT_CREDITS']);
    expect(d.alternatives!.map((a) => [a.reason, a.kind])).toEqual([
      ['PLAN_REQUIRED', 'change-params'],
      ['PLAN_REQUIRED', 'upgrade'],
      ['CONFIRMATION_REQUIRED', 'confirm'],
      ['INSUFFICIENT_CREDITS', 'top-up'],
    ]);
    expect(d.alternatives![2]).toEqual({ reason: 'CONFIRMATION_REQUIRED', kind: 'confirm', message: 'send the same request with `confirm: true`' });
  });

  it('is absent on an allowed decision and empty when nothing helps', async () => {
    expect('alternatives' in (await both(bundled, on('basic'), { action: 'chat.edit' }))).toBe(false);
    expect((await both(bundled, on('basic'), { action: 'chat.edit', params: { color: 'red' } })).alternatives).toEqual([]);
    expect((await both(bundled, on('gold'), { action: 'chat.edit' })).alternatives).toEqual([]);
  });
});
