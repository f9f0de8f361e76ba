import { compileBundled, compileYaml, NOW } from '../../../test/support/rules';
import { PLANS_YAML, yaml } from '../../../test/support/yaml';
import type { CompiledRuleSet } from './compiled';
import { decide, decideByRules } from './decide';
import type { AccountState, Decision, DecisionRequest } from './decision';

/** Decides by the fast path, checks that running the rules gives the same decision, and returns it. */
async function both(compiled: CompiledRuleSet, account: AccountState, request: DecisionRequest): Promise<Decision> {
  const fast = decide(compiled, account, request, NOW);
  expect(await decideByRules(compiled, account, request, NOW)).toEqual(fast);
  return fast;
}

const account = (plan: string, balance = 1_000_000, usage: Record<string, number> = {}): AccountState => ({ plan, balanceMc: balance * 1000, usage });
const codes = (d: Decision): string[] => d.reasons.map((r) => r.code);
const labels = (d: Decision): string[] => d.breakdown.map((b) => b.label);
const sumMc = (d: Decision): number => d.breakdown.reduce((s, b) => s + Math.round(b.credits * 1000), 0);

// Small amounts on purpose: they show where rounding happens.
const TINY = {
  'plans.yaml': PLANS_YAML.replace('    allowance: 1,500 cr\n', '    allowance: 1,500 cr\n    quotas: { site.make: 1 }\n'),
  'x.yaml': yaml(
    'actions:',
    '  doc.summarize:',
    '    params:',
    '      tokens: { type: integer, min: 0, max: 1000000 }',
    '    price: { rate: 0.003 cr/1k-tokens, per: tokens }',
    '  img.tiny:',
    '    params:',
    '      size: { values: [s, m], default: s }',
    '    price: 0.001 cr',
    '    multipliers:',
    '      - by: size',
    '        values: { m: 1.5x }',
    '  free.thing:',
    '    name: Free thing',
    '    free: costs nothing',
    '  site.make:',
    '    phases:',
    '      - label: Image',
    '        action: img.tiny',
    '        pass: [size]',
    '      - label: Summary',
    '        action: doc.summarize',
    '        with: { tokens: 2000 }',
    '      - action: free.thing',
    '    confirm: are you sure',
  ),
};

describe(decide.name, () => {
  let bundled: CompiledRuleSet;
  let tiny: CompiledRuleSet;
  beforeAll(async () => {
    bundled = await compileBundled();
    tiny = await compileYaml(TINY);
  });

  describe('prices', () => {
    it('keeps cost exact in credits: a chat edit is 0.5, or 500 millicredits', async () => {
      const sut = await both(bundled, account('basic'), { action: 'chat.edit' });
      expect(sut).toEqual({
        allowed: true,
        cost: 0.5,
        costMillicredits: 500,
        exempt: false,
        requiresConfirmation: false,
        reasons: [],
        breakdown: [{ label: 'Chat edit (surgical patch) 0.5 cr/edit', credits: 0.5, rule: 'chat.edit/rate' }],
        rulesetVersion: bundled.version,
      });
    });

    it('multiplies a per-second rate by the seconds requested, exactly', async () => {
      const sut = await both(bundled, account('basic'), { action: 'video.generate', params: { tier: 'relaxed', seconds: 3 } });
      // 18.75 cr/s × 3 s
      expect([sut.cost, sut.costMillicredits]).toEqual([56.25, 56_250]);
      expect(labels(sut)).toEqual(['Veo 3.1 Relaxed 18.75 cr/s × 3 s = 56.25']);
    });

    it('applies multipliers after the rate and names the rule of each receipt line', async () => {
      const sut = await both(bundled, account('premium'), { action: 'video.generate', params: { resolution: '4k', seconds: 2 } });
      // 32 × 2 = 64, ×4 = 256
      expect(sut.cost).toBe(256);
      expect(sut.breakdown).toEqual([
        { label: 'Veo 3.1 Standard 32 cr/s × 2 s = 64', credits: 64, rule: 'video.generate/variant/standard' },
        { label: '4K ×4 = 256', credits: 192, rule: 'video.generate/multiplier/resolution=4k' },
      ]);
    });

    it.each([
      [1, 1], // 0.003 cr × 1 / 1,000 = 0.003 mc, up to 1 mc
      [1001, 4], // 3.003 mc, up to 4 mc
      [1000, 3],
      [0, 0],
      [1_000_000, 3000],
    ])('rounds a metered amount up to a whole millicredit: %d tokens cost %d mc', async (tokens, mc) => {
      const sut = await both(tiny, account('basic'), { action: 'doc.summarize', params: { tokens } });
      expect(sut.costMillicredits).toBe(mc);
      expect(sut.cost).toBe(mc / 1000);
    });

    it('rounds a multiplied amount up to a whole millicredit', async () => {
      const sut = await both(tiny, account('basic'), { action: 'img.tiny', params: { size: 'm' } });
      // 1 mc × 1.5 = 1.5 mc, up to 2 mc
      expect(sut.costMillicredits).toBe(2);
      expect(labels(sut)).toEqual(['img.tiny 0.001 cr', 'size m ×1.5 = 0.002']);
      expect(sumMc(sut)).toBe(2);
    });

    it('prices a composite as the sum of its phases, with a receipt line per phase', async () => {
      const sut = await both(tiny, account('pro'), { action: 'site.make', params: { size: 'm' }, confirm: true });
      // image 2 mc + summary 0.003 × 2,000 / 1,000 = 6 mc + free 0
      expect(sut.costMillicredits).toBe(8);
      expect(labels(sut)).toEqual(['Image: img.tiny 0.001 cr', 'Image: size m ×1.5 = 0.002', 'Summary: doc.summarize 0.003 cr/1k tokens × 2,000 = 0.006', 'Free thing: free (costs nothing)']);
      expect(sumMc(sut)).toBe(8);
      expect(sut.exempt).toBe(false);
    });

    it('prices the bundled full site from its phases: 18 + 256 + 8 + 0', async () => {
      const sut = await both(bundled, account('basic'), { action: 'site.generate' });
      expect(sut.cost).toBe(282);
      expect(sut.breakdown.map((b) => b.credits)).toEqual([18, 256, 8, 0]);
    });

    it('makes a free action exempt, cost 0, allowed with no balance on every plan', async () => {
      for (const plan of ['basic', 'pro', 'premium']) {
        const sut = await both(bundled, account(plan, 0), { action: 'video.extract-frames' });
        expect(sut).toMatchObject({ allowed: true, cost: 0, costMillicredits: 0, exempt: true, reasons: [] });
        expect(sut.breakdown).toEqual([{ label: 'Frame extraction: free (runs in the browser)', credits: 0, rule: 'video.extract-frames/free' }]);
      }
    });

    it('does not depend on the decision time', () => {
      const request = { action: 'site.generate', params: { model: 'flux-pro' } };
      expect(decide(bundled, account('pro'), request, new Date('2020-01-01T00:00:00Z'))).toEqual(decide(bundled, account('pro'), request, new Date('2031-07-31T23:59:59Z')));
    });
  });

  describe('reasons', () => {
    it('UNKNOWN_ACTION: costs nothing and names the action', async () => {
      const sut = await both(bundled, account('premium'), { action: 'image.generat', params: { model: 'flux-pro' } });
      expect(sut).toEqual({
        allowed: false,
        cost: 0,
        costMillicredits: 0,
        exempt: false,
        requiresConfirmation: false,
        reasons: [{ code: 'UNKNOWN_ACTION', message: 'unknown action `image.generat`' }],
        breakdown: [],
        rulesetVersion: bundled.version,
        alternatives: [],
      });
    });

    it('INVALID_PARAMS: an unknown parameter, with the nearest known one', async () => {
      const sut = await both(bundled, account('premium'), { action: 'image.generate', params: { modle: 'flux-pro' } });
      expect(sut.reasons).toEqual([{ code: 'INVALID_PARAMS', message: 'unknown parameter `modle` for `image.generate`; did you mean `model`?' }]);
      expect([sut.allowed, sut.cost]).toEqual([false, 0]);
    });

    it('INVALID_PARAMS: a parameter to an action that takes none', async () => {
      const sut = await both(bundled, account('basic'), { action: 'chat.edit', params: { colour: 'red' } });
      expect(sut.reasons).toEqual([{ code: 'INVALID_PARAMS', message: 'unknown parameter `colour` for `chat.edit`; it takes no parameters' }]);
    });

    it('INVALID_PARAMS: values outside the declaration, every one reported', async () => {
      const sut = await both(bundled, account('premium'), { action: 'video.generate', params: { tier: 'turbo', seconds: 9 } });
      expect(sut.reasons.map((r) => r.message)).toEqual(['`tier`: `turbo` is not one of `standard`, `relaxed`, `hd`', '`seconds`: `9` is above the maximum 8']);
    });

    it('INVALID_PARAMS: a value of the wrong type', async () => {
      const sut = await both(bundled, account('premium'), { action: 'video.generate', params: { seconds: '8' } });
      expect(sut.reasons).toEqual([{ code: 'INVALID_PARAMS', message: '`seconds`: `8` is not a whole number' }]);
    });

    it('INVALID_PARAMS: a required parameter that is missing', async () => {
      const sut = await both(tiny, account('basic'), { action: 'doc.summarize' });
      expect(sut.reasons).toEqual([{ code: 'INVALID_PARAMS', message: 'missing required parameter `tokens`' }]);
    });

    it('INVALID_PARAMS: a deny condition, which still reports the price', async () => {
      const sut = await both(bundled, account('premium'), { action: 'video.generate', params: { tier: 'hd', resolution: '720p' } });
      expect(sut.reasons).toEqual([
        { code: 'INVALID_PARAMS', message: 'the HD tier renders at 1080p or above; use the standard tier for 720p', rule: 'video.generate/condition/hd-not-720p' },
      ]);
      expect(sut.cost).toBe(680);
    });

    it('PLAN_REQUIRED: a gate names the lowest plan allowed, and the price is still reported', async () => {
      const sut = await both(bundled, account('basic'), { action: 'business-os.chat' });
      expect(sut.reasons).toEqual([
        { code: 'PLAN_REQUIRED', message: '`business-os.chat` needs the Pro plan or higher', rule: 'business-os.chat/requires', requiredPlan: 'pro' },
      ]);
      expect([sut.allowed, sut.cost]).toEqual([false, 15]);
    });

    it('PLAN_REQUIRED: a variant gate and a multiplier gate are reported separately', async () => {
      const sut = await both(bundled, account('basic'), { action: 'image.generate', params: { model: 'flux-pro', resolution: '2k' } });
      expect(sut.reasons.map((r) => [r.code, r.requiredPlan, r.rule])).toEqual([
        ['PLAN_REQUIRED', 'pro', 'image.generate/variant/flux-pro'],
        ['PLAN_REQUIRED', 'premium', 'image.generate/multiplier/resolution=2k'],
      ]);
      expect(sut.cost).toBe(32);
    });

    it('PLAN_REQUIRED: a phase gate of a composite, prefixed with the phase', async () => {
      const sut = await both(bundled, account('pro'), { action: 'site.generate', params: { model: 'nano-banana-pro' } });
      expect(sut.reasons.map((r) => r.message)).toEqual(['Hero image: model `nano-banana-pro` needs the Premium plan or higher']);
      expect(sut.cost).toBe(284);
    });

    it('PLAN_REQUIRED: a plan that is not on the ladder', async () => {
      for (const action of ['chat.edit', 'image.generate', 'site.download']) {
        const sut = await both(bundled, account('enterprise'), { action });
        expect(sut.allowed).toBe(false);
        expect(sut.reasons).toContainEqual({ code: 'PLAN_REQUIRED', message: 'the account\'s plan `enterprise` is not on the plan ladder of this rule set' });
      }
    });

    it('QUOTA_EXCEEDED: once the cycle quota is used up, with the price', async () => {
      expect((await both(tiny, account('basic', 1_000, { 'site.make': 0 }), { action: 'site.make', confirm: true })).allowed).toBe(true);
      const sut = await both(tiny, account('basic', 1_000, { 'site.make': 1 }), { action: 'site.make', confirm: true });
      expect(sut.reasons).toEqual([{ code: 'QUOTA_EXCEEDED', message: 'the Basic plan allows 1 `site.make` per billing cycle and 1 was used', rule: 'plans/basic/quotas/site.make' }]);
      expect(sut.costMillicredits).toBe(7);
      expect((await both(tiny, account('pro', 1_000, { 'site.make': 9 }), { action: 'site.make', confirm: true })).allowed).toBe(true);
    });

    it('CONFIRMATION_REQUIRED: until the request is confirmed', async () => {
      const unconfirmed = await both(bundled, account('basic'), { action: 'site.regenerate' });
      expect(unconfirmed.reasons).toEqual([
        { code: 'CONFIRMATION_REQUIRED', message: 'this change cannot be made as a patch, so the whole site will be generated again', rule: 'site.regenerate/confirm' },
      ]);
      expect([unconfirmed.allowed, unconfirmed.requiresConfirmation, unconfirmed.cost]).toEqual([false, true, 282]);
      const confirmed = await both(bundled, account('basic'), { action: 'site.regenerate', confirm: true });
      expect([confirmed.allowed, confirmed.requiresConfirmation, confirmed.cost]).toEqual([true, true, 282]);
    });

    it('INSUFFICIENT_CREDITS: when the cost exceeds the balance, not when it equals it', async () => {
      const short = await both(bundled, { plan: 'basic', balanceMc: 17_500, usage: {} }, { action: 'image.generate' });
      expect(short.reasons).toEqual([{ code: 'INSUFFICIENT_CREDITS', message: 'costs 18 credits and the balance is 17.5' }]);
      expect(short.cost).toBe(18);
      expect((await both(bundled, { plan: 'basic', balanceMc: 18_000, usage: {} }, { action: 'image.generate' })).allowed).toBe(true);
    });

    it('reports every reason at once, in a stable order', async () => {
      const sut = await both(bundled, account('basic', 0, { 'site.generate': 2 }), { action: 'site.generate', params: { model: 'flux-pro' } });
      expect(codes(sut)).toEqual(['PLAN_REQUIRED', 'QUOTA_EXCEEDED', 'INSUFFICIENT_CREDITS']);
      const regen = await both(bundled, account('basic', 0), { action: 'site.regenerate', params: { resolution: '4k' } });
      expect(codes(regen)).toEqual(['PLAN_REQUIRED', 'CONFIRMATION_REQUIRED', 'INSUFFICIENT_CREDITS']);
    });
  });
});

describe('decide, fixes', () => {
  it('applies steps in declared order however many multipliers there are', async () => {
    const values = Array.from({ length: 12 }, (_, i) => `      p${i}: { values: [a, b], default: b }`);
    const multipliers = Array.from({ length: 12 }, (_, i) => [`      - by: p${i}`, '        values: { b: 2x }']).flat();
    const compiled = await compileYaml({
      'plans.yaml': PLANS_YAML,
      'x.yaml': yaml('actions:', '  many.steps:', '    params:', ...values, '    price: 1 cr', '    multipliers:', ...multipliers, '    conditions:', '      - id: plus-one', '        when: { fact: plan, operator: equal, value: basic }', '        add: 1 cr'),
    });
    const d = await both(compiled, account('basic'), { action: 'many.steps' });
    // 1 × 2^12 = 4096, then +1 (the condition comes after every multiplier)
    expect(d.cost).toBe(4097);
    expect(d.breakdown[d.breakdown.length - 1].label).toBe('plus-one +1 = 4,097');
  });

  it('marks receipt lines whose value the rules assume, and only those', async () => {
    const compiled = await compileBundled();
    const relaxed = decide(compiled, account('basic'), { action: 'video.generate', params: { tier: 'relaxed' } }, NOW);
    expect(relaxed.breakdown[0].assumption).toMatch(/18\.75 cr\/s/);
    const standard = decide(compiled, account('basic'), { action: 'video.generate' }, NOW);
    expect(standard.breakdown.every((b) => b.assumption === undefined)).toBe(true);
  });

  it('cannot price anything for a plan that is not on the ladder, gated or not', async () => {
    const compiled = await compileBundled();
    for (const action of ['chat.edit', 'business-os.chat']) {
      const d = await both(compiled, account('enterprise'), { action });
      expect([d.allowed, d.cost, d.breakdown, codes(d)]).toEqual([false, 0, [], ['PLAN_REQUIRED']]);
    }
  });
});

describe(decideByRules.name, () => {
  it('equals the fast path for every action, plan and combination of enumerated parameters of the bundled rules', async () => {
    const compiled = await compileBundled();
    let checked = 0;
    for (const [action, ca] of compiled.actions) {
      const dims = ca.dims.filter((d) => d.fact !== 'plan');
      const count = dims.reduce((n, d) => n * d.values.length, 1);
      for (const plan of [...compiled.plans.keys(), 'enterprise']) {
        for (let i = 0; i < count; i++) {
          const params: Record<string, unknown> = {};
          let rest = i;
          for (const d of dims) {
            params[d.fact] = d.values[rest % d.values.length];
            rest = Math.floor(rest / d.values.length);
          }
          const request = { action, params, confirm: i % 2 === 0 };
          const acct = { plan, balanceMc: 300_000, usage: { 'site.generate': i % 3 } };
          expect(await decideByRules(compiled, acct, request, NOW)).toEqual(decide(compiled, acct, request, NOW));
          checked++;
        }
      }
    }
    // image.generate 15 + image.edit 3 + video.generate 12 + site.generate 15 + site.regenerate 15, and one each for
    // the 15 actions whose price no parameter changes (image.upscale's factor is one price): on 4 plans.
    expect(checked).toBe((15 + 3 + 12 + 15 + 15 + 15) * 4);
  });
});
