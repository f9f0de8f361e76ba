/** Figures as text: latencies, sizes and ratios. */

/** Nanoseconds as µs with a sensible precision. */
export const us = (ns: number): string => (ns < 1000 ? `${(ns / 1000).toFixed(3)} µs` : ns < 100_000 ? `${(ns / 1000).toFixed(2)} µs` : `${(ns / 1000).toFixed(0)} µs`);
export const ms = (v: number): string => (v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(0)} ms`);
export const mb = (v: number): string => `${v.toFixed(0)} MB`;
export const x = (r: number): string => (r >= 100 ? `${r.toFixed(0)}×` : r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`);
export const pct = (r: number): string => `${(r * 100).toFixed(0)}%`;
export const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A Markdown table; columns of figures are right-aligned. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const figure = (cell: string): boolean => cell === '' || cell === '—' || /^[~\d.,]/.test(cell);
  const align = head.map((_, i) => (rows.every((r) => figure(r[i] ?? '')) ? '---:' : '---'));
  return [`| ${head.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}
