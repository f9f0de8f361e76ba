import { loadCases } from '@ratecard/dsl';
import { compileBundled, compileYaml, NOW } from '../../../test/support/rules';
import { sources, yaml } from '../../../test/support/yaml';
import { runCases } from './cases';

const casesOf = (...lines: string[]) => {
  const { cases, diagnostics } = loadCases(sources({ 'rules/x.test.yaml': yaml('cases:', ...lines) }));
  expect(diagnostics).toEqual([]);
  return cases;
};

describe(runCases.name, () => {
  it('passes a case whose expectations all hold', async () => {
    const [sut] = runCases(await compileBundled(), casesOf('  - { note: n, plan: basic, action: image.generate, want: { allowed: true, cost: 18, reasons: [] } }'), NOW);
    expect(sut.pass).toBe(true);
    expect(sut.mismatches).toEqual([]);
    expect(sut.decision.cost).toBe(18);
  });

  it('reports each field that differs, as want and got', async () => {
    const [sut] = runCases(
      await compileBundled(),
      casesOf(
        '  - note: wrong on every count',
        '    plan: basic',
        '    action: chat.edit',
        '    want:',
        '      allowed: false',
        '      cost: 1',
        '      exempt: true',
        '      requiresConfirmation: true',
        '      reasons: [QUOTA_EXCEEDED]',
        '      breakdown: [Chat edit 1 cr]',
      ),
      NOW,
    );
    expect(sut.pass).toBe(false);
    expect(sut.mismatches).toEqual([
      { field: 'allowed', want: 'false', got: 'true' },
      { field: 'cost', want: '1', got: '0.5' },
      { field: 'exempt', want: 'true', got: 'false' },
      { field: 'requiresConfirmation', want: 'true', got: 'false' },
      { field: 'reasons', want: 'QUOTA_EXCEEDED', got: '(none)' },
      { field: 'breakdown', want: '\n      Chat edit 1 cr', got: '\n      Chat edit (surgical patch) 0.5 cr/edit' },
    ]);
    expect(sut.case.at).toEqual({ file: 'rules/x.test.yaml', line: 2, column: 5, path: 'cases[0]' });
  });

  it('compares reasons as a set of codes', async () => {
    const results = runCases(
      await compileBundled(),
      casesOf(
        '  - { note: order does not matter, plan: basic, balance: 0, used: { site.generate: 2 }, action: site.generate, params: { model: flux-pro }, want: { reasons: [INSUFFICIENT_CREDITS, PLAN_REQUIRED, QUOTA_EXCEEDED] } }',
        '  - { note: a missing code fails, plan: basic, balance: 0, action: site.generate, params: { model: flux-pro }, want: { reasons: [PLAN_REQUIRED] } }',
      ),
      NOW,
    );
    expect(results.map((r) => r.pass)).toEqual([true, false]);
    expect(results[1].mismatches).toEqual([{ field: 'reasons', want: 'PLAN_REQUIRED', got: 'INSUFFICIENT_CREDITS, PLAN_REQUIRED' }]);
  });

  it("gives the account the plan's allowance unless the case sets a balance; an unknown plan cannot be priced", async () => {
    const compiled = await compileYaml({
      'plans.yaml': yaml('plans:', '  - { id: basic, allowance: 1 cr }'),
      'x.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr'),
    });
    const results = runCases(
      compiled,
      casesOf(
        '  - { note: the allowance pays, plan: basic, action: chat.edit, want: { allowed: true } }',
        '  - { note: a set balance counts, plan: basic, balance: 0.999, action: chat.edit, want: { reasons: [INSUFFICIENT_CREDITS] } }',
        '  - { note: unknown plan, plan: gold, action: chat.edit, want: { reasons: [PLAN_REQUIRED], cost: 0 } }',
      ),
      NOW,
    );
    expect(results.map((r) => [r.pass, r.mismatches])).toEqual([
      [true, []],
      [true, []],
      [true, []],
    ]);
  });

  it('decides each case at its `at:` time, the others at the time given', async () => {
    const compiled = await compileYaml({
      'plans.yaml': yaml('plans:', '  - { id: basic, allowance: 100 cr }'),
      'x.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr', 'promotions:', '  - { id: half, from: 2026-12-01, until: 2027-01-01, actions: [chat.edit], discount: 50% }'),
    });
    const results = runCases(
      compiled,
      casesOf(
        '  - { note: in the sale, plan: basic, at: 2026-12-31T23:59:59Z, action: chat.edit, want: { cost: 0.5 } }',
        '  - { note: after it, plan: basic, at: 2027-01-01, action: chat.edit, want: { cost: 1 } }',
        '  - { note: when the cases run, plan: basic, action: chat.edit, want: { cost: 0.5 } }',
      ),
      new Date('2026-12-10T00:00:00Z'),
    );
    expect(results.map((r) => [r.pass, r.mismatches])).toEqual([
      [true, []],
      [true, []],
      [true, []],
    ]);
  });

  it('compares the alternatives a case names, each on the fields it gives', async () => {
    const results = runCases(
      await compileBundled(),
      casesOf(
        '  - note: 4K Seedream on Pro',
        '    plan: pro',
        '    action: image.generate',
        '    params: { resolution: 4k }',
        '    want:',
        '      alternatives:',
        '        - { reason: PLAN_REQUIRED, params: { resolution: 1k }, cost: 18 }',
        '        - { plan: premium, cost: 36 }',
        '  - note: wrong',
        '    plan: pro',
        '    action: image.generate',
        '    params: { resolution: 4k }',
        '    want:',
        '      alternatives:',
        '        - { params: { resolution: 2k }, cost: 18 }',
        '        - { plan: premium, kind: wait }',
        '  - note: too few',
        '    plan: basic',
        '    cycleEnd: 2026-04-01',
        '    used: { site.generate: 2 }',
        '    action: site.generate',
        '    want: { alternatives: [] }',
      ),
      NOW,
    );
    expect(results.map((r) => r.pass)).toEqual([true, false, false]);
    expect(results[1].mismatches).toEqual([
      {
        field: 'alternatives',
        want: '\n      {"params":{"resolution":"2k"},"cost":18}\n      {"kind":"wait","plan":"premium"}',
        got: '\n      {"params":{"resolution":"1k"},"cost":18}\n      {"kind":"upgrade","plan":"premium"}',
      },
    ]);
    expect(results[2].mismatches).toEqual([
      { field: 'alternatives', want: ' (none)', got: '\n      {"reason":"QUOTA_EXCEEDED","kind":"wait","resetsAt":"2026-04-01T00:00:00.000Z","message":"the quota resets at the next billing date, 2026-04-01T00:00:00.000Z"}' },
    ]);
  });
});
