import { formatCredits } from '@ratecard/dsl';
import type { PriceRow, PriceTable } from './table';
import { offersSections } from './table-offers';

/** Who reads the table: customers (the website's price list) or the PM (ids, assumptions, conditions). */
export type TableAudience = 'customer' | 'internal';

/** A block of a section: a paragraph, a list, or a table whose first column heads its rows. */
export type Block = { readonly p: string } | { readonly list: readonly string[] } | { readonly table: { readonly caption: string; readonly columns: readonly string[]; readonly rows: readonly (readonly string[])[] } };

/** A section of the price list: a heading and its blocks. */
export interface DocumentSection {
  readonly heading: string;
  readonly blocks: readonly Block[];
}

/** The price list as a document: the same content for Markdown and HTML. Text may hold `**bold**` and `` `code` ``. */
interface TableDocument {
  readonly title: string;
  readonly intro: string;
  readonly sections: readonly DocumentSection[];
  readonly version: string;
}

const credits = (n: number): string => `${formatCredits(Math.round(n * 1000), { group: true })} cr`;
const sentence = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const list = (xs: readonly string[]): string => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

/** The rows a customer sees: no row that only says "—" (gates and denials are notes on the rows they concern). */
function customerRows(rows: readonly PriceRow[]): PriceRow[] {
  return rows.filter((r) => r.kind !== 'condition' || r.credits !== '—');
}

function document(t: PriceTable, audience: TableAudience): TableDocument {
  const internal = audience === 'internal';
  const marks = (ns: readonly number[]): string => (internal && ns.length ? ' ' + ns.map((n) => `[${n}]`).join('') : '');
  const sections: DocumentSection[] = [];
  const how: Block[] = [
    { p: 'Credits are your monthly budget for AI work. They are deducted when you use:' },
    { list: t.deducted.map((d) => `**${d.group}:** ${list(d.actions)}`) },
  ];
  if (t.free.length) how.push({ p: 'Credits are not deducted for:' }, { list: t.free.map((f) => (internal ? `**${f.name}** (\`${f.action}\`): ${f.reason}` : f.name)) });
  how.push(internal ? { list: t.cycle } : { p: t.cycle.join(' ') });
  sections.push({ heading: 'How credits work', blocks: how });
  const limits = (p: PriceTable['plans'][number]): string =>
    p.quotas.map((q) => (internal ? `${q.count} × \`${q.action}\`` : `${q.name}: ${q.count}`)).join(', ') || (internal ? '—' : 'No limits');
  sections.push({
    heading: 'Plans',
    blocks: [{ table: { caption: 'Plans', columns: ['Plan', 'Monthly credits', 'Limits per billing cycle'], rows: t.plans.map((p) => [p.name, `${credits(p.allowance)}${marks(p.assumptions)}`, limits(p)]) } }],
  });
  for (const g of t.groups) {
    const rows = internal ? g.rows : customerRows(g.rows);
    const table = internal
      ? { caption: g.name, columns: ['Action', 'Id', 'Credits', 'Plans', 'Notes'], rows: rows.map((r) => [r.item, `\`${r.action}\``, `${r.credits}${marks(r.assumptions)}`, r.plans, r.internalNotes.join('; ')]) }
      : { caption: g.name, columns: ['Action', 'Credits', 'Notes'], rows: rows.map((r) => [r.item, r.credits, sentence(r.notes.join('; '))]) };
    sections.push({ heading: g.name, blocks: [{ table }] });
  }
  sections.push(...offersSections(t.offers));
  if (internal && t.assumptions.length) {
    sections.push({ heading: 'Assumptions', blocks: [{ p: 'Values marked [n] are not given by the source price list and are assumed:' }, { list: t.assumptions.map((a) => `[${a.number}] ${a.about}: ${a.text}`) }] });
  }
  return {
    title: internal ? 'Credits Reference (internal)' : 'Credits Reference',
    intro: `Exact credit costs for every action: ${list(t.groups.map((g) => g.name.toLowerCase()))}.`,
    sections,
    version: t.rulesetVersion.slice(0, 12),
  };
}

/** The price table as Markdown: for customers (the default) a page the website can publish as is. */
export function priceTableMarkdown(t: PriceTable, options: { audience?: TableAudience; title?: string } = {}): string {
  const doc = document(t, options.audience ?? 'customer');
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const out: string[] = [`# ${options.title ?? doc.title}`, '', doc.intro, ''];
  for (const s of doc.sections) {
    out.push(`## ${s.heading}`, '');
    for (const b of s.blocks) {
      if ('p' in b) out.push(b.p, '');
      else if ('list' in b) out.push(...b.list.map((l) => `- ${l}`), '');
      else out.push(`| ${b.table.columns.join(' | ')} |`, `|${b.table.columns.map(() => '---').join('|')}|`, ...b.table.rows.map((r) => `| ${r.map(cell).join(' | ')} |`), '');
    }
  }
  out.push(options.audience === 'internal' ? `<sub>Rule set version \`${doc.version}\`.</sub>` : `<!-- rule set ${doc.version} -->`, '');
  return out.join('\n');
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Escapes, then turns `**bold**` and `` `code` `` into elements. */
const inline = (s: string): string =>
  escape(s)
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/`(.+?)`/g, '<code>$1</code>');

const STYLE = `
  :root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --band: #f6f8fa; --accent: #0b5cad; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
  main { max-width: 60rem; margin: 0 auto; padding: 2rem 1rem 3rem; }
  h1 { font-size: 2rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.35rem; margin: 2.25rem 0 .75rem; padding-bottom: .25rem; border-bottom: 2px solid var(--line); }
  p.intro { color: var(--muted); margin-top: 0; }
  .scroll { overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; }
  caption { text-align: left; position: absolute; left: -9999px; }
  th, td { text-align: left; vertical-align: top; padding: .5rem .75rem; border-bottom: 1px solid var(--line); }
  thead th { background: var(--band); font-weight: 600; white-space: nowrap; }
  tbody th { font-weight: 600; }
  td.credits { white-space: nowrap; font-variant-numeric: tabular-nums; }
  code { font: .9em ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--band); padding: 0 .2em; border-radius: 3px; }
  ul { padding-left: 1.25rem; }
  footer { margin-top: 3rem; color: var(--muted); font-size: .85rem; }
  @media print { main { max-width: none; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
`;

/**
 * The price table as one standalone, styled and accessible HTML page: language, headings in order,
 * tables with captions and header cells, no script. A website can serve it or embed its `<main>`.
 */
export function priceTableHtml(t: PriceTable, options: { audience?: TableAudience; title?: string } = {}): string {
  const doc = document(t, options.audience ?? 'customer');
  const title = options.title ?? doc.title;
  const out: string[] = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escape(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escape(title)}</h1>`,
    `<p class="intro">${inline(doc.intro)}</p>`,
  ];
  doc.sections.forEach((s, i) => {
    const id = `s${i + 1}`;
    out.push(`<section aria-labelledby="${id}">`, `<h2 id="${id}">${inline(s.heading)}</h2>`);
    for (const b of s.blocks) {
      if ('p' in b) out.push(`<p>${inline(b.p)}</p>`);
      else if ('list' in b) out.push('<ul>', ...b.list.map((l) => `<li>${inline(l)}</li>`), '</ul>');
      else {
        const creditsAt = b.table.columns.indexOf('Credits');
        out.push('<div class="scroll">', '<table>', `<caption>${inline(b.table.caption)}</caption>`, '<thead><tr>', ...b.table.columns.map((c) => `<th scope="col">${escape(c)}</th>`), '</tr></thead>', '<tbody>');
        for (const r of b.table.rows) out.push(`<tr><th scope="row">${inline(r[0])}</th>${r.slice(1).map((c, j) => `<td${j + 1 === creditsAt ? ' class="credits"' : ''}>${inline(c)}</td>`).join('')}</tr>`);
        out.push('</tbody>', '</table>', '</div>');
      }
    }
    out.push('</section>');
  });
  out.push(
    options.audience === 'internal' ? `<footer>Generated from the pricing rules, rule set version <code>${escape(doc.version)}</code>.</footer>` : `<!-- rule set ${escape(doc.version)} -->`,
    '</main>',
    '</body>',
    '</html>',
    '',
  );
  return out.join('\n');
}
