import 'reflect-metadata';
import fc from 'fast-check';
import { ActionRequestDto, HoldRequestDto } from './dto';
import { fastAccepts } from './fast-accept';
import { ProblemException } from './problem';
import { RequestValidationPipe } from './validation';

/** The same DTO without the fast check: the pipe's full path (class-transformer and class-validator). */
class FullPathActionRequest extends ActionRequestDto {}

const pipe = new RequestValidationPipe();

async function fullPath(value: unknown): Promise<{ ok: unknown } | { error: unknown }> {
  try {
    return { ok: await pipe.transform(value, { type: 'body', metatype: FullPathActionRequest }) };
  } catch (e) {
    if (!(e instanceof ProblemException)) throw e;
    return { error: e.problem };
  }
}

const text = (max: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: fc.string({ minLength: 1, maxLength: max }), weight: 8 },
    fc.string({ unit: 'binary', maxLength: max + 2 }),
    fc.string({ unit: 'grapheme', maxLength: 4 }),
    fc.constantFrom('', ' ', '\uFE0F', 'a\uFE0F', '\uD83D\uDE00', 'x'.repeat(max), 'x'.repeat(max + 1), `${'x'.repeat(max - 1)}\uFE0F`, '\n', 'a\n'),
    fc.integer(),
    fc.constant(null),
    fc.boolean(),
  );

/** Bodies as a client sends them (JSON text, parsed), so keys like `__proto__` are own keys as in a real request. */
const body = fc
  .record(
    {
      accountId: text(64),
      action: text(128),
      params: fc.oneof({ arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })), weight: 4 }, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })), fc.array(fc.integer()), fc.constant(null), fc.string(), fc.constant({ __proto__: 1 })),
      confirm: fc.oneof({ arbitrary: fc.boolean(), weight: 4 }, fc.constantFrom('true', 1, 0, null)),
      extra: fc.oneof({ arbitrary: fc.constant({}), weight: 4 }, fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'toString', 'prototype', 'ttlSeconds', 'foo', 'accountid'), fc.jsonValue({ maxDepth: 1 }))),
    },
    { requiredKeys: ['accountId', 'action', 'extra'] },
  )
  .map(({ extra, ...fields }) => {
    const entries = [...Object.entries(extra ?? {}), ...Object.entries(fields)];
    return JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`) as unknown;
  });

describe('the fast check of hot request bodies', () => {
  it('accepts only bodies the full validation accepts, and hands over the same fields', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        if (!fastAccepts(ActionRequestDto, value)) return;
        accepted++;
        const full = await fullPath(value);
        expect(full).toHaveProperty('ok');
        expect({ ...((full as { ok: object }).ok) }).toEqual(value);
      }),
      { numRuns: 3000 },
    );
    // Not vacuous: a good share of the generated bodies took the fast path.
    expect(accepted).toBeGreaterThan(100);
  });

  it('takes the usual bodies of a calling service', () => {
    expect(fastAccepts(ActionRequestDto, { accountId: 'acme-co', action: 'video.generate', params: { seconds: 8 }, confirm: false })).toBe(true);
    expect(fastAccepts(ActionRequestDto, { accountId: 'acme-co', action: 'chat.edit' })).toBe(true);
  });

  it('leaves everything else to the full path, which reports it as before', async () => {
    for (const value of [{ accountId: 'acme-co' }, { accountId: 'é', action: 'x' }, { accountId: 'a', action: 'x', params: null }, JSON.parse('{"accountId":"a","action":"x","__proto__":{}}')]) {
      expect(fastAccepts(ActionRequestDto, value)).toBe(false);
    }
    const missing = await pipe.transform({ accountId: 'acme-co' }, { type: 'body', metatype: ActionRequestDto }).catch((e: ProblemException) => e.problem);
    expect(missing).toMatchObject({ code: 'INVALID_REQUEST', errors: expect.arrayContaining([expect.objectContaining({ field: 'action' })]) });
  });

  it('is not inherited: a hold body (with ttlSeconds) is checked in full', () => {
    expect(fastAccepts(HoldRequestDto, { accountId: 'acme-co', action: 'chat.edit' })).toBe(false);
  });
});
