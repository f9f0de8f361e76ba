import fc from 'fast-check';
import { enumerateValues, type Param } from '@ratecard/dsl';
import type { CompiledRuleSet, DecisionRequest } from '@ratecard/engine';

/** A value the parameter allows. */
export function validValue(p: Param): fc.Arbitrary<unknown> {
  const values = enumerateValues(p);
  if (values) return fc.constantFrom(...values);
  if (p.type === 'integer') return fc.integer({ min: p.min ?? -1000, max: p.max ?? 1000 });
  if (p.type === 'number') return fc.double({ min: p.min ?? -1000, max: p.max ?? 1000, noNaN: true });
  if (p.type === 'boolean') return fc.boolean();
  return fc.string();
}

/** Any value at all, mostly ones a parameter does not allow. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -3, max: 12 }), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('2k', '720p', 'hd', 'flux-pro', '8'));

/** Valid parameters of an action; each may be left out (its default applies). */
export function validParams(compiled: CompiledRuleSet, action: string): fc.Arbitrary<Record<string, unknown>> {
  const params = compiled.actions.get(action)?.params ?? new Map<string, Param>();
  const spec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, p] of params) spec[name] = validValue(p);
  return fc.record(spec, { requiredKeys: [] });
}

/** Parameters that may be valid, invalid, or not parameters of the action at all. */
export function anyParams(compiled: CompiledRuleSet, action: string): fc.Arbitrary<Record<string, unknown>> {
  const declared = [...(compiled.actions.get(action)?.params.keys() ?? [])];
  const names = fc.oneof(...(declared.length ? [fc.constantFrom(...declared)] : []), fc.constantFrom('model', 'seconds', 'tokens', 'colour'), fc.string({ maxLength: 8 }));
  return fc.oneof(
    validParams(compiled, action),
    fc.tuple(validParams(compiled, action), fc.dictionary(names, anyValue, { maxKeys: 3 })).map(([a, b]) => ({ ...a, ...b })),
  );
}

/** Balances in millicredits: round figures that sit on prices, and anything up to 20,000 cr. */
export const balance = fc.oneof(fc.constantFrom(0, 500, 18_000, 282_000, 1_500_000), fc.integer({ min: 0, max: 20_000_000 }));
/** Confirmation given, refused, or not said. */
export const confirm = fc.option(fc.boolean(), { nil: undefined });
/** Usage counts this cycle of some of `actionIds`. */
export const usage = (actionIds: readonly string[], max = 4): fc.Arbitrary<Record<string, number>> => fc.dictionary(fc.constantFrom(...actionIds), fc.nat({ max }), { maxKeys: 3 });
/** A request, with `confirm` only when it is said. */
export const request = (action: string, params: Record<string, unknown>, c: boolean | undefined): DecisionRequest => ({ action, params, ...(c === undefined ? {} : { confirm: c }) });
