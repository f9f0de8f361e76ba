import { compileBundled, compileFiles } from '../../../test/support/rules';
import { issueRuleFiles } from '../../../test/support/v2-rules';
import type { CompiledRuleSet } from './compiled';
import { priceTable } from './table';
import { priceTableMarkdown } from './table-render';
import { offersTable } from './table-offers';

describe(offersTable.name, () => {
  let issue: CompiledRuleSet;
  beforeAll(async () => {
    const files = issueRuleFiles().map((f) =>
      f.path === 'rules/promotions.yaml'
        ? {
            ...f,
            text:
              f.text +
              [
                '  - { id: flux-week, label: Flux week, from: 2026-06-01T09:00Z, until: 2026-06-08T09:00Z, actions: [image.generate], variants: [flux-pro, flux-schnell], plans: pro+, rate: 10 cr, note: while it lasts }',
                '  - { id: spring, label: Spring chat, from: 2026-03-01, until: 2026-04-01, actions: [chat.edit, prompt.brainstorm], plans: [basic, pro], discount: 12.5% }',
              ].join('\n') +
              '\n',
          }
        : f,
    );
    issue = await compileFiles(files);
  });

  it('lists the pack, every promotion with its dates, and the included usage', () => {
    expect(offersTable(issue)).toEqual({
      included: [{ plan: 'pro', planName: 'Pro', action: 'prompt.enhance', actionName: 'Prompt enhancement', count: 10 }],
      promotions: [
        { id: 'december-video', label: 'December video sale', from: '2026-12-01T00:00:00.000Z', until: '2027-01-01T00:00:00.000Z', discount: '50% off', appliesTo: ['Video generation'], plans: 'all plans' },
        { id: 'flux-week', label: 'Flux week', from: '2026-06-01T09:00:00.000Z', until: '2026-06-08T09:00:00.000Z', discount: 'sale rate 10 cr', appliesTo: ['Image generation (Flux Pro, Flux Schnell)'], plans: 'Pro+', note: 'while it lasts' },
        { id: 'spring', label: 'Spring chat', from: '2026-03-01T00:00:00.000Z', until: '2026-04-01T00:00:00.000Z', discount: '12.5% off', appliesTo: ['Chat edit', 'Brainstorm prompt'], plans: 'Basic, Pro' },
      ],
      packs: [{ id: 'boost-500', name: 'Boost 500', credits: 500, validDays: 90, price: 'USD 9.99' }],
    });
  });

  it('with a time: leaves out what ended, says what runs and what is upcoming', () => {
    const at = (t: string) => offersTable(issue, new Date(t)).promotions.map((p) => [p.id, p.status]);
    expect(at('2026-03-15T12:00:00Z')).toEqual([
      ['december-video', 'upcoming'],
      ['flux-week', 'upcoming'],
      ['spring', 'running'],
    ]);
    expect(at('2026-06-08T09:00:00Z')).toEqual([['december-video', 'upcoming']]);
    expect(at('2026-12-31T23:59:59Z')).toEqual([['december-video', 'running']]);
    expect(at('2027-01-01T00:00:00Z')).toEqual([]);
  });

  it('renders the sections in the price table, before the assumptions, and notes included usage on the row', () => {
    const table = priceTable(issue, { now: new Date('2026-11-15T00:00:00Z') });
    const md = priceTableMarkdown(table, { audience: 'internal' });
    expect(md).toContain(
      [
        '## Included with your plan',
        '',
        'Each billing cycle, the first requests of these actions cost nothing; later ones pay the listed price.',
        '',
        '| Plan | Action | Included per billing cycle |',
        '|---|---|---|',
        '| Pro | Prompt enhancement | 10 |',
        '',
        '## Promotions',
        '',
        'Times are UTC: a promotion starts at its first time and ends just before its second. Promotions do not combine.',
        '',
        '| Promotion | Discount | On | Plans | When |',
        '|---|---|---|---|---|',
        '| December video sale | 50% off | Video generation | all plans | 2026-12-01 to 2027-01-01 (upcoming) |',
        '',
        '## Credit packs',
        '',
        'Credits on top of your plan’s allowance.',
        '',
        '| Pack | Credits | Valid for | Price |',
        '|---|---|---|---|',
        '| Boost 500 | 500 cr | 90 days | USD 9.99 |',
        '',
        '## Assumptions',
      ].join('\n'),
    );
    const row = table.groups.flatMap((g) => g.rows).find((r) => r.item === 'Prompt enhancement')!;
    expect(row.notes).toContain('Pro: first 10 per billing cycle included');
  });

  it('adds nothing for rules without offers', async () => {
    const table = priceTable(await compileBundled());
    expect(table.offers).toEqual({ included: [], promotions: [], packs: [] });
    expect(priceTableMarkdown(table)).not.toMatch(/## (Included with your plan|Promotions|Credit packs)/);
  });
});
