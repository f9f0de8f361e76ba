import { isInexactAmount, isInexactFactor, parseFactor, parseRate } from './amounts';
import type { SourceLocation } from './diagnostics';
import { FileContext, gate, isObject, text, type Mutable, type Raw } from './file-context';
import type { Condition, ConditionEffect, ConditionTree } from './ruleset';
import type { YamlPath } from './yaml-source';

/**
 * True when `node` has the shape of a condition tree: `all`/`any` of trees, `not` of a tree, or a
 * `{ fact, operator, value }` leaf with string fact and operator. Anything else is reported by the
 * schema stage; the later stages only ever see well-formed trees.
 */
function isConditionTree(node: unknown): node is Raw {
  if (!isObject(node)) return false;
  if ('all' in node) return Array.isArray(node.all) && node.all.every(isConditionTree);
  if ('any' in node) return Array.isArray(node.any) && node.any.every(isConditionTree);
  if ('not' in node) return isConditionTree(node.not);
  return typeof node.fact === 'string' && typeof node.operator === 'string' && 'value' in node;
}

/** Stage "normalize", one custom condition: its `when` as json-rules-engine wants it, and its effect. */
export function normalizeCondition(ctx: FileContext, path: YamlPath, raw: unknown): Condition[] {
  if (!isObject(raw) || typeof raw.id !== 'string' || !isConditionTree(raw.when)) return [];
  let effect: ConditionEffect | undefined;
  if (raw.deny !== undefined) {
    const d = raw.deny;
    if (typeof d === 'string') effect = { kind: 'deny', code: 'INVALID_PARAMS', message: d };
    else if (isObject(d) && typeof d.message === 'string') effect = { kind: 'deny', code: (d.code as 'INVALID_PARAMS' | 'PLAN_REQUIRED') ?? 'INVALID_PARAMS', message: d.message };
  } else if (raw.requires !== undefined) {
    const g = gate(ctx, [...path, 'requires'], raw.requires);
    if (g) effect = { kind: 'requires', gate: g, ...(text(raw.message) ? { message: text(raw.message) } : {}) };
  } else if (raw.multiply !== undefined) {
    const f = parseFactor(raw.multiply);
    if (f !== undefined) effect = { kind: 'multiply', factor: f };
    else if (isInexactFactor(raw.multiply)) ctx.error('invalid-amount', `\`${String(raw.multiply)}\` is not a multiplier with at most three decimals`, [...path, 'multiply']);
  } else if (raw.add !== undefined) {
    const a = parseRate(raw.add);
    if (a && a.unit === undefined) effect = { kind: 'add', mc: a.mc };
    else if (isInexactAmount(raw.add)) ctx.error('invalid-amount', `\`${String(raw.add)}\` is not an amount of credits with at most three decimals`, [...path, 'add']);
  }
  if (!effect) return [];
  const leavesAt: SourceLocation[] = [];
  const walk = (node: unknown, at: YamlPath): void => {
    if (!isObject(node)) return;
    if (Array.isArray(node.all)) node.all.forEach((n, i) => walk(n, [...at, 'all', i]));
    else if (Array.isArray(node.any)) node.any.forEach((n, i) => walk(n, [...at, 'any', i]));
    else if (node.not !== undefined) walk(node.not, [...at, 'not']);
    else leavesAt.push(ctx.at(at));
  };
  walk(raw.when, [...path, 'when']);
  // json-rules-engine wants `all`, `any` or `not` at the top; a single `{ fact, operator, value }` means `all` of one.
  const when = ('fact' in raw.when ? { all: [raw.when] } : raw.when) as unknown as ConditionTree;
  const c: Mutable<Condition> = { id: raw.id, when, leavesAt, effect, at: ctx.at(path) };
  if (text(raw.label)) c.label = text(raw.label);
  if (text(raw.assumption)) c.assumption = text(raw.assumption);
  return [c];
}

