import { isScalar, isSeq, LineCounter, parseDocument, Scalar, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { formatCredits, type Millicredits } from './amounts';
import type { SourceLocation } from './diagnostics';
import type { SourceFile } from './source';

/** New expected values for one case, found by where the case is written (as `Case.at`). */
export interface CaseUpdate {
  readonly line: number;
  readonly column: number;
  readonly want: {
    readonly allowed?: boolean;
    readonly costMc?: Millicredits;
    readonly exempt?: boolean;
    readonly requiresConfirmation?: boolean;
    readonly reasons?: readonly string[];
    readonly breakdown?: readonly string[];
  };
}

/** One value rewritten: which field of which case, from what to what. */
export interface CaseEdit {
  /** Where the case is written (as `Case.at`). */
  readonly case: { readonly line: number; readonly column: number };
  /** Where the value is written. */
  readonly at: SourceLocation;
  readonly field: string;
  readonly before: string;
  readonly after: string;
}

const FIELDS = { allowed: 'allowed', costMc: 'cost', exempt: 'exempt', requiresConfirmation: 'requiresConfirmation', reasons: 'reasons', breakdown: 'breakdown' } as const;

/**
 * Rewrites the expected values (`want`) of cases in a case file, in place: each value is replaced
 * where it is written, in the style it is written in (flow or block lists, quoted or plain
 * strings), so comments, order and layout stay as they are. Only fields the case already expects
 * are rewritten. Pure: text in, text out.
 */
export function updateCaseFile(source: SourceFile, updates: readonly CaseUpdate[]): { text: string; edits: CaseEdit[] } {
  const lines = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter: lines, keepSourceTokens: true });
  const cases = doc.getIn(['cases'], true);
  if (!isSeq(cases)) return { text: source.text, edits: [] };
  const replacements: { start: number; end: number; text: string }[] = [];
  const edits: CaseEdit[] = [];
  cases.items.forEach((item, index) => {
    const node = item as Node;
    const pos = lines.linePos(node.range?.[0] ?? 0);
    const update = updates.find((u) => u.line === pos.line && u.column === pos.col);
    if (!update) return;
    const want = doc.getIn(['cases', index, 'want'], true) as YAMLMap | undefined;
    if (!want) return;
    for (const [key, field] of Object.entries(FIELDS) as [keyof typeof FIELDS, string][]) {
      const value = update.want[key];
      if (value === undefined) continue;
      const target = want.get(field, true) as Node | undefined;
      if (!target?.range) continue;
      // A block list's range runs on over the blank lines after it; its text ends with its last item.
      const last = isSeq(target) && !target.flow ? (target.items[target.items.length - 1] as Node | undefined) : undefined;
      const end = last?.range ? last.range[1] : target.range[1];
      const before = source.text.slice(target.range[0], end);
      const text = isSeq(target) ? seqText(source.text, target, value as readonly string[], lines) : key === 'costMc' ? formatCredits(value as number) : String(value);
      if (text === before) continue;
      replacements.push({ start: target.range[0], end, text });
      const at = lines.linePos(target.range[0]);
      edits.push({ case: { line: pos.line, column: pos.col }, at: { file: source.path, line: at.line, column: at.col, path: `cases[${index}].want.${field}` }, field, before, after: text });
    }
  });
  let text = source.text;
  for (const r of replacements.sort((a, b) => b.start - a.start)) text = text.slice(0, r.start) + r.text + text.slice(r.end);
  return { text, edits: edits.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column) };
}

/** A list written the way the one it replaces is: `[a, b]` in flow, `- a` lines in a block. */
function seqText(text: string, seq: YAMLSeq, values: readonly string[], lines: LineCounter): string {
  const first = seq.items[0] as Node | undefined;
  const quoted = isScalar(first) && (first.type === Scalar.QUOTE_SINGLE || first.type === Scalar.QUOTE_DOUBLE);
  const items = values.map((v) => scalarText(v, quoted));
  if (seq.flow || values.length === 0 || !first?.range) return `[${items.join(', ')}]`;
  const indent = ' '.repeat(lines.linePos(seq.range![0]).col - 1);
  // The block starts at its first `-`; every later item goes on its own line at the same indent.
  return items.map((item, i) => `${i === 0 ? '' : indent}- ${item}`).join('\n');
}

/** A string as a flow-safe YAML scalar: plain when that reads back the same, else single-quoted. */
function scalarText(value: string, preferQuotes: boolean): string {
  const plain = /^[A-Za-z0-9(][^,[\]{}#&*!|>'"%@`]*$/.test(value) && !/:\s|\s$|:$/.test(value) && !/^(true|false|null|~|-?\d[\d.,]*)$/i.test(value);
  return plain && !preferQuotes ? value : `'${value.replace(/'/g, "''")}'`;
}
