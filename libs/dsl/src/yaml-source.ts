import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Diagnostic, SourceLocation } from './diagnostics';
import type { SourceFile } from './source';

/** A path into a YAML document: map keys and sequence indexes. */
export type YamlPath = readonly (string | number)[];

/** Renders a YAML path for messages: `actions["image.generate"].params.model`. */
export function formatPath(path: YamlPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** A parsed YAML file that can say where any path of it is. */
export class YamlFile {
  private constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    /** The document as plain data; undefined when the file is empty. */
    readonly data: unknown,
  ) {}

  /** Parses a file, reporting every YAML error (syntax, duplicate keys) with its location. */
  static parse(source: SourceFile): { file?: YamlFile; diagnostics: Diagnostic[] } {
    const lines = new LineCounter();
    const doc = parseDocument(source.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: false });
    const diagnostics: Diagnostic[] = [];
    for (const e of [...doc.errors, ...doc.warnings]) {
      const pos = lines.linePos(e.pos[0]);
      const code = e.code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'yaml-syntax';
      diagnostics.push({
        severity: doc.errors.includes(e) ? 'error' : 'warning',
        code,
        message: yamlMessage(e.code, e.message),
        location: { file: source.path, line: pos.line, column: pos.col, path: '' },
      });
    }
    if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
    return { file: new YamlFile(source.path, doc, lines, doc.toJS({ maxAliasCount: 100 })), diagnostics };
  }

  /** Where `path` is. `part: 'key'` points at the map key instead of its value. */
  locate(path: YamlPath, part: 'key' | 'value' = 'value'): SourceLocation {
    let node: unknown = this.doc.contents;
    let offset = 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const key = pair.key as Node;
        if (last && part === 'key') {
          offset = key.range?.[0] ?? offset;
          node = undefined;
          break;
        }
        const value = pair.value as Node | null;
        offset = value?.range?.[0] ?? key.range?.[0] ?? offset;
        node = value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    if (path.length === 0) offset = (this.doc.contents as Node | null)?.range?.[0] ?? 0;
    const pos = this.lines.linePos(offset);
    return { file: this.file, line: pos.line, column: pos.col, path: formatPath(path) };
  }
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/\.$/, '');
  const text = first.charAt(0).toLowerCase() + first.slice(1);
  return code === 'DUPLICATE_KEY' ? 'a key appears twice in the same map' : text;
}
