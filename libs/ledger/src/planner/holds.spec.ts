import type { CompiledRuleSet } from '@ratecard/engine';
import { compileBundled } from '../../../../test/support/rules';
import type { Book, HoldRow } from '../book';
import { planHold } from './charges';
import { closeHold, planCapture, planRelease } from './holds';
import { bookOf, entriesOf, grantOf, Plan, remaining, specContext } from './testing';

const END = new Date('2026-04-20T00:00:00Z');
let compiled: CompiledRuleSet;
beforeAll(async () => {
  compiled = await compileBundled();
});

/** A book with a 512 cr hold (2K video on Premium) drawn from `a` (100 cr, expiring at the cycle end) then `b`. */
function held(): { book: Book; hold: HoldRow } {
  const book = bookOf([grantOf('a', 100_000, { expiresAt: END }), grantOf('b', 1_000_000)], { plan: 'premium' }, { 'video.generate': 0 });
  const out = planHold(new Plan(), book, specContext(compiled, '2026-03-25T00:00:00Z'), { accountId: 'acme', action: 'video.generate', params: { resolution: '2k' } }, 86_400, 'h');
  if (!out.allowed) throw new Error('the hold was denied');
  return { book, hold: out.value };
}

describe(planCapture.name, () => {
  it('returns the reservation, charges from it in the order it was drawn, and leaves the rest with its grants', () => {
    const { book, hold } = held();
    const sut = new Plan();

    const { charge } = planCapture(sut, book, specContext(compiled, '2026-03-25T01:00:00Z'), hold, compiled, { amountMc: 150_000 });

    expect(entriesOf(sut)).toEqual([
      [
        'capture',
        512_000,
        [
          ['b', 412_000],
          ['a', 100_000],
        ],
      ],
      [
        'debit',
        -150_000,
        [
          ['a', -100_000],
          ['b', -50_000],
        ],
      ],
    ]);
    expect([charge.costMc, remaining(book), book.account.heldMc, hold.status]).toEqual([150_000, { a: 0, b: 950_000 }, 0, 'captured']);
  });

  it('prices the actual parameters as the hold was: its plan and its time, whatever the account has become', () => {
    const { book, hold } = held();
    book.account.plan = 'basic';
    const sut = new Plan();
    const { charge } = planCapture(sut, book, specContext(compiled, '2026-03-25T01:00:00Z'), hold, compiled, { params: { resolution: '2k', seconds: 4 } });
    expect(charge.costMc).toBe(256_000);
    expect(() => planCapture(new Plan(), held().book, specContext(compiled, '2026-03-25T01:00:00Z'), held().hold, compiled, { params: { seconds: 99 } })).toThrow('`seconds`');
  });

  it('lets what comes back to a grant that expired meanwhile expire again at once', () => {
    const { book, hold } = held();
    const sut = new Plan();
    planCapture(sut, book, specContext(compiled, '2026-04-20T06:00:00Z'), hold, compiled, { amountMc: 50_000 });
    expect(entriesOf(sut).slice(1)).toEqual([
      ['debit', -50_000, [['a', -50_000]]],
      ['expiry', -50_000, [['a', -50_000]]],
    ]);
    expect(remaining(book)).toEqual({ a: 0, b: 1_000_000 });
  });
});

describe(planRelease.name, () => {
  it('gives the whole reservation back and uncounts the use; a closed hold cannot close again', () => {
    const { book, hold } = held();
    const sut = new Plan();
    planRelease(sut, book, specContext(compiled, '2026-03-25T01:00:00Z'), hold);
    expect([remaining(book), book.account.balanceMc, book.account.heldMc, book.usage.get('video.generate'), hold.status]).toEqual([{ a: 100_000, b: 1_000_000 }, 1_100_000, 0, 0, 'released']);
    expect(() => closeHold(new Plan(), book, specContext(compiled, '2026-03-25T01:00:00Z'), hold, 'expired')).toThrow('is released');
  });

  it('gives a hold made before grants existed back as a refund grant ending with its cycle', () => {
    const book = bookOf([], { plan: 'basic', heldMc: 256_000 });
    const legacy: HoldRow = { ...held().hold, amountMc: 256_000, plan: null, reserved: [], cycleStart: new Date('2026-03-20T00:00:00Z') };
    const sut = new Plan();
    planRelease(sut, book, specContext(compiled, '2026-03-25T01:00:00Z'), legacy);
    expect([...book.grants.values()].map((g) => [g.source, g.remainingMc, g.expiresAt])).toEqual([['refund', 256_000, END]]);
  });
});
