import type { CompiledRuleSet } from '@ratecard/engine';
import { compileBundled } from '../../../../test/support/rules';
import { planCharge, planHold } from './charges';
import { bookOf, entriesOf, grantOf, Plan, remaining, specContext } from './testing';

const END = new Date('2026-04-20T00:00:00Z');
let compiled: CompiledRuleSet;
beforeAll(async () => {
  compiled = await compileBundled();
});

describe(planCharge.name, () => {
  it('debits the cost from the grants in draw order, counts one use, and logs the decision with what it saw', () => {
    const ctx = specContext(compiled, '2026-03-25T00:00:00Z');
    const book = bookOf([grantOf('allowance', 1_500_000, { source: 'allowance', expiresAt: END }), grantOf('first', 100_000, { priority: 0 })], {}, { 'video.generate': 0 });
    const sut = new Plan();

    const out = planCharge(sut, book, ctx, { accountId: 'acme', action: 'video.generate', params: { seconds: 8 } }, 'k1');

    expect(out.allowed).toBe(true);
    expect(entriesOf(sut)).toEqual([
      [
        'debit',
        -256_000,
        [
          ['first', -100_000],
          ['allowance', -156_000],
        ],
      ],
    ]);
    expect([book.account.balanceMc, remaining(book), book.usage.get('video.generate')]).toEqual([1_344_000, { allowance: 1_344_000, first: 0 }, 1]);
    expect(sut.charges[0]).toMatchObject({ id: 'ch_1', costMc: 256_000, balanceAfterMc: 1_344_000, cycleStart: book.account.cycleStart, idempotencyKey: 'k1' });
    expect(sut.logs.map((l) => [l.kind, l.allowed, l.balanceMc, l.chargeId])).toEqual([['charge', true, 1_600_000, 'ch_1']]);
  });

  it('plans charges in a batch one after the other, each on what the earlier ones left, and a denial changes nothing but the log', () => {
    const ctx = specContext(compiled, '2026-03-25T00:00:00Z');
    const book = bookOf([grantOf('g', 300_000)], {}, { 'site.generate': 1 });
    const sut = new Plan();
    const video = { accountId: 'acme', action: 'video.generate' };

    const first = planCharge(sut, book, ctx, video, 'a');
    const second = planCharge(sut, book, ctx, video, 'b');
    const site = planCharge(sut, book, ctx, { accountId: 'acme', action: 'site.generate' }, 'c');

    expect([first.allowed, second.allowed, site.allowed]).toEqual([true, false, false]);
    expect(second.decision.reasons.map((r) => r.code)).toEqual(['INSUFFICIENT_CREDITS']);
    expect(entriesOf(sut)).toEqual([['debit', -256_000, [['g', -256_000]]]]);
    expect([sut.charges.length, sut.logs.map((l) => l.allowed), book.account.balanceMc, book.usage.get('site.generate')]).toEqual([1, [true, false, false], 44_000, 1]);
  });

  it('moves no credits for a free action, and still counts its use', () => {
    const ctx = specContext(compiled, '2026-03-25T00:00:00Z');
    const book = bookOf([grantOf('g', 10_000)], {}, { 'site.download': 0 });
    const sut = new Plan();
    expect(planCharge(sut, book, ctx, { accountId: 'acme', action: 'site.download' }, 'k').allowed).toBe(true);
    expect([sut.entries, sut.charges[0].entry, book.usage.get('site.download')]).toEqual([[], null, 1]);
  });
});

describe(planHold.name, () => {
  it('reserves the quoted cost from the grants in draw order and keeps where it came from and the plan it was priced for', () => {
    const ctx = specContext(compiled, '2026-03-25T00:00:00Z');
    const book = bookOf([grantOf('a', 100_000, { expiresAt: END }), grantOf('b', 1_000_000)], { plan: 'premium' });
    const sut = new Plan();

    const out = planHold(sut, book, ctx, { accountId: 'acme', action: 'video.generate', params: { resolution: '2k' } }, 600, 'h');

    expect(out.allowed && out.value).toMatchObject({
      amountMc: 512_000,
      plan: 'premium',
      expiresAt: new Date('2026-03-25T00:10:00Z'),
      reserved: [
        { grantId: 'a', amountMc: -100_000 },
        { grantId: 'b', amountMc: -412_000 },
      ],
    });
    expect([book.account.balanceMc, book.account.heldMc]).toEqual([588_000, 512_000]);
  });
});
