import { sources, where, yaml } from '../../../test/support/yaml';
import { loadCases } from './cases';

describe(loadCases.name, () => {
  it('reads a case with every field, amounts in millicredits', () => {
    const { cases, diagnostics } = loadCases(
      sources({
        'rules/a.test.yaml': yaml(
          'cases:',
          '  - note: a chat edit',
          '    plan: basic',
          '    balance: 1,500 cr',
          '    used: { site.generate: 2 }',
          '    action: chat.edit',
          '    params: { size: 2, mode: fast, dry: true }',
          '    confirm: true',
          '    want:',
          '      allowed: true',
          '      cost: 0.5',
          '      exempt: false',
          '      requiresConfirmation: false',
          '      reasons: []',
          '      breakdown: [Chat edit 0.5 cr/edit]',
        ),
      }),
    );
    expect(diagnostics).toEqual([]);
    expect(cases).toEqual([
      {
        note: 'a chat edit',
        plan: 'basic',
        balanceMc: 1_500_000,
        used: { 'site.generate': 2 },
        action: 'chat.edit',
        params: { size: 2, mode: 'fast', dry: true },
        confirm: true,
        want: { allowed: true, costMc: 500, exempt: false, requiresConfirmation: false, reasons: [], breakdown: ['Chat edit 0.5 cr/edit'] },
        at: { file: 'rules/a.test.yaml', line: 2, column: 5, path: 'cases[0]' },
      },
    ]);
  });

  it('leaves out what a case does not give: no balance, no usage, no params, not confirmed', () => {
    const { cases } = loadCases(sources({ 'a.test.yaml': yaml('cases:', '  - { note: n, plan: pro, action: x.y, want: { cost: 18.75 } }') }));
    expect(cases[0]).toMatchObject({ used: {}, params: {}, confirm: false, want: { costMc: 18_750 } });
    expect(cases[0]).not.toHaveProperty('balanceMc');
  });

  it('reads a balance of 0 as 0, not as the default', () => {
    const { cases } = loadCases(sources({ 'a.test.yaml': yaml('cases:', '  - { note: n, plan: pro, balance: 0, action: x.y, want: { allowed: true } }') }));
    expect(cases[0].balanceMc).toBe(0);
  });

  it('reads only case files', () => {
    const { cases, diagnostics } = loadCases(sources({ 'plans.yaml': 'plans: [', 'b.test.yml': yaml('cases:', '  - { note: n, plan: pro, action: x.y, want: { allowed: true } }') }));
    expect(diagnostics).toEqual([]);
    expect(cases).toHaveLength(1);
  });

  it('reports schema violations of a case file with their location and skips the file', () => {
    const { cases, diagnostics } = loadCases(
      sources({
        'a.test.yaml': yaml('cases:', '  - note: n', '    plan: pro', '    action: x.y', '    want: {}', '  - note: m', '    plan: pro', '    acton: x.y', '    want: { reasons: [NOPE] }'),
      }),
    );
    expect(cases).toEqual([]);
    expect(where(diagnostics)).toEqual(['a.test.yaml:5:11: schema-empty', 'a.test.yaml:6:5: schema-required', 'a.test.yaml:8:5: schema-unknown-field', 'a.test.yaml:9:23: schema-enum']);
  });

  it('reports YAML errors of a case file', () => {
    const { diagnostics } = loadCases(sources({ 'a.test.yaml': yaml('cases:', '  - note: n', '    note: m') }));
    expect(where(diagnostics)).toEqual(['a.test.yaml:3:5: duplicate-key']);
  });

  it('rejects an expected cost or balance finer than a millicredit instead of ignoring it', () => {
    const { cases, diagnostics } = loadCases(
      sources({
        'a.test.yaml': yaml(
          'cases:',
          '  - { note: n, plan: pro, action: chat.edit, want: { cost: 0.0005 } }',
          '  - { note: m, plan: pro, balance: 0.0001, action: chat.edit, want: { allowed: true } }',
        ),
      }),
    );
    expect(where(diagnostics)).toEqual(['a.test.yaml:2:60: invalid-amount', 'a.test.yaml:3:36: invalid-amount']);
    expect(cases).toEqual([]);
  });

  it('reads the decision time, the next billing date and expected alternatives', () => {
    const { cases, diagnostics } = loadCases(
      sources({
        'a.test.yaml': yaml(
          'cases:',
          '  - note: n',
          '    plan: pro',
          '    at: 2026-12-15T09:30Z',
          '    cycleEnd: 2027-01-01',
          '    action: x.y',
          '    want:',
          '      alternatives:',
          '        - { reason: PLAN_REQUIRED, kind: change-params, params: { resolution: 1k }, cost: 18 }',
          '        - { plan: premium, cost: 36.5 }',
          '        - { shortfall: 0.5, pack: boost-500 }',
          '        - { resetsAt: 2027-01-01, message: soon }',
        ),
      }),
    );
    expect(diagnostics).toEqual([]);
    expect(cases[0]).toMatchObject({
      now: new Date('2026-12-15T09:30:00Z'),
      cycleEnd: new Date('2027-01-01T00:00:00Z'),
      want: {
        alternatives: [
          { reason: 'PLAN_REQUIRED', kind: 'change-params', params: { resolution: '1k' }, costMc: 18_000 },
          { plan: 'premium', costMc: 36_500 },
          { shortfallMc: 500, pack: 'boost-500' },
          { resetsAt: '2027-01-01T00:00:00.000Z', message: 'soon' },
        ],
      },
    });
  });

  it('reports a time that is not a date, and an alternative finer than a millicredit', () => {
    const { cases, diagnostics } = loadCases(
      sources({
        'a.test.yaml': yaml(
          'cases:',
          '  - { note: n, plan: pro, at: 2026-02-30, action: x.y, want: { allowed: true } }',
          '  - { note: o, plan: pro, action: x.y, want: { alternatives: [{ cost: 0.0001 }] } }',
        ),
        'b.test.yaml': yaml('cases:', '  - { note: m, plan: pro, at: tomorrow, action: x.y, want: { allowed: true } }'),
      }),
    );
    expect(where(diagnostics)).toEqual(['a.test.yaml:2:31: invalid-date', 'a.test.yaml:3:71: invalid-amount', 'b.test.yaml:2:31: schema-format']);
    expect(cases).toEqual([]);
  });
});
