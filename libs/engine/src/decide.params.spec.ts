import { compileBundled, compileYaml, NOW } from '../../../test/support/rules';
import { PLANS_YAML, yaml } from '../../../test/support/yaml';
import type { CompiledRuleSet } from './compiled';
import { decide, decideByRules } from './decide';
import type { AccountState } from './decision';

// Parameter names that every JavaScript object inherits (`constructor`, `toString`...): a caller who
// sends one gets an unknown parameter, and a parameter the rules name so takes its default when the
// caller leaves it out. Both paths (the settled cell and the rules) agree.

const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];
const account: AccountState = { plan: 'basic', balanceMc: 1_000_000_000, usage: {} };

describe(`${decide.name}: parameters named like Object.prototype members`, () => {
  let bundled: CompiledRuleSet;
  let named: CompiledRuleSet;
  beforeAll(async () => {
    bundled = await compileBundled();
    named = await compileYaml({
      'plans.yaml': PLANS_YAML,
      'x.yaml': yaml(
        'actions:',
        '  clip.make:',
        '    params:',
        '      constructor: { values: [a, b], default: b }',
        '      toString: { type: integer, min: 1, max: 8, default: 2, unit: s }',
        '    price: { rate: 1 cr/sec, per: toString }',
        '    multipliers:',
        '      - by: constructor',
        '        values: { b: 2x }',
      ),
    });
  });

  it.each(PROTOTYPE_NAMES)('`%s` sent by the caller is an unknown parameter', async (name) => {
    const params = JSON.parse(`{"seconds": 4, ${JSON.stringify(name)}: 1}`) as Record<string, unknown>;
    const request = { action: 'video.generate', params };
    const sut = decide(bundled, account, request, NOW);
    expect(await decideByRules(bundled, account, request, NOW)).toEqual(sut);
    expect(sut.allowed).toBe(false);
    expect(sut.reasons).toEqual([{ code: 'INVALID_PARAMS', message: expect.stringContaining(`unknown parameter \`${name}\` for \`video.generate\``) }]);
  });

  it('parameters the rules name `constructor` and `toString` take their defaults when left out', async () => {
    const sut = decide(named, account, { action: 'clip.make', params: {} }, NOW);
    expect(await decideByRules(named, account, { action: 'clip.make', params: {} }, NOW)).toEqual(sut);
    // 1 cr/s × 2 s (the default) × 2 (the default `b`)
    expect([sut.allowed, sut.costMillicredits]).toEqual([true, 4000]);
  });

  it('and the values the caller gives when given', async () => {
    const request = { action: 'clip.make', params: { constructor: 'a', toString: 5 } };
    const sut = decide(named, account, request, NOW);
    expect(await decideByRules(named, account, request, NOW)).toEqual(sut);
    expect([sut.allowed, sut.costMillicredits]).toEqual([true, 5000]);
  });

  it('null is a value given, not a parameter left out', async () => {
    const sut = decide(named, account, { action: 'clip.make', params: { toString: null } }, NOW);
    expect(sut.reasons.map((r) => r.code)).toEqual(['INVALID_PARAMS']);
  });
});
