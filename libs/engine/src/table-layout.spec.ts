import { loadRuleSet } from '@ratecard/dsl';
import { compileYaml } from '../../../test/support/rules';
import { loadYaml, PLANS_YAML, sources, where, yaml, type YamlFiles } from '../../../test/support/yaml';
import { rulesetVersion } from './compile/version';
import { priceTable } from './table';
import { priceTableMarkdown } from './table-render';

const ACTIONS = yaml(
  'actions:',
  '  chat.edit:',
  '    group: Editing & Chat',
  '    note: Color, text, layout — per edit',
  '    price: 0.5 cr/edit',
  '  image.generate:',
  '    name: Image gen',
  '    group: Images',
  '    note: any image',
  '    params:',
  '      model: { values: [seedream, nano], default: seedream }',
  '    price:',
  '      by: model',
  '      variants:',
  '        seedream: { rate: 18 cr, label: Seedream 4.5, note: "Default model, all plans" }',
  '        nano: { rate: 20 cr, label: Nano Banana Pro, requires: premium+ }',
  '  video.generate:',
  '    group: Video',
  '    price: 30 cr',
  '  site.download:',
  '    free: never charged',
);
const files = (extra: Record<string, string> = {}): YamlFiles => ({ 'plans.yaml': PLANS_YAML, 'x.yaml': ACTIONS, ...extra });

describe('price table layout', () => {
  it('shows an action note on its first row and a variant note on its own row', async () => {
    const table = priceTable(await compileYaml(files()));
    const notes = Object.fromEntries(table.groups.flatMap((g) => g.rows).map((r) => [r.item, r.notes]));
    expect(notes['chat.edit']).toEqual(['Color, text, layout — per edit']);
    expect(notes['Image gen — Seedream 4.5']).toEqual(['default model', 'any image', 'Default model, all plans']);
    expect(notes['Image gen — Nano Banana Pro']).toEqual(['Premium+']);
    expect(priceTableMarkdown(table)).toContain('| chat.edit | 0.5 cr per edit | Color, text, layout — per edit |');
  });

  it('orders the sections as `table.sections` says, the rest after them as they first appear', async () => {
    const groups = async (extra: Record<string, string>) => priceTable(await compileYaml(files(extra))).groups.map((g) => g.name);
    expect(await groups({})).toEqual(['Editing & Chat', 'Images', 'Video']);
    expect(await groups({ 'table.yaml': yaml('table:', '  sections: [Video, Images, Editing & Chat]') })).toEqual(['Video', 'Images', 'Editing & Chat']);
    expect(await groups({ 'table.yaml': yaml('table:', '  sections: [Images]') })).toEqual(['Images', 'Editing & Chat', 'Video']);
  });

  it('is part of the version: notes and the section order are what customers read', () => {
    const base = rulesetVersion(loadYaml(files()));
    expect(rulesetVersion(loadYaml(files({ 'table.yaml': 'table: { sections: [] }\n' })))).toBe(base);
    expect(rulesetVersion(loadYaml(files({ 'table.yaml': yaml('table:', '  sections: [Video, Images]') })))).not.toBe(base);
    expect(rulesetVersion(loadYaml({ ...files(), 'x.yaml': ACTIONS.replace('any image', 'every image') }))).not.toBe(base);
    expect(rulesetVersion(loadYaml({ ...files(), 'x.yaml': ACTIONS.replace('Default model, all plans', 'the default') }))).not.toBe(base);
  });

  it.each([
    ['unknown-group: a section no action is in, with the closest group', { 'table.yaml': yaml('table:', '  sections: [Imgaes, Video]') }, ['table.yaml:2:14: unknown-group']],
    ['unknown-group: free actions have their own section', { 'table.yaml': yaml('table:', '  sections: [Other]') }, ['table.yaml:2:14: unknown-group']],
    ['table-redefined: a layout in two files', { 'a.yaml': yaml('table:', '  sections: [Video]'), 'b.yaml': yaml('table:', '  sections: [Images]') }, ['b.yaml:1:1: table-redefined']],
    ['schema-duplicate: a section twice', { 'table.yaml': yaml('table:', '  sections: [Video, Video]') }, ['table.yaml:2:13: schema-duplicate']],
  ])('%s', (_title, extra, want) => {
    const { ruleset, diagnostics } = loadRuleSet(sources(files(extra)));
    expect(ruleset).toBeUndefined();
    expect(where(diagnostics)).toEqual(want);
  });

  it('suggests the group meant', () => {
    const { diagnostics } = loadRuleSet(sources(files({ 'table.yaml': yaml('table:', '  sections: [Imgaes]') })));
    expect(diagnostics[0]).toMatchObject({ message: 'no action is in the group `Imgaes`', hint: 'did you mean `Images`?' });
  });
});
