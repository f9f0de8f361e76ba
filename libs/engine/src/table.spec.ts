import { compileBundled } from '../../../test/support/rules';
import { priceTable, priceTableMarkdown, type PriceRow, type PriceTable } from './table';

describe(priceTable.name, () => {
  let sut: PriceTable;
  beforeAll(async () => {
    sut = priceTable(await compileBundled());
  });
  const rows = (): PriceRow[] => sut.groups.flatMap((g) => g.rows);
  const row = (item: string): PriceRow => {
    const found = rows().find((r) => r.item === item);
    if (!found) throw new Error(`no row \`${item}\` in ${rows().map((r) => r.item).join(', ')}`);
    return found;
  };
  const assumptionText = (r: PriceRow): string[] => r.assumptions.map((n) => sut.assumptions.find((a) => a.number === n)!.text);

  it('shows a full site as the range its phases add up to: 272–304', () => {
    const site = row('Full site generation');
    // cheapest hero: Gemini 2.5 Flash 8; dearest: Nano Banana Pro 4K 20 × 2 = 40; plus 256 + 8 + 0
    expect(site.range).toEqual({ min: 272, max: 304 });
    expect(site.credits).toBe('272–304 cr');
    expect(site.notes).toEqual(['sum of its phases: Hero image 8–40 cr + Motion video 256 cr + Site HTML assembly 8 cr + Frame extraction free', 'Basic: 2 per billing cycle']);
  });

  it('shows the regeneration fallback at the same range, with its confirmation', () => {
    const regen = row('Full regeneration fallback');
    expect(regen.range).toEqual({ min: 272, max: 304 });
    expect(regen.notes).toContain('confirmation required: this change cannot be made as a patch, so the whole site will be generated again');
  });

  it('shows every model with its rate and gate', () => {
    expect(['Seedream 4.5', 'Nano Banana Pro', 'Gemini 2.5 Flash', 'Flux Pro', 'Flux Schnell'].map((m) => row(`Image generation — ${m}`)).map((r) => [r.credits, r.plans])).toEqual([
      ['18 cr', 'all plans'],
      ['20 cr', 'Premium+'],
      ['8 cr', 'all plans'],
      ['16 cr', 'Pro+'],
      ['12 cr', 'Pro+'],
    ]);
    expect(row('Image generation — Seedream 4.5').notes).toContain('default');
  });

  it('shows multipliers, per-second rates with an example, and per-message rates', () => {
    expect(row('Image generation — 2K/4K output multiplier')).toMatchObject({ credits: '2K/4K ×2', plans: 'Premium+' });
    expect(row('Video generation — resolution multiplier').credits).toBe('2K ×2, 4K ×4');
    // The 2K/4K video gate is written as a condition; the row still says who may use it (from the settled cells).
    expect(row('Video generation — resolution multiplier').plans).toBe('Premium+');
    expect(row('Video generation — HD at 720p').notes).toContain('when tier = hd and resolution = 720p');
    expect(row('Video generation — Veo 3.1 Standard')).toMatchObject({ credits: '32 cr/s', plans: 'all plans', notes: ['default', '256 cr for 8 s'] });
    expect(row('Video generation — Veo 3.1 HD')).toMatchObject({ credits: '85 cr/s', plans: 'Premium+', notes: ['680 cr for 8 s'] });
    expect(row('Video extend — LTX')).toMatchObject({ credits: '15 cr/s', plans: 'Pro+', notes: ['60 cr for 4 s'] });
    expect(row('Business OS chat')).toMatchObject({ credits: '15 cr/msg', plans: 'Pro+' });
    expect(row('Chat edit (surgical patch)').credits).toBe('0.5 cr/edit');
  });

  it('flags every assumed value, on the row that shows it', () => {
    expect(assumptionText(row('Video generation — Veo 3.1 Relaxed'))).toEqual([expect.stringContaining('18.75 cr/s makes 8 s exactly 150 cr')]);
    expect(assumptionText(row('Video extend — LTX'))).toEqual([expect.stringContaining('15 cr/s is assumed')]);
    expect(assumptionText(row('Site HTML assembly — Claude/Gemini token cost'))).toEqual([expect.stringContaining('charged as a flat 8 cr')]);
    expect(assumptionText(row('Video generation — HD at 720p'))).toEqual([expect.stringContaining('HD at 720p is assumed not to be offered')]);
    const plans = sut.plans.map((p) => [p.id, p.allowance, p.assumptions.map((n) => sut.assumptions[n - 1].about)]);
    expect(plans).toEqual([
      ['basic', 1500, []],
      ['pro', 5000, ['Pro allowance']],
      ['premium', 15000, ['Premium allowance']],
    ]);
    expect(sut.assumptions.map((a) => a.number)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('lists every free action with why it is free', () => {
    expect(sut.free.map((f) => f.action)).toEqual(['project.preview', 'site.republish', 'text.inline-edit', 'design-preset.apply', 'site.settings-update', 'site.download', 'video.extract-frames']);
    expect(sut.free.every((f) => f.reason.length > 0)).toBe(true);
  });

  it('states the cycle policy and the rule-set version', async () => {
    expect(sut.cycle).toEqual([
      'Credits reset at your monthly billing cycle date.',
      'Unused credits do not roll over to the next cycle.',
      'When you upgrade mid-cycle, your unused credits stay and the new plan’s full allowance is added at once.',
      'A downgrade takes effect at the next billing date.',
    ]);
    expect(sut.rulesetVersion).toBe((await compileBundled()).version);
  });
});

describe(priceTableMarkdown.name, () => {
  it('renders the table as a publishable page with assumptions marked', async () => {
    const sut = priceTableMarkdown(priceTable(await compileBundled()));
    expect(sut).toMatch(/^# Credits Reference\n/);
    expect(sut).toContain('| Basic | 1,500 cr | 2 × `site.generate` |');
    expect(sut).toContain('| Pro | 5,000 cr [1] | — |');
    expect(sut).toContain('| Full site generation | 272–304 cr | all plans |');
    expect(sut).toContain('| Video generation — Veo 3.1 Relaxed | 18.75 cr/s [4] | all plans | 150 cr for 8 s |');
    expect(sut).toContain('## Always free');
    expect(sut).toContain('## Assumptions');
    expect(sut).toContain('1. Pro allowance: the Credits Reference gives no Pro allowance');
  });

  it('takes a title', async () => {
    expect(priceTableMarkdown(priceTable(await compileBundled()), { title: 'Prices' })).toMatch(/^# Prices\n/);
  });
});
