import type { SourceFile } from '@ratecard/dsl';
import { compileFiles, readRuleFiles } from '../../../test/support/rules';
import { issueRuleFiles } from '../../../test/support/v2-rules';
import type { CompiledRuleSet } from './compiled';
import { DIFF_GUARDS, diffRuleSets, trippedGuards, type RuleChange } from './diff';
import { diffMarkdown, diffText, groupLine } from './diff-render';

// What a diff says about the DSL's offers: per-plan prices, promotions, included usage, packs,
// low-balance thresholds, notes and the table's sections; and cells compared in every stretch of time.

const rules = (files: readonly SourceFile[]): SourceFile[] => files.filter((f) => !f.path.endsWith('.test.yaml'));

/** `files` with `from` (which must occur exactly once in `path`) replaced by `to`. */
function edit(files: readonly SourceFile[], path: string, from: string, to: string): SourceFile[] {
  return files.map((f) => {
    if (f.path !== path) return f;
    if (f.text.split(from).length !== 2) throw new Error(`\`${from}\` is not in ${path} exactly once`);
    return { ...f, text: f.text.replace(from, to) };
  });
}

const summaries = (rs: readonly RuleChange[]): string[] => rs.map((r) => `${r.kind} ${r.direction}: ${r.summary}`);
const where = (r: RuleChange): string => `${r.before ? `${r.before.file}:${r.before.line}` : '(none)'} → ${r.after ? `${r.after.file}:${r.after.line}` : '(none)'}`;
const DEC = { from: '2026-12-01T00:00:00.000Z', until: '2027-01-01T00:00:00.000Z' };

describe('diffRuleSets and the offers', () => {
  let bundled: CompiledRuleSet;
  let issue: CompiledRuleSet;
  beforeAll(async () => {
    bundled = await compileFiles(rules(readRuleFiles()));
    issue = await compileFiles(rules(issueRuleFiles()));
  });

  describe("the bundled rules → the issue's snippets", () => {
    it('lists a rule change for each construct, with its dates in words and file:line on each side', () => {
      const sut = diffRuleSets(bundled, issue);
      expect(summaries(sut.rules)).toEqual([
        'plan-price-added loosened: `image.generate` model `flux-pro` on Premium: 16 cr → 15 cr (-6.2%), a price of its own',
        'promotion-added loosened: promotion December video sale added: 50% off Video generation, all plans, 2026-12-01 to 2027-01-01 (UTC)',
        'included-changed loosened: Pro included `prompt.enhance`: none → 10 per cycle',
        'pack-added loosened: pack Boost 500 added: 500 cr, valid 90 days, USD 9.99',
      ]);
      expect(sut.rules.map(where)).toEqual(['rules/images.yaml:22 → rules/images.yaml:22', '(none) → rules/promotions.yaml:2', 'rules/plans.yaml:14 → rules/plans.yaml:18', '(none) → rules/packs.yaml:2']);
      expect(sut.rules[0]).toMatchObject({ subject: 'image.generate', from: 16, to: 15, percent: -6.2 });
      expect(sut.rules[2]).toMatchObject({ subject: 'pro', from: 0, to: 10 });
    });

    it("changes the sale's cells only inside its window, and the per-plan price's at all times", () => {
      const sut = diffRuleSets(bundled, issue);
      const video = sut.cells.filter((c) => c.action === 'video.generate');
      expect(video.length).toBeGreaterThan(0);
      for (const c of video) {
        expect(c).toMatchObject(DEC);
        expect(c.after!.cost * 2).toBeCloseTo(c.before!.cost, 3);
      }
      const flux = sut.cells.filter((c) => c.action === 'image.generate');
      expect(flux.map((c) => [c.plan, c.params.resolution, c.before!.cost, c.after!.cost, c.from, c.until])).toEqual([
        ['premium', '1k', 16, 15, undefined, undefined],
        ['premium', '2k', 32, 30, undefined, undefined],
        ['premium', '4k', 32, 30, undefined, undefined],
      ]);
      // Included usage changes no cell: a cell is priced once the included requests are used.
      expect(sut.cells.filter((c) => c.action === 'prompt.enhance')).toEqual([]);
    });

    it('groups keep the window apart and say it in words; in short says who pays less and when', () => {
      const sut = diffRuleSets(bundled, issue);
      const lines = sut.groups.map(groupLine);
      expect(lines[0]).toBe('image.generate plan=premium, model=flux-pro, every resolution: -1 cr per 16 cr (-6.2%), 3 cells');
      expect(lines.filter((l) => l.includes('video.generate'))).toEqual([
        '2026-12-01 to 2027-01-01: video.generate resolution=720p, tier=standard,relaxed, 1–8 s, every plan: -9.375 cr per 18.75 cr (-50%), 48 cells',
        '2026-12-01 to 2027-01-01: video.generate resolution=1080p,2k,4k, 1–8 s, every plan and tier: -9.375 cr per 18.75 cr (-50%), 216 cells',
      ]);
      expect(sut.groups.find((g) => g.actions[0] === 'video.generate')).toMatchObject({ windows: [DEC], when: '2026-12-01 to 2027-01-01' });
      expect(sut.groups[0].windows).toBeUndefined();
      expect(sut.summary.payMore).toEqual([]);
      expect(sut.summary.payLess.slice(0, 2)).toEqual(['Premium: image.generate model=flux-pro (-6.2%)', 'every plan: video.generate resolution=720p tier=standard,relaxed (-50%), 2026-12-01 to 2027-01-01']);
      expect(sut.summary.other).toEqual(['Pro included `prompt.enhance`: none → 10 per cycle', 'pack Boost 500 added: 500 cr, valid 90 days, USD 9.99']);
    });

    it('renders the windows in text and Markdown', () => {
      const sut = diffRuleSets(bundled, issue);
      const text = diffText(sut, { cells: true, limit: 10_000 });
      expect(text).toContain('  promotion-added   promotion December video sale added: 50% off Video generation, all plans, 2026-12-01 to 2027-01-01 (UTC)\n                    (none) → rules/promotions.yaml:2:5');
      expect(text).toMatch(/\n {2}video\.generate +basic +resolution=720p seconds=8 tier=standard +256 cr → 128 cr {2}2026-12-01 to 2027-01-01\n/);
      const md = diffMarkdown(sut);
      expect(md).toContain('| Action | Where | When | Change | Cells |');
      expect(md).toContain('| `image.generate` | plan=premium, model=flux-pro, every resolution | always | -1 cr per 16 cr (-6.2%) | 3 |');
      expect(md).toContain('| `video.generate` | resolution=1080p,2k,4k, 1–8 s, every plan and tier | 2026-12-01 to 2027-01-01 | -9.375 cr per 18.75 cr (-50%) | 216 |');
    });

    it('trips price-decrease, loosened (a pack) and added; never price-increase', () => {
      expect(trippedGuards(diffRuleSets(bundled, issue), DIFF_GUARDS)).toEqual(['loosened', 'price-decrease', 'added', 'any']);
    });

    it('compares a stretch of time priced by the same cells on both sides once', async () => {
      const sut = diffRuleSets(bundled, issue);
      const once = diffRuleSets(bundled, await compileFiles(edit(rules(readRuleFiles()), 'rules/editing.yaml', '0.5 cr/edit', '0.75 cr/edit'))).cellsCompared;
      // Before and after the window both sides price with their regular cells: one comparison. Inside
      // it, only the actions the sale touches (video and the composites with a video phase) again.
      const timed = [...issue.actions.values()].filter((ca) => ca.timeline !== undefined).map((ca) => ca.action.id);
      expect(timed.sort()).toEqual(['site.generate', 'site.regenerate', 'video.generate']);
      expect(sut.cellsCompared).toBeGreaterThan(once);
      expect(sut.cellsCompared).toBeLessThan(2 * once);
    });
  });

  describe("the issue's snippets → the bundled rules", () => {
    it('lists each construct removed, in the other direction', () => {
      const sut = diffRuleSets(issue, bundled);
      expect(summaries(sut.rules)).toEqual([
        'plan-price-removed tightened: `image.generate` model `flux-pro` on Premium: 15 cr → 16 cr (+6.7%), the rate again',
        'promotion-removed tightened: promotion December video sale removed (was 50% off Video generation, all plans, 2026-12-01 to 2027-01-01 (UTC))',
        'included-changed tightened: Pro included `prompt.enhance`: 10 per cycle → none',
        'pack-removed tightened: pack Boost 500 removed (was 500 cr, valid 90 days, USD 9.99)',
      ]);
      expect(sut.summary.payMore[1]).toBe('every plan: video.generate resolution=720p tier=standard,relaxed (+100%), 2026-12-01 to 2027-01-01');
      expect(trippedGuards(sut, DIFF_GUARDS)).toEqual(['tightened', 'price-increase', 'removed', 'any']);
    });
  });

  describe('changes of an offer that stays', () => {
    const changed = async (path: string, from: string, to: string): Promise<ReturnType<typeof diffRuleSets>> => diffRuleSets(issue, await compileFiles(edit(rules(issueRuleFiles()), path, from, to)));

    it('a promotion moved and deepened: one change with both; cells change where the windows differ', async () => {
      const sut = await changed('rules/promotions.yaml', '    until: 2027-01-01\n    actions: [video.generate]\n    discount: 50%', '    until: 2027-01-15\n    actions: [video.generate]\n    discount: 60%');
      expect(summaries(sut.rules)).toEqual(['promotion-changed neutral: promotion December video sale: window 2026-12-01 to 2027-01-01 (UTC) → 2026-12-01 to 2027-01-15 (UTC); discount 50% off → 60% off']);
      expect(where(sut.rules[0])).toBe('rules/promotions.yaml:5 → rules/promotions.yaml:5');
      expect([...new Set(sut.groups.filter((g) => g.actions[0] === 'video.generate').map((g) => `${g.when} ${g.kind}`))]).toEqual(['2026-12-01 to 2027-01-01 price-decrease', '2027-01-01 to 2027-01-15 price-decrease']);
      expect(sut.summary.payLess.filter((l) => l.includes('video.generate') && l.includes('(-20%)'))).toHaveLength(2);
    });

    it('a promotion narrowed to some plans', async () => {
      const sut = await changed('rules/promotions.yaml', '    discount: 50%', '    discount: 50%\n    plans: pro+');
      expect(summaries(sut.rules)).toEqual(['promotion-changed neutral: promotion December video sale: plans all plans → Pro+']);
      expect(sut.summary.payMore[0]).toBe('Basic: video.generate resolution=720p tier=standard,relaxed (+100%), 2026-12-01 to 2027-01-01');
    });

    it('a per-plan price changed', async () => {
      const sut = await changed('rules/images.yaml', 'plans: { premium: 15 cr }', 'plans: { premium: 14 cr }');
      expect(summaries(sut.rules)).toEqual(['plan-price-changed loosened: `image.generate` model `flux-pro` on Premium: 15 cr → 14 cr (-6.7%)']);
      expect(trippedGuards(sut, DIFF_GUARDS)).toEqual(['price-decrease', 'any']);
    });

    it('a pack dearer and shorter: tightened; its note: a label change', async () => {
      const sut = await changed('rules/packs.yaml', '    valid: 90 days\n    price: USD 9.99', '    valid: 30 days\n    price: USD 12.50\n    note: best value');
      expect(summaries(sut.rules)).toEqual(['pack-changed tightened: pack Boost 500: valid 90 days → valid 30 days; price USD 9.99 → USD 12.50', 'label-changed neutral: pack `boost-500` note "" → "best value"']);
      expect(sut.cells).toEqual([]);
      expect(sut.summary.other).toEqual(['pack Boost 500: valid 90 days → valid 30 days; price USD 9.99 → USD 12.50']);
    });

    it('included usage lowered', async () => {
      const sut = await changed('rules/plans.yaml', 'prompt.enhance: 10', 'prompt.enhance: 5');
      expect(summaries(sut.rules)).toEqual(['included-changed tightened: Pro included `prompt.enhance`: 10 per cycle → 5 per cycle']);
      expect(trippedGuards(sut, DIFF_GUARDS)).toEqual(['price-increase', 'any']);
    });

    it('low-balance thresholds, notes and the order of the table sections: neutral', async () => {
      let files = edit(rules(issueRuleFiles()), 'rules/plans.yaml', '    allowance: 1,500 cr            # "A Basic plan (1,500 cr/mo)"', '    allowance: 1,500 cr\n    lowBalance: [20%, 50 cr]');
      files = edit(files, 'rules/video.yaml', '{ rate: 32 cr/sec, label: Veo 3.1 Standard }', '{ rate: 32 cr/sec, label: Veo 3.1 Standard, note: our default }');
      files = [...files, { path: 'rules/table.yaml', text: 'table:\n  sections: [Video, Images]\n' }];
      const sut = diffRuleSets(issue, await compileFiles(files));
      expect(summaries(sut.rules)).toEqual([
        'low-balance-changed neutral: Basic low-balance thresholds: none → 20% of the allowance, 50 cr',
        'label-changed neutral: `video.generate` tier `standard` note added: "our default"',
        'label-changed neutral: table sections (as the actions come) → Video, Images',
      ]);
      expect(sut.rules.map(where)).toEqual(['rules/plans.yaml:8 → rules/plans.yaml:11', 'rules/video.yaml:17 → rules/video.yaml:17', '(none) → rules/table.yaml:2']);
      expect(sut.cells).toEqual([]);
      expect(trippedGuards(sut, DIFF_GUARDS)).toEqual(['any']);
    });

    it('a base price changed under a running promotion: every stretch changes by the same share, one group with no window', async () => {
      const sut = await changed('rules/video.yaml', '{ rate: 32 cr/sec, label: Veo 3.1 Standard }', '{ rate: 40 cr/sec, label: Veo 3.1 Standard }');
      const video = sut.cells.filter((c) => c.action === 'video.generate' && c.plan === 'basic' && c.params.seconds === 8 && c.params.resolution === '720p' && c.params.tier === 'standard');
      expect(video.map((c) => [c.from, c.until, c.before!.cost, c.after!.cost])).toEqual([
        [undefined, DEC.from, 256, 320],
        [DEC.from, DEC.until, 128, 160],
        [DEC.until, undefined, 256, 320],
      ]);
      const groups = sut.groups.filter((g) => g.actions[0] === 'video.generate');
      expect(groups.map((g) => [g.when, g.percentRange])).toEqual([[undefined, [25, 25]]]);
      expect(groups[0].cells).toBe(sut.cells.filter((c) => c.action === 'video.generate').length);
    });
  });
});
