import type { CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import type { EditorState } from '@codemirror/state';
import { hoverTooltip, type Tooltip } from '@codemirror/view';
import rulesSchema from '../../../../libs/dsl/src/schema/rules.schema.json';
import casesSchema from '../../../../libs/dsl/src/schema/cases.schema.json';

/**
 * Completion and hover help in the YAML editor from the rules' own JSON Schema (the file the
 * validator uses, bundled as is): the keys allowed where the cursor is, with their descriptions,
 * and the values of enumerations. The path to the cursor is read from indentation and flow maps,
 * which is what rule files use.
 */

interface Schema {
  readonly $ref?: string;
  readonly description?: string;
  readonly type?: string | string[];
  readonly properties?: Record<string, Schema>;
  readonly additionalProperties?: Schema | boolean;
  readonly patternProperties?: Record<string, Schema>;
  readonly items?: Schema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly oneOf?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
  readonly $defs?: Record<string, Schema>;
  readonly examples?: readonly unknown[];
}

type Segment = string | number;

function deref(root: Schema, s: Schema | undefined, depth = 0): Schema | undefined {
  if (!s || depth > 20) return s;
  if (s.$ref?.startsWith('#/$defs/')) return deref(root, root.$defs?.[s.$ref.slice(8)], depth + 1);
  return s;
}

/** Every alternative a schema allows (oneOf/anyOf/allOf flattened). */
function alternatives(root: Schema, s: Schema | undefined): Schema[] {
  const d = deref(root, s);
  if (!d) return [];
  const subs = [...(d.oneOf ?? []), ...(d.anyOf ?? []), ...(d.allOf ?? [])];
  return subs.length ? [d, ...subs.flatMap((x) => alternatives(root, x))] : [d];
}

function child(root: Schema, s: Schema | undefined, seg: Segment): Schema[] {
  return alternatives(root, s).flatMap((a) => {
    if (typeof seg === 'number') return a.items ? [a.items] : [];
    if (a.properties?.[seg]) return [a.properties[seg]];
    const pattern = Object.entries(a.patternProperties ?? {}).find(([re]) => new RegExp(re).test(seg))?.[1];
    if (pattern) return [pattern];
    if (typeof a.additionalProperties === 'object') return [a.additionalProperties];
    return [];
  });
}

function resolve(root: Schema, path: readonly Segment[]): Schema[] {
  let current: Schema[] = [root];
  for (const seg of path) current = current.flatMap((s) => child(root, s, seg));
  return current;
}

function keysOf(root: Schema, schemas: readonly Schema[]): Map<string, string | undefined> {
  const keys = new Map<string, string | undefined>();
  for (const s of schemas) for (const a of alternatives(root, s)) for (const [k, v] of Object.entries(a.properties ?? {})) if (!keys.has(k)) keys.set(k, deref(root, v)?.description ?? v.description);
  return keys;
}

function valuesOf(root: Schema, schemas: readonly Schema[]): string[] {
  const values = new Set<string>();
  for (const s of schemas) for (const a of alternatives(root, s)) for (const v of [...(a.enum ?? []), ...(a.const !== undefined ? [a.const] : [])]) values.add(String(v));
  return [...values];
}

const KEY_LINE = /^(\s*)(- +)?("[^"]*"|[^\s#:{}\[\],][^#:{}\[\],]*?)\s*:(\s|$)/;

function indentOf(text: string): number {
  return text.length - text.trimStart().length;
}

/** The block path (keys and list items) that encloses content at `limit` columns on line `lineNo`. */
function blockPath(state: EditorState, lineNo: number, limit: number): Segment[] {
  const path: Segment[] = [];
  for (let n = lineNo - 1; n >= 1 && limit > 0; n--) {
    const text = state.doc.line(n).text;
    const trimmed = text.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const ind = indentOf(text);
    const m = KEY_LINE.exec(text);
    if (m?.[2]) {
      // `- key: …`: the item's keys sit at ind + dash width.
      const inner = ind + m[2].length;
      if (limit < inner && limit > ind) continue;
      if (limit <= ind) continue;
      if (limit > inner) path.unshift(unquote(m[3]));
      path.unshift(0);
      limit = ind;
    } else if (ind < limit) {
      if (m) path.unshift(unquote(m[3]));
      else if (trimmed.startsWith('-')) path.unshift(0);
      limit = ind;
    }
  }
  return path;
}

function unquote(key: string): string {
  return key.replace(/^"|"$/g, '').trim();
}

/**
 * The YAML path to a position: the keys (and list items) enclosing it, read from the lines above by
 * indentation, then from any open flow map `{ … }` on the cursor's line; and whether the cursor is
 * in the value of a key.
 */
export function pathAt(state: EditorState, pos: number): { path: Segment[]; inValue: boolean; key?: string } {
  const line = state.doc.lineAt(pos);
  const before = line.text.slice(0, pos - line.from);
  const dash = /^(\s*)(- +)/.exec(line.text);
  const limit = dash ? dash[1].length : indentOf(before.trim() === '' ? before : line.text);
  const path = blockPath(state, line.number, limit);
  if (dash && before.length >= dash[0].length) path.push(0);
  // Open flow maps on this line: `price: { rate: 18 cr, lab|`.
  const open: number[] = [];
  for (let i = 0; i < before.length; i++) {
    if (before[i] === '{') open.push(i);
    else if (before[i] === '}') open.pop();
  }
  for (const j of open) {
    const k = /("[^"]*"|[A-Za-z0-9_.+-]+)\s*:\s*$/.exec(before.slice(0, j));
    if (k) path.push(unquote(k[1]));
  }
  const last = open.length ? before.slice(open[open.length - 1] + 1).split(',').pop()! : before.replace(/^\s*(- +)?/, '');
  const kv = /^\s*("[^"]*"|[A-Za-z0-9_.+-]+)\s*:\s*[^\s{]*$/.exec(last);
  if (kv) return { path, inValue: true, key: unquote(kv[1]) };
  return { path, inValue: false };
}

function schemaFor(state: EditorState, file: string): Schema {
  void state;
  return (/\.test\.ya?ml$/i.test(file) ? casesSchema : rulesSchema) as Schema;
}

/** Completion of keys and enumerated values from the schema. */
export function schemaCompletion(file: () => string) {
  return (ctx: CompletionContext): CompletionResult | null => {
    const word = ctx.matchBefore(/[A-Za-z0-9_.+-]*/);
    if (!word || (word.from === word.to && !ctx.explicit)) return null;
    const root = schemaFor(ctx.state, file());
    const at = pathAt(ctx.state, ctx.pos);
    if (at.inValue && at.key) {
      const values = valuesOf(root, resolve(root, [...at.path, at.key]));
      if (!values.length) return null;
      return { from: word.from, options: values.map((v) => ({ label: v, type: 'enum' })), validFor: /^[A-Za-z0-9_.+-]*$/ };
    }
    const keys = keysOf(root, resolve(root, at.path));
    if (!keys.size) return null;
    return {
      from: word.from,
      options: [...keys].map(([label, info]) => ({ label, type: 'property', ...(info ? { info } : {}), apply: `${label}: ` })),
      validFor: /^[A-Za-z0-9_.+-]*$/,
    };
  };
}

/** Hovering a key shows what the schema says about it. */
export function schemaHover(file: () => string) {
  return hoverTooltip((view, pos): Tooltip | null => {
    const line = view.state.doc.lineAt(pos);
    const m = /^(\s*(?:- )?)([A-Za-z0-9_.+-]+)\s*:/.exec(line.text);
    if (!m) return null;
    const start = line.from + m[1].length;
    const end = start + m[2].length;
    if (pos < start || pos > end) return null;
    const root = schemaFor(view.state, file());
    const { path } = pathAt(view.state, start);
    const description = keysOf(root, resolve(root, path)).get(m[2]);
    if (!description) return null;
    return {
      pos: start,
      end,
      above: true,
      create: () => {
        const dom = document.createElement('div');
        dom.className = 'cm-schema-tip';
        const title = document.createElement('strong');
        title.textContent = m[2];
        const text = document.createElement('p');
        text.textContent = description;
        dom.append(title, text);
        return { dom };
      },
    };
  });
}
