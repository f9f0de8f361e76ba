import { formatCredits, type SourceLocation } from '@ratecard/dsl';
import type { CellChange, CellOutcome, RuleSetDiff } from './diff';
import { whenText, type CellGroup, type DiffSummary } from './diff-groups';

/** How a diff is rendered: which sides' names to show, and whether to list every changed cell. */
export interface DiffRenderOptions {
  /** Most cells listed with `cells` (text 200, Markdown 500). */
  readonly limit?: number;
  readonly labels?: { readonly from: string; readonly to: string };
  /** List every changed cell after the groups (`--cells`). */
  readonly cells?: boolean;
}

const where = (l: SourceLocation | undefined): string => (l ? `${l.file}:${l.line}:${l.column}` : '(none)');
const outcome = (o: CellOutcome | null): string => (o === null ? '—' : `${o.allowed ? '' : 'denied '}${formatCredits(Math.round(o.cost * 1000), { group: true })} cr`);
const params = (c: CellChange): string =>
  Object.entries(c.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ') || '(defaults)';
const plural = (n: number, noun: string): string => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;

/** `image.generate model=flux-pro, every plan and resolution`. */
export function groupSubject(g: CellGroup): string {
  if (g.where.endsWith('every action')) return g.where;
  const subject = g.actions.join(' and ');
  return g.where.startsWith('every') ? `${subject}, ${g.where}` : `${subject} ${g.where}`;
}

/**
 * `image.generate model=flux-pro, every plan and resolution: +1 cr per 16 cr (+6.3%), 9 cells`; a
 * change that holds part of the time starts with when (`2026-12-01 to 2027-01-01: video.generate …`).
 */
export function groupLine(g: CellGroup): string {
  return `${g.when ? `${g.when}: ` : ''}${groupSubject(g)}: ${g.change}, ${plural(g.cells, 'cell')}`;
}

/** When a cell's change holds, for the list of cells: empty at all times. */
const cellWhen = (c: CellChange): string => (c.from || c.until ? whenText([{ ...(c.from ? { from: c.from } : {}), ...(c.until ? { until: c.until } : {}) }]) : '');

const SUMMARY: readonly [keyof DiffSummary, string][] = [
  ['payMore', 'pay more'],
  ['payLess', 'pay less'],
  ['loseAccess', 'lose access'],
  ['gainAccess', 'gain access'],
  ['other', 'also'],
];

/** The diff as text for a terminal: in short, the rule changes, the cells by group (and each cell with `cells`). */
export function diffText(diff: RuleSetDiff, options: DiffRenderOptions = {}): string {
  const limit = options.limit ?? 200;
  const from = options.labels?.from ?? diff.from.slice(0, 12);
  const to = options.labels?.to ?? diff.to.slice(0, 12);
  const out: string[] = [`rule-set diff ${from} → ${to}`];
  if (diff.identical) {
    out.push('', 'no changes: the rule sets mean the same (formatting, comments and key order do not count)');
    return out.join('\n');
  }
  out.push('', 'in short');
  for (const [key, label] of SUMMARY) {
    const lines = diff.summary[key];
    if (key === 'other' && lines.length === 0) continue;
    (lines.length ? lines : ['nobody']).forEach((l, i) => out.push(`  ${(i === 0 ? label : '').padEnd(11)}  ${l}`));
  }
  const width = Math.max(0, ...diff.rules.map((r) => r.kind.length));
  out.push('', plural(diff.rules.length, 'rule change'));
  for (const r of diff.rules) {
    out.push(`  ${r.kind.padEnd(width)}  ${r.summary}`);
    out.push(`  ${''.padEnd(width)}  ${where(r.before)} → ${where(r.after)}`);
  }
  out.push('', `${diff.cells.length} of ${diff.cellsCompared} plan × action × parameter cells changed${diff.groups.length ? `, in ${plural(diff.groups.length, 'group')}` : ''}`);
  for (const g of diff.groups) out.push(`  ${groupLine(g)}`);
  if (options.cells && diff.cells.length) {
    const shown = diff.cells.slice(0, limit);
    const w1 = Math.max(0, ...shown.map((c) => c.action.length));
    const w2 = Math.max(0, ...shown.map((c) => c.plan.length));
    const w3 = Math.max(0, ...shown.map((c) => params(c).length));
    out.push('', 'every changed cell');
    for (const c of shown) out.push(`  ${c.action.padEnd(w1)}  ${c.plan.padEnd(w2)}  ${params(c).padEnd(w3)}  ${outcome(c.before)} → ${outcome(c.after)}${cellWhen(c) ? `  ${cellWhen(c)}` : ''}`);
    if (diff.cells.length > shown.length) out.push(`  … and ${diff.cells.length - shown.length} more (use --format json for all)`);
  }
  return out.join('\n');
}

/** The diff as Markdown, for a review. */
export function diffMarkdown(diff: RuleSetDiff, options: DiffRenderOptions = {}): string {
  const limit = options.limit ?? 500;
  const from = options.labels?.from ?? `\`${diff.from.slice(0, 12)}\``;
  const to = options.labels?.to ?? `\`${diff.to.slice(0, 12)}\``;
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out: string[] = [`## Rule-set diff ${from} → ${to}`, ''];
  if (diff.identical) return [...out, 'No changes: the rule sets mean the same (formatting, comments and key order do not count).', ''].join('\n');
  out.push('### In short', '');
  for (const [key, label] of SUMMARY) {
    const lines = diff.summary[key];
    if (key === 'other' && lines.length === 0) continue;
    out.push(`- **${label[0].toUpperCase()}${label.slice(1)}:** ${lines.length ? lines.map(esc).join('; ') : 'nobody'}`);
  }
  out.push('', `### Rule changes (${diff.rules.length})`, '', '| Change | Subject | What | Before | After |', '|---|---|---|---|---|');
  for (const r of diff.rules) out.push(`| ${r.kind} | \`${r.subject}\` | ${esc(r.summary)} | ${where(r.before)} | ${where(r.after)} |`);
  // A When column only when some change holds part of the time.
  const timed = diff.cells.some((c) => c.from !== undefined || c.until !== undefined);
  out.push('', `### Cells that changed (${diff.cells.length} of ${diff.cellsCompared})`, '', `| Action | Where |${timed ? ' When |' : ''} Change | Cells |`, `|---|---|${timed ? '---|' : ''}---|---|`);
  for (const g of diff.groups) out.push(`| ${g.where.endsWith('every action') ? 'every action' : g.actions.map((a) => `\`${a}\``).join(' and ')} | ${esc(g.where)} |${timed ? ` ${g.when ?? 'always'} |` : ''} ${esc(g.change)} | ${g.cells} |`);
  if (options.cells && diff.cells.length) {
    out.push('', '#### Every changed cell', '', `| Action | Plan | Parameters | Before | After |${timed ? ' When |' : ''}`, `|---|---|---|---|---|${timed ? '---|' : ''}`);
    for (const c of diff.cells.slice(0, limit)) out.push(`| \`${c.action}\` | ${c.plan} | ${esc(params(c))} | ${outcome(c.before)} | ${outcome(c.after)} |${timed ? ` ${cellWhen(c) || 'always'} |` : ''}`);
    if (diff.cells.length > limit) out.push('', `… and ${diff.cells.length - limit} more.`);
  }
  out.push('');
  return out.join('\n');
}
