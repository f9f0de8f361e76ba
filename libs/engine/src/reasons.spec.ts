import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureBlockers, decidingReason, REASON_CODES, REASONS, type ReasonCode } from './reasons';

// The reason catalogue is the one definition: the JSON schemas of the rules (`deny` codes) and of
// the expected-result cases (`want.reasons`) must name exactly its codes.

const schema = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '../../dsl/src/schema', name), 'utf8'));
const reason = (code: ReasonCode) => ({ code, message: code.toLowerCase() });

/** Every `enum` inside `value` whose members look like reason codes. */
function reasonEnums(value: unknown): string[][] {
  if (Array.isArray(value)) return value.flatMap(reasonEnums);
  if (typeof value !== 'object' || value === null) return [];
  const own = Object.entries(value).flatMap(([k, v]) => (k === 'enum' && Array.isArray(v) && v.some((x) => x === 'INVALID_PARAMS') ? [v as string[]] : []));
  return [...own, ...Object.values(value).flatMap(reasonEnums)];
}

describe('REASONS', () => {
  it('lists every code once, in precedence order: unpriceable (422), forbidden (403), confirmation (409), credits (402)', () => {
    expect(REASON_CODES).toEqual(['UNKNOWN_ACTION', 'INVALID_PARAMS', 'PLAN_REQUIRED', 'QUOTA_EXCEEDED', 'CONFIRMATION_REQUIRED', 'INSUFFICIENT_CREDITS']);
    expect(REASON_CODES.map((c) => REASONS[c].status)).toEqual([422, 422, 403, 403, 409, 402]);
  });

  it('the cases schema takes exactly the catalogue’s codes as expected reasons', () => {
    const enums = reasonEnums(schema('cases.schema.json'));
    expect(enums).toHaveLength(1);
    expect([...enums[0]].sort()).toEqual([...REASON_CODES].sort());
  });

  it('the rules schema lets a `deny` use only catalogue codes', () => {
    const enums = reasonEnums(schema('rules.schema.json'));
    expect(enums.length).toBeGreaterThan(0);
    for (const e of enums) for (const code of e) expect(REASON_CODES).toContain(code);
  });

  describe(decidingReason.name, () => {
    it('is the first reason in precedence order, whatever order the decision lists them in', () => {
      const sut = decidingReason({ reasons: [reason('INSUFFICIENT_CREDITS'), reason('PLAN_REQUIRED'), reason('INVALID_PARAMS')] });
      expect(sut?.code).toBe('INVALID_PARAMS');
      expect(decidingReason({ reasons: [reason('INSUFFICIENT_CREDITS'), reason('CONFIRMATION_REQUIRED')] })?.code).toBe('CONFIRMATION_REQUIRED');
      expect(decidingReason({ reasons: [] })).toBeUndefined();
    });
  });

  describe(captureBlockers.name, () => {
    it('keeps the reasons a capture cannot get past and drops those its hold already settled', () => {
      const all = REASON_CODES.map(reason);
      expect(captureBlockers({ reasons: all }).map((r) => r.code)).toEqual(['UNKNOWN_ACTION', 'INVALID_PARAMS', 'PLAN_REQUIRED']);
    });
  });
});
