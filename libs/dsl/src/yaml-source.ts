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
    const { diagnostics, explained } = indentation(source, lines, doc.errors);
    for (const e of [...doc.errors, ...doc.warnings]) {
      if (INDENT_CODES.has(e.code) && explained.has(e.pos[0])) continue;
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

/** yaml's errors that a key at the wrong indentation causes. */
const INDENT_CODES = new Set(['BAD_INDENT', 'BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY']);

/**
 * A key indented more or less than the keys of its map is one `yaml-syntax` diagnostic at the key
 * itself, with the column it should be at. yaml reports it at the start of the line (too little
 * indentation) or at the value on the line before (too much), and twice.
 */
function indentation(source: SourceFile, lines: LineCounter, errors: readonly { code: string; pos: [number, number] }[]): { diagnostics: Diagnostic[]; explained: Set<number> } {
  const text = source.text.split('\n');
  const indent = (line: number): number => text[line - 1].length - text[line - 1].trimStart().length;
  const key = (line: number): string | undefined => /^\s*(?:-\s+)?([^\s:#][^:#]*?):(\s|$)/.exec(text[line - 1])?.[1];
  /** The nearest line above that holds a key, skipping blank lines and comments. */
  const above = (line: number): number | undefined => {
    for (let l = line - 1; l >= 1; l--) if (text[l - 1].trim() && !text[l - 1].trim().startsWith('#')) return l;
    return undefined;
  };
  const out: Diagnostic[] = [];
  /** Where the yaml errors that a diagnostic here explains start (yaml reports each mistake twice). */
  const explained = new Set<number>();
  const at = (line: number) => ({ file: source.path, line, column: indent(line) + 1, path: '' });
  const name = (line: number): string => `\`${key(line) ?? text[line - 1].trim()}\``;
  for (const e of errors) {
    if (e.code === 'BAD_INDENT' && lines.linePos(e.pos[0]).col === 1) {
      // Too little: the key starts left of the keys above it and right of their parent; yaml points
      // at the start of the line.
      const line = lines.linePos(e.pos[0]).line;
      const sibling = above(line);
      if (sibling === undefined || !key(line) || indent(sibling) <= indent(line)) continue;
      let parent = sibling;
      while (parent > 1 && indent(parent) >= indent(line)) parent = above(parent) ?? 1;
      const inside = indent(parent) < indent(line) ? ` and right of ${name(parent)} (column ${indent(parent) + 1}, line ${parent})` : '';
      out.push({
        severity: 'error',
        code: 'yaml-syntax',
        message: `${name(line)} starts at column ${indent(line) + 1}: left of ${name(sibling)} (column ${indent(sibling) + 1}, line ${sibling})${inside}; the keys of one map start at the same column`,
        location: at(line),
        hint: inside ? `indent it ${indent(sibling)} spaces to put it beside ${name(sibling)}, or ${indent(parent)} to put it beside ${name(parent)}` : `indent it ${indent(sibling)} spaces, as the keys above it`,
      });
      explained.add(e.pos[0]);
    } else if (e.code === 'MULTILINE_IMPLICIT_KEY') {
      // Too much: yaml reads the line as the continuation of the value on the line before it.
      const start = lines.linePos(e.pos[0]).line;
      const end = lines.linePos(e.pos[1]).line;
      if (end <= start || !key(start) || !key(end) || indent(end) <= indent(start)) continue;
      out.push({
        severity: 'error',
        code: 'yaml-syntax',
        message: `${name(end)} starts at column ${indent(end) + 1}, right of ${name(start)} (column ${indent(start) + 1}, line ${start}); the keys of one map start at the same column`,
        location: at(end),
        hint: `indent it ${indent(start)} spaces, as ${name(start)}`,
      });
      explained.add(e.pos[0]);
    }
  }
  return { diagnostics: out, explained };
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/\.$/, '');
  const text = first.charAt(0).toLowerCase() + first.slice(1);
  return code === 'DUPLICATE_KEY' ? 'a key appears twice in the same map' : text;
}
