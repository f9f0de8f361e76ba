import { compileBundled, compileFiles, readRuleFiles } from '../../../test/support/rules';
import type { CompiledRuleSet } from './compiled';
import { diffRuleSets } from './diff';
import { groupCells } from './diff-groups';
import { groupLine } from './diff-render';

/** The bundled rules with `from` replaced by `to` in `file` (each must occur once). */
async function bundledWith(...edits: [file: string, from: string, to: string][]): Promise<CompiledRuleSet> {
  const files = readRuleFiles().map((f) => {
    let text = f.text;
    for (const [file, from, to] of edits) {
      if (f.path !== `rules/${file}`) continue;
      if (text.split(from).length !== 2) throw new Error(`\`${from}\` is not in ${file} exactly once`);
      text = text.replace(from, to);
    }
    return { path: f.path, text };
  });
  return compileFiles(files);
}

describe(groupCells.name, () => {
  let base: CompiledRuleSet;
  beforeAll(async () => {
    base = await compileBundled();
  });

  it('groups the cells of a variant price change over every plan and resolution, with the share of the change', async () => {
    const sut = diffRuleSets(base, await bundledWith(['images.yaml', 'rate: 16 cr, label: Flux Pro', 'rate: 17 cr, label: Flux Pro']));
    expect(sut.groups.map(groupLine)).toEqual([
      'image.generate model=flux-pro, every plan and resolution: +1 cr per 16 cr (+6.3%), 9 cells',
      'site.generate and site.regenerate through their phases: +1 cr to +2 cr (+0.4% to +0.7%), 18 cells',
    ]);
    expect(sut.summary.payMore).toEqual(['every plan: image.generate model=flux-pro (+6.3%)', 'every plan: site.generate and site.regenerate through their phases (+0.4% to +0.7%)']);
    expect([sut.summary.payLess, sut.summary.loseAccess, sut.summary.gainAccess]).toEqual([[], [], []]);
  });

  it('collapses a continuous parameter to its range', async () => {
    const sut = diffRuleSets(base, await bundledWith(['video.yaml', 'relaxed:\n          rate: 18.75 cr/sec', 'relaxed:\n          rate: 20 cr/sec']));
    expect(sut.groups.map(groupLine)).toEqual(['video.generate tier=relaxed, 1–8 s, every plan and resolution: +1.25 cr per 18.75 cr (+6.7%), 96 cells']);
    expect(sut.groups[0].scope).toEqual({ tier: ['relaxed'] });
  });

  it('says who loses access, and keeps a composite whose access changes apart from its price changes', async () => {
    const sut = diffRuleSets(base, await bundledWith(['images.yaml', 'label: Flux Schnell, requires: pro+', 'label: Flux Schnell, requires: premium+']));
    expect(sut.groups.map(groupLine)).toEqual([
      'image.generate plan=pro, model=flux-schnell, resolution=1k: allowed → denied (PLAN_REQUIRED), 12 cr, 1 cell',
      'site.generate plan=pro, model=flux-schnell, resolution=1k: allowed → denied (PLAN_REQUIRED), 276 cr, 1 cell',
      'site.regenerate plan=pro, model=flux-schnell, resolution=1k: allowed → denied (PLAN_REQUIRED), 276 cr, 1 cell',
    ]);
    expect(sut.summary.loseAccess).toEqual(['Pro: image.generate model=flux-schnell resolution=1k', 'Pro: site.generate model=flux-schnell resolution=1k', 'Pro: site.regenerate model=flux-schnell resolution=1k']);
  });

  it('puts the cells of a plan one side lacks in one group, and says so in short', async () => {
    const withEnterprise = await bundledWith(['plans.yaml', '\n# "Credits reset', '\n  - id: enterprise\n    name: Enterprise\n    allowance: 50,000 cr\n\n# "Credits reset']);
    const sut = diffRuleSets(withEnterprise, base);
    expect(sut.groups.map(groupLine)).toEqual([`plan=enterprise, every action: removed with the plan (was 0–2,720 cr), ${sut.cells.length} cells`]);
    expect(sut.summary.loseAccess).toEqual(['Enterprise: everything, with the plan']);
    expect(sut.summary.other).toEqual(['plan Enterprise removed']);
    expect(diffRuleSets(base, withEnterprise).groups.map(groupLine)).toEqual([`plan=enterprise, every action: new with the plan: 0–2,720 cr, ${sut.cells.length} cells`]);
  });

  it('accounts for every changed cell exactly once', async () => {
    const sut = diffRuleSets(base, await bundledWith(['video.yaml', 'standard: { rate: 32 cr/sec', 'standard: { rate: 33 cr/sec'], ['editing.yaml', '    requires: pro+\n', '    requires: premium+\n']));
    expect(sut.groups.reduce((n, g) => n + g.cells, 0)).toBe(sut.cells.length);
  });
});
