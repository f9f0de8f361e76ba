import type { CompiledRuleSet } from '@ratecard/engine';
import { compileBundled } from '../../../../test/support/rules';
import { planRefund, type RefundableCharge } from './refunds';
import { bookOf, entriesOf, grantOf, Plan, remaining, specContext } from './testing';

const END = new Date('2026-04-20T00:00:00Z');
const CYCLE = new Date('2026-03-20T00:00:00Z');
let compiled: CompiledRuleSet;
beforeAll(async () => {
  compiled = await compileBundled();
});

/** A 280 cr site generation paid by `allowance` (200 cr, this cycle) then `pack` (80 cr). */
const charge = (over: Partial<RefundableCharge> = {}): RefundableCharge => ({
  id: 'ch_1',
  action: 'site.generate',
  costMc: 280_000,
  rulesetVersion: 'v',
  cycleStart: CYCLE,
  paid: [
    { grantId: 'allowance', amountMc: -200_000 },
    { grantId: 'pack', amountMc: -80_000 },
  ],
  refunded: [],
  refundedMc: 0,
  ...over,
});
const book = () => bookOf([grantOf('allowance', 1_500_000, { remainingMc: 0, expiresAt: END, source: 'allowance' }), grantOf('pack', 500_000, { remainingMc: 0, source: 'pack' })], {}, { 'site.generate': 2 });

describe(planRefund.name, () => {
  it('gives credits back to the grants that paid, last drawn first', () => {
    const b = book();
    const sut = new Plan();
    planRefund(sut, b, specContext(compiled, '2026-03-25T00:00:00Z'), charge(), 100_000, 'failed render');
    expect(entriesOf(sut)).toEqual([
      [
        'refund',
        100_000,
        [
          ['pack', 80_000],
          ['allowance', 20_000],
        ],
      ],
    ]);
    expect([remaining(b), b.usage.get('site.generate'), sut.audits[0].event]).toEqual([{ allowance: 20_000, pack: 80_000 }, 2, 'charge.refund']);
  });

  it('refunded in full within its cycle, the charge did not happen: its use is given back', () => {
    const b = book();
    const sut = new Plan();
    planRefund(sut, b, specContext(compiled, '2026-03-25T00:00:00Z'), charge({ refunded: [{ grantId: 'pack', amountMc: 80_000 }], refundedMc: 80_000 }), undefined, undefined);
    expect([entriesOf(sut), b.usage.get('site.generate')]).toEqual([[['refund', 200_000, [['allowance', 200_000]]]], 1]);
  });

  it("after the billing date, what lands on last cycle's allowance expires again, and no use is given back to the new cycle", () => {
    const b = bookOf([grantOf('allowance', 1_500_000, { remainingMc: 0, expiresAt: END }), grantOf('pack', 500_000, { remainingMc: 0 })], { cycleStart: END, cycleEnd: new Date('2026-05-20T00:00:00Z') }, { 'site.generate': 0 });
    const sut = new Plan();
    planRefund(sut, b, specContext(compiled, '2026-04-21T00:00:00Z'), charge(), undefined, undefined);
    expect(entriesOf(sut)).toEqual([
      [
        'refund',
        280_000,
        [
          ['pack', 80_000],
          ['allowance', 200_000],
        ],
      ],
      ['expiry', -200_000, [['allowance', -200_000]]],
    ]);
    expect([b.account.balanceMc, b.usage.get('site.generate')]).toEqual([80_000, 0]);
  });

  it('never refunds more than the charge cost across refunds', () => {
    const ctx = specContext(compiled, '2026-03-25T00:00:00Z');
    expect(() => planRefund(new Plan(), book(), ctx, charge({ refundedMc: 280_000 }), undefined, undefined)).toThrow('already fully refunded');
    expect(() => planRefund(new Plan(), book(), ctx, charge({ refundedMc: 100_000 }), 180_001, undefined)).toThrow('180 of 280 remain refundable');
    expect(() => planRefund(new Plan(), book(), ctx, charge(), 0, undefined)).toThrow(expect.objectContaining({ code: 'REFUND_EXCEEDS_CHARGE' }));
  });
});
