import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { compileBundled, REPO_ROOT } from '../../../test/support/rules';
import type { CompiledRuleSet } from './compiled';
import { decide } from './decide';
import { priceTable, type PriceRow, type PriceTable } from './table';
import { PRICE_TABLE_SCHEMA, priceTableJson } from './table-json';
import { priceTableHtml, priceTableMarkdown } from './table-render';

/** The Credits Reference the rules encode (a copy of the seed the product was specified from). */
const REFERENCE = readFileSync(join(REPO_ROOT, 'test/fixtures/credits-reference.md'), 'utf8');

/** The reference's tables: section title → rows of cells (header and separator left out). */
function referenceTables(): Map<string, string[][]> {
  const tables = new Map<string, string[][]>();
  let title = '';
  for (const line of REFERENCE.split('\n')) {
    if (!line.startsWith('|')) {
      // A heading is a line of its own; a sentence leading into a table ends with a colon.
      if (line.trim() && !line.trim().endsWith(':')) title = line.trim();
      continue;
    }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells[0] === 'Action' || cells[0] === 'Phase' || /^-+$/.test(cells[0])) continue;
    tables.set(title, [...(tables.get(title) ?? []), cells]);
  }
  return tables;
}

/** `~1,024 cr` → 1024, `0.5 cr` → 0.5, `15 cr/msg` → 15, `2× base` → 2. */
const amount = (text: string): number => Number(/([\d,.]+)/.exec(text)![1].replace(/,/g, ''));

/** What a customer reads for a row's price: its concrete price when it has one, else its rate or factor. */
const shown = (r: PriceRow): number => (r.credits.endsWith('× base') ? r.factor! : (r.example?.credits ?? r.rate?.credits ?? r.range!.min));

/**
 * Every priced row of the reference, and the row of our customer table that answers for it: the
 * same price (an approximate `~` price is met exactly), the same plans. Where the rules knowingly
 * differ from the reference, the difference is written here with its reason.
 */
const REVIEW: Record<string, { item: string; plans?: string; differs?: string }> = {
  'Image gen — Nano Banana Pro': { item: 'Image generation — Nano Banana Pro', plans: 'Premium+' },
  'Image gen — Seedream 4.5': { item: 'Image generation — Seedream 4.5', plans: 'all plans' },
  'Image gen — Gemini 2.5 Flash': { item: 'Image generation — Gemini 2.5 Flash', plans: 'all plans' },
  'Image gen — Flux Pro': { item: 'Image generation — Flux Pro', plans: 'Pro+' },
  'Image gen — Flux Schnell': { item: 'Image generation — Flux Schnell', plans: 'Pro+' },
  'Image edit / variation': { item: 'Image edit / variation', plans: 'all plans' },
  'Upscale (2× or 4×)': { item: 'Upscale (2× or 4×)', plans: 'all plans' },
  'Background removal': { item: 'Background removal', plans: 'all plans' },
  '2K/4K output multiplier': { item: 'Image generation — 2K/4K output', plans: 'Premium+' },
  'Veo 3.1 Standard (8s, 720p)': { item: 'Video generation — Veo 3.1 Standard', plans: 'all plans' },
  'Veo 3.1 Standard (8s, 1080p)': { item: 'Video generation — Veo 3.1 Standard', plans: 'all plans' },
  'Veo 3.1 Relaxed (8s)': { item: 'Video generation — Veo 3.1 Relaxed', plans: 'all plans' },
  'Veo 3.1 HD (8s, 1080p)': { item: 'Video generation — Veo 3.1 HD', plans: 'Premium+' },
  '2K video (Premium+)': { item: 'Video generation — 2K', plans: 'Premium+' },
  '4K video (Premium+)': { item: 'Video generation — 4K', plans: 'Premium+' },
  'Video extend — LTX (4s)': { item: 'Video extend — LTX', plans: 'Pro+' },
  'Chat edit (surgical patch)': { item: 'Chat edit (surgical patch)', plans: 'all plans' },
  'Prompt enhancement': { item: 'Prompt enhancement', plans: 'all plans' },
  'Brainstorm prompt': { item: 'Brainstorm prompt', plans: 'all plans' },
  'Business OS chat (Pro+)': { item: 'Business OS chat', plans: 'Pro+' },
  'Full regen fallback': { item: 'Full regeneration fallback', differs: 'the reference says 400–600 cr, but a regeneration is a full site, whose phases add up to 272–304 cr (docs/rules-dsl.md)' },
  // Free: in the list of what is never charged.
  'Inline text edit': { item: 'Inline text edit' },
  'Design preset apply': { item: 'Apply a design preset' },
};

/** Full Site Generation's phases: our full site's phases, by label. */
const PHASES: Record<string, { label: string; differs?: string }> = {
  'Hero image (HD)': { label: 'Hero image', differs: 'the reference gives 20–60 cr for an HD hero; the hero is the caller’s model and resolution, 8–40 cr' },
  'Motion video (8s, 1080p)': { label: 'Motion video' },
  'Site HTML assembly': { label: 'Site HTML assembly' },
  'Frame extraction': { label: 'Frame extraction' },
};

describe('the customer price table, reviewed against the Credits Reference row by row', () => {
  let compiled: CompiledRuleSet;
  let sut: PriceTable;
  let rows: PriceRow[];
  beforeAll(async () => {
    compiled = await compileBundled();
    sut = priceTable(compiled);
    rows = sut.groups.flatMap((g) => g.rows);
  });
  const row = (item: string): PriceRow => {
    const found = rows.find((r) => r.item === item);
    if (!found) throw new Error(`no row \`${item}\` in ${rows.map((r) => r.item).join(', ')}`);
    return found;
  };

  it('answers for every priced row of the reference with the same price and plans', () => {
    const tables = referenceTables();
    const reviewed: string[] = [];
    for (const title of ['Image Credit Costs', 'Video Credit Costs', 'Editing & Chat Costs']) {
      for (const [action, credits, notes] of tables.get(title)!) {
        const review = REVIEW[action];
        expect({ action, reviewed: !!review }).toEqual({ action, reviewed: true });
        reviewed.push(action);
        if (amount(credits) === 0) {
          expect(sut.free.map((f) => f.name)).toContain(review.item);
          continue;
        }
        const ours = row(review.item);
        if (review.differs) {
          expect(amount(credits)).not.toBe(shown(ours));
          continue;
        }
        expect({ action, credits: shown(ours) }).toEqual({ action, credits: amount(credits) });
        expect({ action, plans: ours.plans }).toEqual({ action, plans: review.plans });
        // A gate the reference states in its notes is in ours too.
        const gate = /(Pro|Premium)\+/.exec(`${action} ${notes}`)?.[0];
        if (gate) expect(`${ours.notes.join('; ')}`).toContain(gate);
      }
    }
    expect(reviewed.sort()).toEqual(Object.keys(REVIEW).sort());
  });

  it('prices the reference’s resolutions of the standard tier the same: 256 cr at 720p and 1080p', () => {
    const at = (resolution: string) => decide(compiled, { plan: 'basic', balanceMc: 1_500_000, usage: {} }, { action: 'video.generate', params: { resolution } }, new Date(0)).costMillicredits;
    expect([at('720p'), at('1080p')]).toEqual([256_000, 256_000]);
  });

  it('shows a full site as its phases, each at the reference’s price, and says where the total differs', () => {
    const site = row('Full site generation');
    for (const [phase, credits] of referenceTables().get('Full Site Generation Cost')!) {
      const ours = site.phases!.find((p) => p.label === PHASES[phase].label)!;
      if (PHASES[phase].differs) expect(ours.range).toEqual({ min: 8, max: 40 });
      else expect({ phase, credits: ours.range.max }).toEqual({ phase, credits: amount(credits) });
    }
    // "approximately 400–600 credits total": the phases add up to 272–304 (docs/rules-dsl.md).
    expect(site.range).toEqual({ min: 272, max: 304 });
    expect(site.notes).toContain('Basic: 2 per billing cycle');
  });

  it('lists what is charged and what never is, as the reference does', () => {
    expect(sut.deducted).toEqual([
      { group: 'Editing & Chat', actions: ['Chat edit', 'Prompt enhancement', 'Brainstorm prompt', 'Business OS chat'] },
      { group: 'Images', actions: ['Image generation', 'Image edit / variation', 'Upscale', 'Background removal'] },
      { group: 'Sites', actions: ['Full site generation', 'Full regeneration fallback', 'Site HTML assembly'] },
      { group: 'Video', actions: ['Video generation', 'Video extend — LTX'] },
    ]);
    const never = REFERENCE.split('Credits are NOT deducted for:')[1].split('\n')[0].split(' - ').slice(1).map((s) => s.trim());
    expect(never).toHaveLength(6);
    expect(sut.free.map((f) => f.name)).toEqual(['Browse or preview saved projects', 'Re-publish a site', 'Inline text edit', 'Apply a design preset', 'Change site settings or metadata', 'Download HTML or ZIP', 'Frame extraction']);
  });

  it('reads as a customer page: no ids, no assumption marks, no engineering text, no row of dashes, sections in the rules’ order', () => {
    const md = priceTableMarkdown(sut);
    for (const id of compiled.actions.keys()) expect(md).not.toContain(id);
    expect(md).not.toMatch(/\[\d+\]/);
    expect(md).not.toMatch(/\bwhen \w+ (=|in)\b|sum of its phases|multiplies the base/);
    expect(md.split('\n').filter((l) => /^\| [^|]+ \| — \|/.test(l))).toEqual([]);
    expect(md.split('\n').filter((l) => l.startsWith('## '))).toEqual(['## How credits work', '## Plans', '## Editing & Chat', '## Images', '## Sites', '## Video']);
    expect(md).toContain('| Video generation — 2K | 64 cr per second | 512 cr for 8 s (Veo 3.1 Standard); Premium+ only |');
    expect(md).toContain('| Video generation — 4K | 128 cr per second | 1,024 cr for 8 s (Veo 3.1 Standard); Premium+ only |');
    expect(md).toContain('| Upscale (2× or 4×) | 4 cr |');
    expect(md).toContain('| Basic | 1,500 cr | Full site generation: 2 |');
  });

  it('keeps ids, assumptions and conditions for the PM with --audience internal', () => {
    const md = priceTableMarkdown(sut, { audience: 'internal' });
    expect(md).toContain('| Video generation — HD at 720p | `video.generate` | — [5] | all plans | not allowed: the HD tier renders at 1080p or above; use the standard tier for 720p; when tier = hd and resolution = 720p |');
    expect(md).toContain('| Pro | 5,000 cr [1] | — |');
    expect(md).toContain('[4] Video generation — Veo 3.1 Relaxed: the reference says ~150 cr for 8 s');
    expect(sut.assumptions.map((a) => a.about)).toEqual(['Pro allowance', 'Premium allowance', 'Site HTML assembly', 'Video generation — Veo 3.1 Relaxed', 'Video generation: HD at 720p', 'Video extend — LTX']);
  });

  it('as JSON: numeric rates, units, plans, multipliers and ranges, valid against the checked-in schema', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    const validate = ajv.compile(PRICE_TABLE_SCHEMA);
    for (const audience of ['customer', 'internal'] as const) {
      const json = priceTableJson(sut, audience);
      expect({ audience, valid: validate(json), errors: validate.errors ?? null }).toEqual({ audience, valid: true, errors: null });
    }
    const json = priceTableJson(sut) as { sections: { rows: Record<string, unknown>[] }[]; assumptions: { internalOnly: boolean }[]; plans: Record<string, unknown>[] };
    const flat = json.sections.flatMap((s) => s.rows);
    expect(flat.find((r) => r.item === 'Video generation — Veo 3.1 Standard')).toMatchObject({ rate: { credits: 32, millicredits: 32000, unit: 'second', per: 'seconds' }, example: { credits: 256, quantity: 8, unit: 's' }, plans: { label: 'all plans', lowest: null, ids: ['basic', 'pro', 'premium'] }, default: true });
    expect(flat.find((r) => r.item === 'Video generation — 4K')).toMatchObject({ factor: 4, option: { param: 'resolution', values: ['4k'] }, example: { credits: 1024 }, plans: { lowest: 'premium', ids: ['premium'] } });
    expect(flat.find((r) => r.item === 'Full site generation')).toMatchObject({ kind: 'composite', range: { min: 272, max: 304 }, phases: [{ label: 'Hero image', range: { min: 8, max: 40 } }, { label: 'Motion video', range: { min: 256, max: 256 } }, { label: 'Site HTML assembly' }, { label: 'Frame extraction', range: { min: 0, max: 0 } }] });
    expect(flat.some((r) => r.kind === 'condition')).toBe(false);
    expect(json.assumptions.every((a) => a.internalOnly)).toBe(true);
    expect(json.plans[0]).toEqual({ id: 'basic', name: 'Basic', allowance: 1500, allowanceMillicredits: 1_500_000, limits: [{ action: 'site.generate', name: 'Full site generation', count: 2, per: 'billing-cycle' }], assumptions: [] });
  });

  it('as HTML: one standalone, styled, accessible page with no script', () => {
    const html = priceTableHtml(sut);
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).not.toMatch(/<script|javascript:|\son\w+=/i);
    expect(html).not.toMatch(/<link|src=/);
    expect(html).toContain('<style>');
    expect(html.match(/<h1>/g)).toHaveLength(1);
    const tables = html.match(/<table>/g)!.length;
    expect(html.match(/<caption>/g)).toHaveLength(tables);
    expect(html.match(/<thead><tr>/g)).toHaveLength(tables);
    expect(html).toContain('<th scope="col">Credits</th>');
    expect(html).toContain('<tr><th scope="row">Video generation — 4K</th><td class="credits">128 cr per second</td><td>1,024 cr for 8 s (Veo 3.1 Standard); Premium+ only</td></tr>');
    expect(html).toContain('<li><strong>Images:</strong> Image generation, Image edit / variation, Upscale and Background removal</li>');
    for (const id of compiled.actions.keys()) expect(html).not.toContain(id);
    // Text from the rules is escaped.
    expect(html).not.toMatch(/<(?!\/?(html|head|meta|title|style|body|main|h1|h2|p|section|ul|li|div|table|caption|thead|tbody|tr|th|td|strong|code|footer)\b|!doctype|!--)/);
  });
});
