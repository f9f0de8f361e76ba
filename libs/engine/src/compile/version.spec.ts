import { readRuleFiles } from '../../../../test/support/rules';
import { loadYaml, sources, yaml, type YamlFiles } from '../../../../test/support/yaml';
import { loadRuleSet } from '@ratecard/dsl';
import { canonicalForm, rulesetVersion } from './version';

const ONE_FILE: YamlFiles = {
  'rules.yaml': yaml(
    '# The ladder.',
    'plans:',
    '  - id: basic',
    '    allowance: 1,500 cr   # per month',
    '    quotas: { site.make: 2 }',
    'actions:',
    '  site.make:',
    '    params:',
    '      size: { values: [s, m], default: s }',
    '    price: { by: size, variants: { s: 4 cr, m: 8 cr } }   # two sizes',
    '  chat.edit:',
    '    price: 0.5 cr/edit',
  ),
};

// The same rules: no comments, other key order, block style, plain numbers, split in two files.
const TWO_FILES: YamlFiles = {
  'actions/chat.yaml': yaml('actions:', '  chat.edit:', '    price: 0.5 cr/edit'),
  'plans-and-sites.yaml': yaml(
    'actions:',
    '  site.make:',
    '    price:',
    '      variants:',
    '        m: 8',
    '        s: 4',
    '      by: size',
    '    params:',
    '      size:',
    '        default: s',
    '        values: [s, m]',
    'plans:',
    '  - quotas:',
    '      site.make: 2',
    '    allowance: 1500',
    '    id: basic',
  ),
};

describe(rulesetVersion.name, () => {
  it('ignores comments, key order, formatting, shorthand and file layout', () => {
    expect(rulesetVersion(loadYaml(TWO_FILES))).toBe(rulesetVersion(loadYaml(ONE_FILE)));
  });

  it('changes when a price changes', () => {
    const cheaper = { 'rules.yaml': ONE_FILE['rules.yaml'].replace('m: 8 cr', 'm: 7.999 cr') };
    expect(rulesetVersion(loadYaml(cheaper))).not.toBe(rulesetVersion(loadYaml(ONE_FILE)));
  });

  it('changes when a quota, an allowance or the cycle policy changes', () => {
    const base = rulesetVersion(loadYaml(ONE_FILE));
    const text = ONE_FILE['rules.yaml'];
    expect(rulesetVersion(loadYaml({ 'rules.yaml': text.replace('site.make: 2', 'site.make: 3') }))).not.toBe(base);
    expect(rulesetVersion(loadYaml({ 'rules.yaml': text.replace('1,500 cr', '1,501 cr') }))).not.toBe(base);
    expect(rulesetVersion(loadYaml({ ...ONE_FILE, 'cycle.yaml': yaml('cycle:', '  upgradeGrant: difference') }))).not.toBe(base);
  });

  it('does not change when the cycle policy spells out its defaults', () => {
    const explicit = { ...ONE_FILE, 'cycle.yaml': yaml('cycle:', '  period: monthly', '  unused: expire', '  upgrade: carry-over', '  upgradeGrant: full', '  downgrade: next-cycle') };
    expect(rulesetVersion(loadYaml(explicit))).toBe(rulesetVersion(loadYaml(ONE_FILE)));
  });

  it('changes when a pack is added, changed or reordered, and not for an empty catalogue', () => {
    const base = rulesetVersion(loadYaml(ONE_FILE));
    const packs = (...lines: string[]): YamlFiles => ({ ...ONE_FILE, 'packs.yaml': yaml('packs:', ...lines) });
    const a = '  - { id: boost-500, credits: 500 cr, valid: 90 days, price: USD 9.99 }';
    const b = '  - { id: boost-50, credits: 50 cr, valid: never }';
    const withA = rulesetVersion(loadYaml(packs(a)));
    expect(withA).not.toBe(base);
    expect(rulesetVersion(loadYaml({ ...ONE_FILE, 'packs.yaml': 'packs: []\n' }))).toBe(base);
    expect(rulesetVersion(loadYaml(packs(a.replace('90 days', '30 days'))))).not.toBe(withA);
    expect(rulesetVersion(loadYaml(packs(a.replace('9.99', '9.98'))))).not.toBe(withA);
    expect(rulesetVersion(loadYaml(packs(a, b)))).not.toBe(rulesetVersion(loadYaml(packs(b, a))));
  });

  it('changes when included usage changes', () => {
    const base = rulesetVersion(loadYaml(ONE_FILE));
    const text = ONE_FILE['rules.yaml'];
    const included = rulesetVersion(loadYaml({ 'rules.yaml': text.replace('    quotas: { site.make: 2 }', '    quotas: { site.make: 2 }\n    included: { chat.edit: 10 }') }));
    expect(included).not.toBe(base);
    expect(rulesetVersion(loadYaml({ 'rules.yaml': text.replace('    quotas: { site.make: 2 }', '    quotas: { site.make: 2 }\n    included: { chat.edit: 11 }') }))).not.toBe(included);
  });

  it('changes when a promotion is added or its dates, targets or discount change', () => {
    const base = rulesetVersion(loadYaml(ONE_FILE));
    const promo = (from: string, discount = '50%'): YamlFiles => ({ ...ONE_FILE, 'p.yaml': yaml('promotions:', `  - { id: sale, from: ${from}, until: 2027-01-01, actions: [chat.edit], discount: ${discount} }`) });
    const withSale = rulesetVersion(loadYaml(promo('2026-12-01')));
    expect(withSale).not.toBe(base);
    expect(rulesetVersion(loadYaml(promo('2026-12-02')))).not.toBe(withSale);
    expect(rulesetVersion(loadYaml(promo('2026-12-01T00:00:00Z')))).toBe(withSale);
    expect(rulesetVersion(loadYaml(promo('2026-12-01', '40%')))).not.toBe(withSale);
    expect(rulesetVersion(loadYaml({ ...ONE_FILE, 'p.yaml': 'promotions: []\n' }))).toBe(base);
  });

  it('changes when the plan ladder is reordered', () => {
    const ladder = (a: string, b: string): YamlFiles => ({
      'plans.yaml': yaml('plans:', `  - { id: ${a}, allowance: 1 cr }`, `  - { id: ${b}, allowance: 1 cr }`),
      'x.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr'),
    });
    expect(rulesetVersion(loadYaml(ladder('basic', 'pro')))).not.toBe(rulesetVersion(loadYaml(ladder('pro', 'basic'))));
  });

  it('gives the bundled rules the same version with every comment removed', () => {
    const files = readRuleFiles().filter((f) => !f.path.endsWith('.test.yaml'));
    const bare = files.map((f) => ({ ...f, text: f.text.replace(/^\s*#.*$/gm, '').replace(/\s+#\s.*$/gm, '') }));
    expect(bare.some((f, i) => f.text !== files[i].text)).toBe(true);
    expect(bare.every((f) => !f.text.includes('#'))).toBe(true);
    const original = loadRuleSet(files).ruleset!;
    expect(rulesetVersion(loadRuleSet(bare).ruleset!)).toBe(rulesetVersion(original));
  });

  it('is a SHA-256 of a canonical form that leaves out source locations', () => {
    const ruleset = loadRuleSet(sources(ONE_FILE)).ruleset!;
    expect(rulesetVersion(ruleset)).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalForm(ruleset)).not.toMatch(/"(at|leavesAt|line|column|file)"/);
  });
});
