import { compileBundled, compileFiles, readRuleFiles } from '../../../test/support/rules';
import { buildRules } from './compile/rules';
import type { CompiledRuleSet } from './compiled';
import { decide } from './decide';
import { ruleLocations, type RuleLocation } from './rule-locations';

describe(ruleLocations.name, () => {
  let compiled: CompiledRuleSet;
  let sut: RuleLocation[];
  beforeAll(async () => {
    compiled = await compileBundled();
    sut = ruleLocations(compiled.ruleset);
  });
  const at = (rule: string): string => {
    const found = sut.find((r) => r.rule === rule);
    if (!found) throw new Error(`no location for \`${rule}\``);
    return `${found.location.file}:${found.location.line}:${found.location.column}`;
  };

  it('places a variant, a multiplier value, a rate and a quota where the rule files write them', () => {
    expect(at('image.generate/variant/flux-pro')).toBe('rules/images.yaml:22:9');
    expect(at('image.generate/multiplier/resolution=2k')).toBe('rules/images.yaml:28:11');
    expect(at('plans/basic/quotas/site.generate')).toBe('rules/plans.yaml:8:5');
    expect(at('chat.edit/rate')).toMatch(/^rules\/editing\.yaml:\d+:\d+$/);
  });

  it('has a location for every rule id the compiler gives its rules, and for the ids decide adds', () => {
    const ids = new Set<string>();
    for (const action of Object.values(compiled.ruleset.actions)) {
      for (const rule of buildRules(action, compiled.ruleset).rules) ids.add((rule.event.params as { rule: string }).rule);
      if (action.confirm !== undefined) ids.add(`${action.id}/confirm`);
      if (action.kind === 'free') ids.add(`${action.id}/free`);
    }
    for (const plan of compiled.ruleset.plans) for (const action of Object.keys(plan.quotas)) ids.add(`plans/${plan.id}/quotas/${action}`);
    expect(ids.size).toBeGreaterThan(30);
    const located = new Set(sut.map((r) => r.rule));
    expect([...ids].filter((id) => !located.has(id))).toEqual([]);
  });

  it('locates every receipt line and reason of decisions over every plan and enumerated option', () => {
    const located = new Set(sut.map((r) => r.rule));
    const missing = new Set<string>();
    for (const [id, ca] of compiled.actions) {
      for (const plan of compiled.ruleset.plans) {
        const options = [{}, ...Object.values(ca.action.params).flatMap((p) => (p.values ?? []).map((v) => ({ [p.name]: v })))];
        for (const params of options) {
          const d = decide(compiled, { plan: plan.id, balanceMc: 0, usage: { [id]: 99 } }, { action: id, params }, new Date(0));
          for (const r of [...d.breakdown, ...d.reasons]) if (r.rule && !located.has(r.rule)) missing.add(r.rule);
        }
      }
    }
    expect([...missing]).toEqual([]);
  });

  it('follows the files: a rule moved down two lines is found two lines further', async () => {
    const files = readRuleFiles().map((f) => (f.path.endsWith('images.yaml') && !f.path.endsWith('.test.yaml') ? { ...f, text: f.text.replace('actions:\n', '# moved\n# down\nactions:\n') } : f));
    const moved = ruleLocations((await compileFiles(files)).ruleset).find((r) => r.rule === 'image.generate/variant/flux-pro');
    expect(moved?.location).toMatchObject({ file: 'rules/images.yaml', line: 24, column: 9 });
  });
});
