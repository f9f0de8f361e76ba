import { loadRuleSet } from '@ratecard/dsl';
import { compileBundled } from '../../../../test/support/rules';
import { PLANS_YAML, sources, where, yaml } from '../../../../test/support/yaml';
import { compile, compileSources, MAX_CELLS_PER_ACTION } from './compile';

describe(compile.name, () => {
  it('compiles the bundled price list: every action, every plan, one version', async () => {
    const sut = await compileBundled();
    expect([...sut.plans.keys()]).toEqual(['basic', 'pro', 'premium']);
    expect(sut.actions.size).toBe(20);
    expect(sut.version).toMatch(/^[0-9a-f]{64}$/);
  });

  it('settles every combination of plan and finite parameters into a cell table', async () => {
    const sut = await compileBundled();
    const site = sut.actions.get('site.generate')!;
    // plan (3) × hero model (5) × hero resolution (3); the video phase is fixed by `with`.
    expect(site.dims.map((d) => [d.fact, d.values.length])).toEqual([
      ['plan', 3],
      ['model', 5],
      ['resolution', 3],
    ]);
    expect(site.cells).toHaveLength(45);
    // `seconds` is metered, not enumerated: it is checked and multiplied at decision time.
    expect(sut.actions.get('video.generate')!.otherParams.map((p) => p.name)).toEqual(['seconds']);
  });

  it('keeps the packs catalogue by id, in the order written', async () => {
    const { compiled, diagnostics } = await compileSources(
      sources({
        'plans.yaml': PLANS_YAML,
        'x.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr', 'packs:', '  - { id: boost-500, name: Boost 500, credits: 500 cr, valid: 90 days, price: USD 9.99 }', '  - { id: forever, credits: 50 cr, valid: never }'),
      }),
    );
    expect(diagnostics).toEqual([]);
    expect([...compiled!.packs.keys()]).toEqual(['boost-500', 'forever']);
    expect(compiled!.packs.get('boost-500')).toMatchObject({ name: 'Boost 500', creditsMc: 500_000, validDays: 90, price: { currency: 'USD', amountMinor: 999 } });
    expect(compiled!.packs.get('forever')).toMatchObject({ creditsMc: 50_000, validDays: null });
    expect((await compileBundled()).packs.size).toBe(0);
  });

  it('is immutable', async () => {
    const sut = await compileBundled();
    const image = sut.actions.get('image.generate')!;
    expect(Object.isFrozen(sut)).toBe(true);
    expect(Object.isFrozen(image)).toBe(true);
    expect(Object.isFrozen(image.cells)).toBe(true);
    expect(image.cells.every((c) => Object.isFrozen(c))).toBe(true);
  });

  it('reports action-unusable when every combination is denied on every plan', async () => {
    const { ruleset } = loadRuleSet(
      sources({
        'plans.yaml': PLANS_YAML,
        'x.yaml': yaml(
          'actions:',
          '  chat.edit:',
          '    price: 1 cr',
          '  never.ever:',
          '    price: 1 cr',
          '    conditions:',
          '      - id: nobody',
          '        when: { fact: plan, operator: planAtLeast, value: basic }',
          '        deny: { code: PLAN_REQUIRED, message: nobody may }',
        ),
      }),
    );
    const { compiled, diagnostics } = await compile(ruleset!);
    expect(compiled).toBeUndefined();
    expect(where(diagnostics)).toEqual(['x.yaml:4:3: action-unusable']);
    expect(diagnostics[0].message).toBe('no plan can ever use `never.ever`: every combination is denied or its quota is 0 on every plan');
  });

  it('reports action-unusable when the quota is 0 on every plan', async () => {
    const { compiled, diagnostics } = await compileSources(
      sources({
        'plans.yaml': yaml('plans:', '  - id: basic', '    allowance: 1 cr', '    quotas: { chat.edit: 0 }', '  - id: pro', '    allowance: 2 cr', '    quotas: { chat.edit: 0 }'),
        'x.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr'),
      }),
    );
    expect(compiled).toBeUndefined();
    expect(where(diagnostics)).toEqual(['x.yaml:2:3: action-unusable']);
  });

  it('accepts an action that only the top plan may use', async () => {
    const { compiled, diagnostics } = await compileSources(sources({ 'plans.yaml': PLANS_YAML, 'x.yaml': yaml('actions:', '  chat.edit:', '    requires: premium+', '    price: 1 cr') }));
    expect(diagnostics).toEqual([]);
    expect(compiled).toBeDefined();
  });

  it('reports too-many-combinations instead of settling a huge table', async () => {
    const { compiled, diagnostics } = await compileSources(
      sources({
        'plans.yaml': PLANS_YAML,
        'x.yaml': yaml(
          'actions:',
          '  big.one:',
          '    requires: pro+',
          '    params:',
          '      a: { type: integer, min: 1, max: 256, default: 1 }',
          '      b: { type: integer, min: 1, max: 256, default: 1 }',
          '    price: 1 cr',
          '    conditions:',
          '      - id: both-one',
          '        when: { all: [{ fact: a, operator: equal, value: 1 }, { fact: b, operator: equal, value: 1 }] }',
          '        add: 1 cr',
        ),
      }),
    );
    expect(compiled).toBeUndefined();
    expect(where(diagnostics)).toEqual(['x.yaml:2:3: too-many-combinations']);
    // plan (3) × a (256) × b (256)
    expect(diagnostics[0].message).toBe(`\`big.one\` has 196608 combinations of plan and parameters; at most ${MAX_CELLS_PER_ACTION} are settled per action`);
  });

  it('passes warnings of the loader through with the compiled rule set', async () => {
    const { compiled, diagnostics } = await compileSources(sources({ 'plans.yaml': PLANS_YAML, 'x.yaml': yaml('actions:', '  chat.edit:', '    requires: basic+', '    price: 1 cr') }));
    expect(compiled).toBeDefined();
    expect(where(diagnostics)).toEqual(['x.yaml:3:15: warning gate-has-no-effect']);
  });

  it('does not compile a rule set with load errors', async () => {
    const { compiled, diagnostics } = await compileSources(sources({ 'x.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr') }));
    expect(compiled).toBeUndefined();
    expect(where(diagnostics)).toEqual(['x.yaml:1:1: missing-plans']);
  });
});

describe('compile: conditions', () => {
  it('accepts a condition whose `when` is a single `{ fact, operator, value }`', async () => {
    const { compiled, diagnostics } = await compileSources(
      sources({
        'plans.yaml': PLANS_YAML,
        'x.yaml': yaml(
          'actions:',
          '  image.gen:',
          '    params:',
          '      size: { values: [s, m, l], default: s }',
          '    price: 10 cr',
          '    conditions:',
          '      - id: no-l',
          '        when: { fact: size, operator: equal, value: l }',
          '        deny: too large',
          '      - id: m-costs-more',
          '        when: { fact: size, operator: equal, value: m }',
          '        multiply: 1.5x',
          '      - id: pro-surcharge',
          '        when: { fact: plan, operator: planAtLeast, value: pro }',
          '        add: 1 cr',
        ),
      }),
    );
    expect(diagnostics).toEqual([]);
    const cells = compiled!.actions.get('image.gen')!.cells;
    // plan-major: basic s, m, l; pro s, m, l; premium s, m, l
    expect(cells.map((c) => [c.fixed!.mc, c.denials.map((d) => d.code)])).toEqual([
      [10_000, []],
      [15_000, []],
      [10_000, ['INVALID_PARAMS']],
      [11_000, []],
      [16_000, []],
      [11_000, ['INVALID_PARAMS']],
      [11_000, []],
      [16_000, []],
      [11_000, ['INVALID_PARAMS']],
    ]);
  });
});
