import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import casesSchema from './schema/cases.schema.json';
import rulesSchema from './schema/rules.schema.json';
import type { Diagnostic } from './diagnostics';
import { checkRateUnits } from './rate-units';
import type { YamlFile, YamlPath } from './yaml-source';

/** The JSON Schema (2020-12) of rule files, as shipped for editors. */
export const RULES_SCHEMA: object = rulesSchema;
/** The JSON Schema (2020-12) of case files (`*.test.yaml`). */
export const CASES_SCHEMA: object = casesSchema;

let validators: { rules: ValidateFunction; cases: ValidateFunction } | undefined;

function getValidators(): { rules: ValidateFunction; cases: ValidateFunction } {
  if (!validators) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true });
    // `errorMessage` is an annotation our schema carries for editors and for our own messages.
    ajv.addKeyword('errorMessage');
    ajv.addSchema(rulesSchema);
    ajv.addSchema(casesSchema);
    validators = {
      rules: ajv.getSchema(rulesSchema.$id) as ValidateFunction,
      cases: ajv.getSchema(casesSchema.$id) as ValidateFunction,
    };
  }
  return validators;
}

/**
 * Validates one parsed file against the rules or cases schema; every violation becomes a diagnostic.
 * A rate with a misspelt unit is one `unknown-unit` diagnostic, not the schema's errors about it.
 */
export function checkSchema(file: YamlFile, kind: 'rules' | 'cases'): Diagnostic[] {
  const validate = getValidators()[kind];
  if (file.data === undefined || file.data === null) return [];
  if (validate(file.data)) return [];
  const schema = explain(file, validate.errors ?? []);
  if (kind !== 'rules') return schema;
  const units = checkRateUnits(file);
  const same = (d: Diagnostic): boolean => (d.code === 'schema-type' || d.code === 'schema-format') && units.covered.has(d.location?.path ?? '');
  return [...units.diagnostics, ...schema.filter((d) => !same(d))];
}

type AjvError = ErrorObject & { propertyName?: string; parentSchema?: { errorMessage?: string; properties?: object } };

const COMBINATORS = new Set(['anyOf', 'oneOf']);

/**
 * Turns ajv's raw errors into one message per problem. With `anyOf`/`oneOf`, ajv reports every
 * branch that failed; a branch whose only complaint is the value's type was never the user's intent,
 * so it is dropped, and a combinator that carries an `errorMessage` speaks for its branches.
 */
function explain(file: YamlFile, errors: readonly AjvError[]): Diagnostic[] {
  const byPath = new Map<string, AjvError[]>();
  for (const e of errors) {
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  const out: Diagnostic[] = [];
  for (const [pointer, group] of byPath) {
    const path = parsePointer(pointer);
    const combinators = group.filter((e) => COMBINATORS.has(e.keyword));
    const ownerOf = (e: AjvError): AjvError | undefined => {
      let best: AjvError | undefined;
      for (const c of combinators) {
        if (c !== e && e.schemaPath.startsWith(c.schemaPath + '/') && (!best || c.schemaPath.length > best.schemaPath.length)) best = c;
      }
      return best;
    };
    const owned = new Map<AjvError, AjvError[]>(combinators.map((c) => [c, []]));
    const free: AjvError[] = [];
    for (const e of group) {
      const owner = ownerOf(e);
      if (owner) owned.get(owner)!.push(e);
      else if (!COMBINATORS.has(e.keyword)) free.push(e);
    }
    const mismatched = (c: AjvError): boolean => owned.get(c)!.every((e) => e.keyword === 'type' || (COMBINATORS.has(e.keyword) && mismatched(e)));
    const relevant = combinators.filter((c) => !ownerOf(c) && !mismatched(c));
    const freeReal = free.filter((e) => e.keyword !== 'type');
    if (relevant.length === 0 && freeReal.length === 0) {
      // Only type mismatches: the value has the wrong type altogether. Say so once.
      const outer = combinators[combinators.length - 1];
      const types = [...new Set(group.filter((e) => e.keyword === 'type').flatMap((e) => String(e.params.type).split(',')))];
      const message = outer?.parentSchema?.errorMessage ?? `must be ${listTypes(types)}`;
      out.push(diag(file, path, 'schema-type', message));
      continue;
    }
    for (const c of relevant) {
      if (c.parentSchema?.errorMessage) out.push(diag(file, path, 'schema-format', c.parentSchema.errorMessage));
      else for (const e of collect(c, owned)) out.push(describe(file, path, e));
    }
    for (const e of freeReal) if (e.keyword !== 'propertyNames') out.push(describe(file, path, e));
  }
  return dedupe(out);
}

function collect(c: AjvError, owned: Map<AjvError, AjvError[]>): AjvError[] {
  return owned.get(c)!.flatMap((e) => (COMBINATORS.has(e.keyword) ? collect(e, owned) : e.keyword === 'type' ? [] : [e]));
}

function describe(file: YamlFile, path: YamlPath, e: AjvError): Diagnostic {
  const p = e.params as Record<string, unknown>;
  if (e.propertyName !== undefined) {
    const msg = e.parentSchema?.errorMessage ?? 'is not a valid name';
    return diag(file, [...path, e.propertyName], 'schema-format', `\`${e.propertyName}\`: ${msg}`, 'key');
  }
  switch (e.keyword) {
    case 'required':
      return diag(file, path, 'schema-required', `missing required field \`${String(p.missingProperty)}\``);
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const allowed = Object.keys(e.parentSchema?.properties ?? {});
      const near = closest(name, allowed);
      const hint = allowed.length ? (near ? `did you mean \`${near}\`?` : `expected one of ${allowed.map((a) => `\`${a}\``).join(', ')}`) : undefined;
      return { ...diag(file, [...path, name], 'schema-unknown-field', `unknown field \`${name}\``, 'key'), ...(hint ? { hint } : {}) };
    }
    case 'enum':
      return diag(file, path, 'schema-enum', `must be one of ${(p.allowedValues as unknown[]).map((v) => `\`${String(v)}\``).join(', ')}`);
    case 'const':
      return diag(file, path, 'schema-enum', `must be \`${String(p.allowedValue)}\``);
    case 'pattern':
      return diag(file, path, 'schema-format', e.parentSchema?.errorMessage ?? 'does not have the expected format');
    case 'minItems':
    case 'minProperties':
    case 'minLength':
      return diag(file, path, 'schema-empty', 'must not be empty');
    case 'minimum':
    case 'exclusiveMinimum':
      return diag(file, path, 'schema-range', `must be ${p.comparison} ${String(p.limit)}`);
    case 'uniqueItems':
      return diag(file, path, 'schema-duplicate', 'must not repeat an item');
    case 'type':
      return diag(file, path, 'schema-type', `must be ${listTypes(String(p.type).split(','))}`);
    case 'oneOf':
      return diag(file, path, 'schema-format', e.parentSchema?.errorMessage ?? 'matches more than one allowed form');
    default:
      return diag(file, path, `schema-${e.keyword}`, e.message ?? 'is invalid');
  }
}

function diag(file: YamlFile, path: YamlPath, code: string, message: string, part: 'key' | 'value' = 'value'): Diagnostic {
  return { severity: 'error', code, message, location: file.locate(path, part) };
}

function parsePointer(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function listTypes(types: string[]): string {
  const named = types.map((t) => (t === 'array' || t === 'object' || t === 'integer' ? `an ${t}` : `a ${t}`));
  return named.length <= 1 ? (named[0] ?? 'valid') : `${named.slice(0, -1).join(', ')} or ${named[named.length - 1]}`;
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.location?.line}:${d.location?.column}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The allowed name closest to `name` by edit distance, when it is close enough to be a typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
