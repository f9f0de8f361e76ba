import { sources, where, yaml } from '../../../test/support/yaml';
import { loadRuleSet } from './load';

const withPlans = (...lines: string[]) => sources({ 'plans.yaml': yaml('plans:', ...lines), 'x.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr') });

describe('lowBalance thresholds on plans', () => {
  it('reads a list of thresholds: shares of the allowance in per-mille, credits in millicredits', () => {
    const { ruleset, diagnostics } = loadRuleSet(withPlans('  - id: basic', '    allowance: 1,500 cr', '    lowBalance: [20%, 2.5%, 50 cr, 12]', '  - id: pro', '    allowance: 5,000 cr', '    lowBalance: [10%]'));
    expect(diagnostics).toEqual([]);
    const [basic, pro] = ruleset!.plans;
    expect(basic.lowBalance!.map(({ at: _at, ...t }) => t)).toEqual([
      { kind: 'share', permille: 200 },
      { kind: 'share', permille: 25 },
      { kind: 'credits', mc: 50_000 },
      { kind: 'credits', mc: 12_000 },
    ]);
    expect(basic.lowBalance![1].at).toEqual(expect.objectContaining({ file: 'plans.yaml', line: 4, column: 23 }));
    expect(pro.lowBalance!.map((t) => t.kind === 'share' && t.permille)).toEqual([100]);
  });

  it('is absent when a plan sets none', () => {
    const { ruleset } = loadRuleSet(withPlans('  - id: basic', '    allowance: 1,500 cr'));
    expect('lowBalance' in ruleset!.plans[0]).toBe(false);
  });

  it.each([
    ['low-balance-never: a share of no allowance', ['  - id: free', '    allowance: 0 cr', '    lowBalance: [10%]'], ['plans.yaml:4:18: low-balance-never']],
    ['low-balance-never: zero credits', ['  - id: basic', '    allowance: 10 cr', '    lowBalance: [0 cr]'], ['plans.yaml:4:18: low-balance-never']],
    ['schema-format: over 100%', ['  - id: basic', '    allowance: 10 cr', '    lowBalance: [120%]'], ['plans.yaml:4:18: schema-format']],
    ['schema-format: a rate is not a threshold', ['  - id: basic', '    allowance: 10 cr', '    lowBalance: [5 cr/sec]'], ['plans.yaml:4:18: schema-format']],
    ['schema-type: one threshold, not a list', ['  - id: basic', '    allowance: 10 cr', '    lowBalance: 10%'], ['plans.yaml:4:17: schema-type']],
    ['schema-duplicate: the same threshold twice', ['  - id: basic', '    allowance: 10 cr', '    lowBalance: [10%, 10%]'], ['plans.yaml:4:17: schema-duplicate']],
    ['schema-format: negative credits', ['  - id: basic', '    allowance: 10 cr', '    lowBalance: [-5]'], ['plans.yaml:4:18: schema-format']],
  ])('%s', (_title, lines, want) => {
    const { diagnostics } = loadRuleSet(withPlans(...lines));
    expect(where(diagnostics)).toEqual(want);
  });
});
