import { hashOf } from './ids';

// The idempotency hash covers every own key of a request, whatever its name: bodies that differ
// only by a key named like an Object.prototype member (`constructor`, `toString`, `__proto__`) must
// not hash the same, or one would replay the other under one Idempotency-Key.

describe(hashOf.name, () => {
  const NAMES = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];

  it.each(NAMES)('tells a request with a `%s` parameter from one without', (name) => {
    const params = JSON.parse(`{"seconds": 4, ${JSON.stringify(name)}: 1}`) as Record<string, unknown>;
    const sut = hashOf({ op: 'charge', params });
    expect(sut).not.toBe(hashOf({ op: 'charge', params: { seconds: 4 } }));
    expect(sut).toBe(hashOf({ op: 'charge', params: JSON.parse(`{${JSON.stringify(name)}: 1, "seconds": 4}`) }));
  });

  it('ignores key order and undefined members only', () => {
    expect(hashOf({ a: 1, b: [1, { c: 2, d: undefined }] })).toBe(hashOf({ b: [1, { c: 2 }], a: 1 }));
    expect(hashOf({ a: 1 })).not.toBe(hashOf({ a: '1' }));
  });
});
