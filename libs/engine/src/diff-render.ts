import { formatCredits, type SourceLocation } from '@ratecard/dsl';
import type { CellChange, CellOutcome, RuleSetDiff } from './diff';

const where = (l: SourceLocation | undefined): string => (l ? `${l.file}:${l.line}:${l.column}` : '(none)');
const outcome = (o: CellOutcome | null): string => (o === null ? '—' : `${o.allowed ? '' : 'denied '}${formatCredits(Math.round(o.cost * 1000), { group: true })} cr`);
const params = (c: CellChange): string =>
  Object.entries(c.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ') || '(defaults)';

/** The diff as text for a terminal. `limit` caps the listed cells. */
export function diffText(diff: RuleSetDiff, options: { limit?: number; labels?: { from: string; to: string } } = {}): string {
  const limit = options.limit ?? 200;
  const from = options.labels?.from ?? diff.from.slice(0, 12);
  const to = options.labels?.to ?? diff.to.slice(0, 12);
  const out: string[] = [`rule-set diff ${from} → ${to}`];
  if (diff.identical) {
    out.push('', 'no changes: the rule sets mean the same (formatting, comments and key order do not count)');
    return out.join('\n');
  }
  const width = Math.max(0, ...diff.rules.map((r) => r.kind.length));
  out.push('', `${diff.rules.length} rule change${diff.rules.length === 1 ? '' : 's'}`);
  for (const r of diff.rules) {
    out.push(`  ${r.kind.padEnd(width)}  ${r.summary}`);
    out.push(`  ${''.padEnd(width)}  ${where(r.before)} → ${where(r.after)}`);
  }
  out.push('', `${diff.cells.length} of ${diff.cellsCompared} plan × action × parameter cells changed`);
  const shown = diff.cells.slice(0, limit);
  const w1 = Math.max(0, ...shown.map((c) => c.action.length));
  const w2 = Math.max(0, ...shown.map((c) => c.plan.length));
  const w3 = Math.max(0, ...shown.map((c) => params(c).length));
  for (const c of shown) out.push(`  ${c.action.padEnd(w1)}  ${c.plan.padEnd(w2)}  ${params(c).padEnd(w3)}  ${outcome(c.before)} → ${outcome(c.after)}`);
  if (diff.cells.length > shown.length) out.push(`  … and ${diff.cells.length - shown.length} more (use --format json for all)`);
  return out.join('\n');
}

/** The diff as Markdown, for a review. */
export function diffMarkdown(diff: RuleSetDiff, options: { limit?: number; labels?: { from: string; to: string } } = {}): string {
  const limit = options.limit ?? 500;
  const from = options.labels?.from ?? `\`${diff.from.slice(0, 12)}\``;
  const to = options.labels?.to ?? `\`${diff.to.slice(0, 12)}\``;
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out: string[] = [`## Rule-set diff ${from} → ${to}`, ''];
  if (diff.identical) return [...out, 'No changes: the rule sets mean the same (formatting, comments and key order do not count).', ''].join('\n');
  out.push(`### Rule changes (${diff.rules.length})`, '', '| Change | Subject | What | Before | After |', '|---|---|---|---|---|');
  for (const r of diff.rules) out.push(`| ${r.kind} | \`${r.subject}\` | ${esc(r.summary)} | ${where(r.before)} | ${where(r.after)} |`);
  out.push('', `### Cells that changed (${diff.cells.length} of ${diff.cellsCompared})`, '', '| Action | Plan | Parameters | Before | After |', '|---|---|---|---|---|');
  for (const c of diff.cells.slice(0, limit)) out.push(`| \`${c.action}\` | ${c.plan} | ${esc(params(c))} | ${outcome(c.before)} | ${outcome(c.after)} |`);
  if (diff.cells.length > limit) out.push('', `… and ${diff.cells.length - limit} more.`);
  out.push('');
  return out.join('\n');
}
