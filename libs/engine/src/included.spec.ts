import { loadRuleSet } from '@ratecard/dsl';
import { compileYaml, NOW } from '../../../test/support/rules';
import { sources, where, yaml } from '../../../test/support/yaml';
import { usageCounted, type CompiledRuleSet } from './compiled';
import { decide, decideByRules } from './decide';
import type { AccountState, Decision, DecisionRequest } from './decision';

const PLANS = yaml(
  'plans:',
  '  - id: basic',
  '    allowance: 1,500 cr',
  '    quotas: { site.make: 2 }',
  '    included: { site.make: 1 }',
  '  - id: pro',
  '    name: Pro',
  '    allowance: 5,000 cr',
  '    included:',
  '      prompt.enhance: 10',
  '      video.make: 2',
  '  - id: premium',
  '    allowance: 15,000 cr',
);
const ACTIONS = yaml(
  'actions:',
  '  prompt.enhance:',
  '    name: Prompt enhancement',
  '    price: 1 cr',
  '  video.make:',
  '    params:',
  '      seconds: { type: integer, min: 1, max: 8, default: 8, unit: s }',
  '    price: { rate: 32 cr/sec, per: seconds, label: Video }',
  '  site.make:',
  '    phases:',
  '      - action: prompt.enhance',
  '      - action: video.make',
  '        with: { seconds: 2 }',
  '  look:',
  '    free: always free',
);

async function both(compiled: CompiledRuleSet, account: AccountState, request: DecisionRequest): Promise<Decision> {
  const fast = decide(compiled, account, request, NOW);
  expect(await decideByRules(compiled, account, request, NOW)).toEqual(fast);
  return fast;
}

const pro = (used: number, balanceMc = 5_000_000): AccountState => ({ plan: 'pro', balanceMc, usage: { 'prompt.enhance': used } });

describe('included usage', () => {
  let sut: CompiledRuleSet;
  beforeAll(async () => {
    sut = await compileYaml({ 'plans.yaml': PLANS, 'x.yaml': ACTIONS });
  });

  it('makes the first N of a cycle cost nothing, then the normal price', async () => {
    const costs = [];
    for (const used of [0, 3, 9, 10, 11]) costs.push((await both(sut, pro(used), { action: 'prompt.enhance' })).cost);
    expect(costs).toEqual([0, 0, 0, 1, 1]);
  });

  it('shows the price and waives it on the receipt, which still adds up to the cost', async () => {
    const d = await both(sut, pro(3), { action: 'prompt.enhance' });
    expect(d).toMatchObject({ allowed: true, cost: 0, costMillicredits: 0, exempt: false, reasons: [] });
    expect(d.breakdown).toEqual([
      { label: 'Prompt enhancement 1 cr', credits: 1, rule: 'prompt.enhance/rate' },
      { label: 'included with Pro: 4 of 10 this cycle', credits: -1, rule: 'plans/pro/included/prompt.enhance' },
    ]);
  });

  it('is allowed with no credits left, because it costs nothing', async () => {
    expect(await both(sut, pro(0, 0), { action: 'prompt.enhance' })).toMatchObject({ allowed: true, cost: 0 });
    expect(await both(sut, pro(10, 0), { action: 'prompt.enhance' })).toMatchObject({ allowed: false, cost: 1, reasons: [expect.objectContaining({ code: 'INSUFFICIENT_CREDITS' })] });
  });

  it('waives a metered price whatever the quantity', async () => {
    const d = await both(sut, { plan: 'pro', balanceMc: 0, usage: { 'video.make': 1 } }, { action: 'video.make', params: { seconds: 5 } });
    expect(d.cost).toBe(0);
    expect(d.breakdown.map((b) => b.label)).toEqual(['Video 32 cr/s × 5 s = 160', 'included with Pro: 2 of 2 this cycle']);
  });

  it('belongs to the plan: other plans pay', async () => {
    expect((await both(sut, { plan: 'premium', balanceMc: 5_000_000, usage: {} }, { action: 'prompt.enhance' })).cost).toBe(1);
  });

  it('counts the action asked for, not the phases of a composite', async () => {
    // Pro includes prompt.enhance, but a site.make on Pro pays for its prompt.enhance phase.
    expect((await both(sut, { plan: 'pro', balanceMc: 5_000_000, usage: {} }, { action: 'site.make' })).cost).toBe(65);
    // Basic includes one site.make: the whole composite is free, and the quota still counts it.
    expect((await both(sut, { plan: 'basic', balanceMc: 0, usage: { 'site.make': 0 } }, { action: 'site.make' })).cost).toBe(0);
    expect(await both(sut, { plan: 'basic', balanceMc: 1_000_000, usage: { 'site.make': 1 } }, { action: 'site.make' })).toMatchObject({ allowed: true, cost: 65 });
    expect(await both(sut, { plan: 'basic', balanceMc: 1_000_000, usage: { 'site.make': 2 } }, { action: 'site.make' })).toMatchObject({ allowed: false, reasons: [expect.objectContaining({ code: 'QUOTA_EXCEEDED' })] });
  });

  it('never costs more than the same rules without it', async () => {
    const without = await compileYaml({ 'plans.yaml': PLANS.replace(/ {4}included:.*\n( {6}.*\n)*/g, '').replace(/ {4}included: \{.*\}\n/g, ''), 'x.yaml': ACTIONS });
    expect([...without.plans.values()].every((p) => p.included.size === 0)).toBe(true);
    for (const plan of ['basic', 'pro', 'premium']) {
      for (const action of ['prompt.enhance', 'video.make', 'site.make']) {
        for (let used = 0; used < 4; used++) {
          const account: AccountState = { plan, balanceMc: 10_000_000, usage: { [action]: used } };
          expect(decide(sut, account, { action }, NOW).costMillicredits).toBeLessThanOrEqual(decide(without, account, { action }, NOW).costMillicredits);
        }
      }
    }
  });
});

describe(usageCounted.name, () => {
  let sut: CompiledRuleSet;
  beforeAll(async () => {
    sut = await compileYaml({ 'plans.yaml': PLANS, 'x.yaml': ACTIONS });
  });

  it.each([
    ['basic', 'site.make', true], // quota and included
    ['pro', 'prompt.enhance', true], // included
    ['pro', 'video.make', true],
    ['pro', 'site.make', false],
    ['premium', 'prompt.enhance', false],
    ['basic', 'look', false],
    ['enterprise', 'site.make', false],
    ['basic', 'no.such', false],
  ])('on %s, %s is %p', (plan, action, want) => {
    expect(usageCounted(sut, plan, action)).toBe(want);
  });
});

describe('included usage: checks', () => {
  const check = (included: string) =>
    where(loadRuleSet(sources({ 'plans.yaml': yaml('plans:', '  - id: basic', '    allowance: 1 cr', '    quotas: { prompt.enhance: 3 }', `    included: ${included}`), 'x.yaml': ACTIONS })).diagnostics);

  it.each([
    ['an unknown action', '{ prompt.enhanse: 3 }', ['plans.yaml:5:17: unknown-action']],
    ['a free action', '{ look: 3 }', ['plans.yaml:5:17: included-on-free-action']],
    ['all the quota allows', '{ prompt.enhance: 3 }', ['plans.yaml:5:17: warning included-covers-quota']],
    ['zero', '{ prompt.enhance: 0 }', ['plans.yaml:5:33: schema-range']],
  ])('reports %s', (_what, included, want) => {
    expect(check(included)).toEqual(want);
  });
});
