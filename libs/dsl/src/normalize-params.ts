import { FileContext, isObject, text, type Mutable } from './file-context';
import { PLAN_FACT, TIME_FACT, type Param, type ParamValue } from './ruleset';
import type { YamlPath } from './yaml-source';

// Stage "normalize", an action's parameters: their type, values or range, default and unit; and the
// one check of a value against a parameter, which decisions and composites use too.

export function normalizeParams(ctx: FileContext, base: YamlPath, raw: unknown): Record<string, Param> {
  const params: Record<string, Param> = {};
  if (!isObject(raw)) return params;
  for (const [name, p] of Object.entries(raw)) {
    if (!isObject(p)) continue;
    const path = [...base, 'params', name];
    if (name === PLAN_FACT) {
      ctx.error('reserved-param', `\`${PLAN_FACT}\` is reserved for the account's plan in conditions; name the parameter differently`, path, {}, 'key');
      continue;
    }
    if (name === TIME_FACT) {
      ctx.error('reserved-param', `\`${TIME_FACT}\` is reserved for the decision time; name the parameter differently`, path, {}, 'key');
      continue;
    }
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
      ctx.error('invalid-param-name', `parameter \`${name}\` must start with a letter and use letters, digits, \`-\` and \`_\``, path, {}, 'key');
      continue;
    }
    const values = Array.isArray(p.values) ? (p.values as ParamValue[]) : undefined;
    const inferred = values ? inferType(values) : undefined;
    if (values && inferred === undefined) {
      ctx.error('mixed-values', `the values of \`${name}\` mix types`, [...path, 'values']);
      continue;
    }
    const declared = p.type as Param['type'] | undefined;
    const type: Param['type'] = declared ?? inferred ?? 'string';
    if (declared && inferred && !(declared === inferred || (declared === 'number' && inferred === 'integer'))) {
      ctx.error('param-type-mismatch', `\`${name}\` is declared \`${declared}\` but its values are ${inferred}s`, [...path, 'type']);
    }
    const numeric = type === 'integer' || type === 'number';
    if ((p.min !== undefined || p.max !== undefined) && !numeric) {
      ctx.error('bounds-on-non-number', `\`min\` and \`max\` apply to numbers, but \`${name}\` is a ${type}`, path);
    }
    if (typeof p.min === 'number' && typeof p.max === 'number' && p.min > p.max) {
      ctx.error('empty-range', `\`${name}\` has \`min\` ${p.min} above \`max\` ${p.max}`, [...path, 'min']);
    }
    if (type === 'integer' && ((typeof p.min === 'number' && !Number.isInteger(p.min)) || (typeof p.max === 'number' && !Number.isInteger(p.max)))) {
      ctx.error('param-type-mismatch', `integer parameter \`${name}\` needs integer bounds`, path);
    }
    const param: Mutable<Param> = { name, type, at: ctx.at(path, 'key') };
    if (values) param.values = values;
    if (typeof p.min === 'number') param.min = p.min;
    if (typeof p.max === 'number') param.max = p.max;
    if (text(p.unit)) param.unit = text(p.unit);
    if (text(p.description)) param.description = text(p.description);
    if (p.default !== undefined) {
      const problem = checkValue(param, p.default as ParamValue);
      if (problem) ctx.error('default-not-allowed', `the default of \`${name}\` ${problem}`, [...path, 'default']);
      else param.default = p.default as ParamValue;
    }
    params[name] = param;
  }
  return params;
}

function inferType(values: readonly ParamValue[]): Param['type'] | undefined {
  if (values.every((v) => typeof v === 'string')) return 'string';
  if (values.every((v) => typeof v === 'boolean')) return 'boolean';
  if (values.every((v) => typeof v === 'number')) return values.every((v) => Number.isInteger(v)) ? 'integer' : 'number';
  return undefined;
}

/**
 * Why `value` is not allowed for `param`, in words that complete "the value ...", or undefined when
 * it is allowed. Shared by defaults, phase `with` values and (in the engine) request parameters.
 */
export function checkValue(param: Param, value: unknown): string | undefined {
  const shown = typeof value === 'string' ? `\`${value}\`` : `\`${JSON.stringify(value)}\``;
  switch (param.type) {
    case 'string':
      if (typeof value !== 'string') return `${shown} is not text`;
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return `${shown} is not true or false`;
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `${shown} is not a whole number`;
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${shown} is not a number`;
      break;
  }
  if (param.values && !param.values.includes(value as ParamValue)) {
    return `${shown} is not one of ${param.values.map((v) => `\`${String(v)}\``).join(', ')}`;
  }
  if (typeof value === 'number') {
    if (param.min !== undefined && value < param.min) return `${shown} is below the minimum ${param.min}`;
    if (param.max !== undefined && value > param.max) return `${shown} is above the maximum ${param.max}`;
  }
  return undefined;
}

