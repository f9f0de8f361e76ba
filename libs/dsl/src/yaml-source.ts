import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Node } from 'yaml';
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
    // logLevel 'error': yaml's warnings (e.g. a map key that is a collection) go to process warnings otherwise;
    // the schema stage reports what is wrong with such a key.
    const doc = parseDocument(source.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: false, logLevel: 'error' });
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
    const at = (offset: number): SourceLocation => {
      const pos = lines.linePos(offset);
      return { file: source.path, line: pos.line, column: pos.col, path: '' };
    };
    const aliases = checkAliases(doc);
    if (aliases.problems.length) {
      return { diagnostics: [...diagnostics, ...aliases.problems.map((p) => ({ severity: 'error' as const, code: 'yaml-syntax', message: p.message, location: at(p.offset) }))] };
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      // INVARIANT: aliases resolve and are not circular (checked above), so the only ReferenceError
      // left is yaml's limit on alias expansion (a "billion laughs" document).
      if (!(e instanceof ReferenceError)) throw e;
      const message = `aliases expand to too many nodes (at most ${MAX_ALIAS_COUNT} per anchor)`;
      return { diagnostics: [...diagnostics, { severity: 'error', code: 'yaml-syntax', message, location: at(aliases.first ?? 0) }] };
    }
    return { file: new YamlFile(source.path, doc, lines, data), diagnostics };
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

/** How many nodes aliases may expand to, per anchor (yaml's `maxAliasCount`). */
const MAX_ALIAS_COUNT = 100;

/**
 * Aliases that name no earlier anchor, and aliases inside the node they name (a circular document,
 * which no rule file needs and which would send every later stage round in circles). One pass in
 * document order; an alias refers to the last anchor of its name before it, as yaml resolves it.
 */
function checkAliases(doc: Document): { problems: { message: string; offset: number }[]; first?: number } {
  const anchors = new Map<string, unknown>();
  const problems: { message: string; offset: number }[] = [];
  let first: number | undefined;
  visit(doc, {
    Node: (_key, node, path) => {
      if (isAlias(node)) {
        const offset = node.range?.[0] ?? 0;
        first ??= offset;
        const source = anchors.get(node.source);
        if (source === undefined) problems.push({ message: `alias \`*${node.source}\` refers to no anchor before it`, offset });
        else if (path.includes(source as never)) problems.push({ message: `alias \`*${node.source}\` refers to a node that contains it`, offset });
      } else if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor) {
        anchors.set(node.anchor, node);
      }
    },
  });
  return { problems, ...(first !== undefined ? { first } : {}) };
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/\.$/, '');
  const text = first.charAt(0).toLowerCase() + first.slice(1);
  return code === 'DUPLICATE_KEY' ? 'a key appears twice in the same map' : text;
}
