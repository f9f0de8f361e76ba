import { PLANS_YAML, sources, where, yaml } from '../../../test/support/yaml';
import { formatDiagnostic } from './diagnostics';
import { loadRuleSet } from './load';

// Diagnostics a PM understands: one diagnostic per mistake, where the mistake is, saying what to write.
const load = (x: string) => loadRuleSet(sources({ 'plans.yaml': PLANS_YAML, 'x.yaml': x }));

describe('diagnostics a PM understands', () => {
  it.each([
    ['2 cr/secs', 'rate `2 cr/secs`: `secs` is not a unit; rates are written `cr/sec` (or `s`, `second`), `cr/msg` (or `message`), `cr/edit`, `cr/req` (or `request`), `cr/1k-tokens` (or `1k tokens`, `1k-token`)', 'did you mean `2 cr/sec`?'],
    ['120 cr/min', 'rate `120 cr/min`: `min` is not a unit; rates are written `cr/sec` (or `s`, `second`), `cr/msg` (or `message`), `cr/edit`, `cr/req` (or `request`), `cr/1k-tokens` (or `1k tokens`, `1k-token`)', 'a rate per minute is written per second: `2 cr/sec`'],
    ['2 CR/SEC', 'rate `2 CR/SEC`: write the unit in lowercase, `2 cr/sec`', undefined],
  ])('a rate of `%s` is one unknown-unit diagnostic at the rate, whether written alone or with `per`', (rate, message, hint) => {
    for (const price of [`{ rate: ${rate}, per: seconds }`, `{ by: tier, per: seconds, variants: { fast: ${rate}, slow: 1 cr/sec } }`]) {
      const { diagnostics } = load(yaml('actions:', '  video.make:', '    params:', '      tier: { values: [fast, slow], default: fast }', '      seconds: { type: integer, min: 1, max: 8, default: 8 }', `    price: ${price}`));
      expect(diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([['unknown-unit', message, hint]]);
      expect(diagnostics[0].location?.line).toBe(6);
    }
  });

  it('reports a key indented too far, or not far enough, at the key, with the column of its map', () => {
    const { diagnostics } = load(['actions:', '  a.one:', '    name: One', '     price: 2 cr', '  a.two:', '    name: Two', '   price: 3 cr'].join('\n'));
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'x.yaml:4:6: yaml-syntax: `price` starts at column 6, right of `name` (column 5, line 3); the keys of one map start at the same column\n  hint: indent it 4 spaces, as `name`',
      'x.yaml:7:4: yaml-syntax: `price` starts at column 4: left of `name` (column 5, line 6) and right of `a.two` (column 3, line 5); the keys of one map start at the same column\n  hint: indent it 4 spaces to put it beside `name`, or 2 to put it beside `a.two`',
    ]);
  });

  it('suggests the closest action for an unknown action in a phase', () => {
    const { diagnostics } = load(yaml('actions:', '  image.make:', '    price: 1 cr', '  site.make:', '    phases:', '      - { label: Hero, action: image.mak }'));
    expect(diagnostics.map((d) => [where([d])[0], d.hint])).toEqual([['x.yaml:6:9: unknown-action', 'did you mean `image.make`?']]);
  });

  it('answers `by: plan` with how prices per plan are written, not with declaring a parameter `plan`', () => {
    const { diagnostics } = load(yaml('actions:', '  a.one:', '    price: { by: plan, variants: { basic: 2 cr } }'));
    expect(diagnostics.map((d) => [d.code, d.hint])).toEqual([['undeclared-param', "a price that depends on the plan is written on the rate, e.g. `price: { rate: 18 cr, plans: { premium: 15 cr } }`; `plan` is the account's plan, not a parameter"]]);
    expect(diagnostics[0].hint).not.toMatch(/declare it under `params`/);
  });

  it('names a plan compared with a mapping or a list for what it is, never as `[object Object]` (found by fuzzing)', () => {
    for (const [value, what] of [['{}', 'a mapping'], ['[[pro]]', 'a list']]) {
      const { diagnostics } = load(yaml('actions:', '  a.one:', '    price: 1 cr', '    conditions:', '      - id: x', '        when: { all: [{ fact: plan, operator: equal, value: ' + value + ' }] }', '        deny: no'));
      expect(diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([['unknown-plan', `condition compares the plan with ${what}, not a plan id`, 'plans are `basic`, `pro`, `premium`']]);
    }
  });
});
