import type { CompiledRuleSet } from '@ratecard/engine';
import { compileFiles, readRuleFiles } from '../../../../test/support/rules';
import type { HoldRow } from '../book';
import { planCharge, planHold } from './charges';
import { planPlanChange, planPlanMove, planTouch } from './cycle';
import { lowBalanceThresholds, noteBalance, noteGrantsExpiring, rulesetActivated } from './events';
import { expireDue } from './grants';
import { planRefund } from './refunds';
import { bookOf, grantOf, Plan, specContext } from './testing';

const END = new Date('2026-04-20T00:00:00Z');
let compiled: CompiledRuleSet;
beforeAll(async () => {
  // The bundled rules, with Basic warning at 20% of its 1,500 cr allowance (300 cr) and at 100 cr.
  compiled = await compileFiles(
    readRuleFiles().map((f) => (f.path === 'rules/plans.yaml' ? { ...f, text: f.text.replace('allowance: 1,500 cr', 'allowance: 1,500 cr\n    lowBalance: [20%, 100 cr]') } : f)),
  );
});

const at = (t: string) => specContext(compiled, t);
const types = (plan: Plan) => plan.events.map((e) => e.type);

describe(lowBalanceThresholds.name, () => {
  it("resolves shares of the plan's allowance (rounded down) and keeps how the rules write each", () => {
    expect(lowBalanceThresholds(compiled.plans.get('basic')!.plan)).toEqual([
      { mc: 300_000, rule: '20%' },
      { mc: 100_000, rule: '100 cr' },
    ]);
    expect(lowBalanceThresholds(compiled.plans.get('pro')!.plan)).toEqual([]);
  });
});

describe('balance.low', () => {
  it('fires once per threshold the operation took the balance across, from at or above it to below it', () => {
    const book = bookOf([grantOf('g', 400_000)], {}, { 'video.generate': 0 });
    const sut = new Plan();
    const ctx = at('2026-03-25T00:00:00Z');
    planCharge(sut, book, ctx, { accountId: 'acme', action: 'video.generate', params: { seconds: 5 } }, 'k'); // 160 cr: 400 → 240
    noteBalance(sut, book, ctx, 400_000);
    expect(sut.events.map((e) => e.data)).toEqual([
      { accountId: 'acme', plan: 'basic', balance: 240, balanceMillicredits: 240_000, previousBalance: 400, previousBalanceMillicredits: 400_000, threshold: 300, thresholdMillicredits: 300_000, rule: '20%' },
    ]);
    expect(sut.events[0]).toMatchObject({ type: 'balance.low', accountId: 'acme', createdAt: ctx.now });
  });

  it('crossing two thresholds at once is two events; staying below, or ending at a threshold, is none', () => {
    const ctx = at('2026-03-25T00:00:00Z');
    const twice = new Plan();
    noteBalance(twice, bookOf([grantOf('g', 50_000)]), ctx, 400_000);
    expect(twice.events.map((e) => (e.data as { rule: string }).rule)).toEqual(['20%', '100 cr']);
    const below = new Plan();
    noteBalance(below, bookOf([grantOf('g', 50_000)]), ctx, 250_000); // already below 300: only 100 is crossed
    expect(below.events.map((e) => (e.data as { rule: string }).rule)).toEqual(['100 cr']);
    const exactly = new Plan();
    noteBalance(exactly, bookOf([grantOf('g', 300_000)]), ctx, 400_000);
    const up = new Plan();
    noteBalance(up, bookOf([grantOf('g', 50_000)]), ctx, 10_000);
    expect([exactly.events, up.events]).toEqual([[], []]);
  });

  it('judges an operation by its net effect: a billing date that expires 320 cr and grants 1,500 crosses nothing', () => {
    const book = bookOf([grantOf('allowance', 1_500_000, { source: 'allowance', plan: 'basic', remainingMc: 320_000, expiresAt: END })]);
    const sut = new Plan();
    const ctx = at('2026-04-21T00:00:00Z');
    planTouch(sut, book, ctx, []);
    noteBalance(sut, book, ctx, 320_000);
    expect(types(sut)).toEqual(['grant.expired']);
  });

  it('fires when a grant expiring mid-cycle takes the balance below a threshold', () => {
    const book = bookOf([grantOf('pack', 500_000, { source: 'pack', expiresAt: new Date('2026-04-01T00:00:00Z') }), grantOf('goodwill', 150_000)]);
    const sut = new Plan();
    const ctx = at('2026-04-02T00:00:00Z');
    planTouch(sut, book, ctx, []);
    noteBalance(sut, book, ctx, 650_000);
    expect(types(sut)).toEqual(['grant.expired', 'balance.low']);
    expect(sut.events[0].data).toEqual({ accountId: 'acme', grantId: 'pack', source: 'pack', expired: 500, expiredMillicredits: 500_000, expiresAt: '2026-04-01T00:00:00.000Z', balance: 150, balanceMillicredits: 150_000 });
  });
});

describe('quota.reached', () => {
  it("fires when a charge or a hold uses the last unit of the plan's quota this cycle, and not before", () => {
    const book = bookOf([grantOf('g', 1_500_000)], {}, { 'site.generate': 0 });
    const sut = new Plan();
    const ctx = at('2026-03-25T00:00:00Z');
    planCharge(sut, book, ctx, { accountId: 'acme', action: 'site.generate' }, 'a');
    expect(types(sut)).toEqual([]);
    planHold(sut, book, ctx, { accountId: 'acme', action: 'site.generate' }, 600, 'b');
    expect(sut.events.map((e) => [e.type, e.data])).toEqual([['quota.reached', { accountId: 'acme', plan: 'basic', action: 'site.generate', used: 2, quota: 2, resetsAt: END.toISOString() }]]);
    planCharge(sut, book, ctx, { accountId: 'acme', action: 'site.generate' }, 'c'); // denied: QUOTA_EXCEEDED
    expect(types(sut)).toEqual(['quota.reached']);
  });
});

describe('hold.expired and grant.expired', () => {
  it('the lazy touch releases an expired hold (hold.expired) and expires what is left of a grant (grant.expired)', () => {
    const book = bookOf([grantOf('g', 1_000_000, { expiresAt: new Date('2026-03-30T00:00:00Z') }), grantOf('h', 200_000)], { plan: 'premium' }, { 'video.generate': 0 });
    const out = planHold(new Plan(), book, at('2026-03-25T00:00:00Z'), { accountId: 'acme', action: 'video.generate', params: { seconds: 5 } }, 60, 'k');
    if (!out.allowed) throw new Error('the hold was denied');
    const hold: HoldRow = out.value;
    const sut = new Plan();
    planTouch(sut, book, at('2026-03-31T00:00:00Z'), [hold]);
    expect(sut.events.map((e) => [e.type, e.data])).toEqual([
      ['hold.expired', { accountId: 'acme', holdId: hold.id, action: 'video.generate', amount: 160, amountMillicredits: 160_000, expiresAt: '2026-03-25T00:01:00.000Z', balance: 1_200, balanceMillicredits: 1_200_000 }],
      ['grant.expired', { accountId: 'acme', grantId: 'g', source: 'goodwill', expired: 1_000, expiredMillicredits: 1_000_000, expiresAt: '2026-03-30T00:00:00.000Z', balance: 200, balanceMillicredits: 200_000 }],
    ]);
  });

  it('a grant with nothing left expires without an event', () => {
    const book = bookOf([grantOf('g', 1_000_000, { remainingMc: 0, expiresAt: new Date('2026-03-30T00:00:00Z') })]);
    const sut = new Plan();
    expireDue(sut, book, at('2026-03-31T00:00:00Z'));
    expect(sut.events).toEqual([]);
  });
});

describe(noteGrantsExpiring.name, () => {
  it('notices each live grant expiring within the horizon once (keyed by grant), soonest first', () => {
    const book = bookOf([
      grantOf('later', 100_000, { expiresAt: new Date('2026-04-10T00:00:00Z') }),
      grantOf('soon', 200_000, { source: 'pack', pack: 'boost', expiresAt: new Date('2026-03-28T00:00:00Z') }),
      grantOf('used', 100_000, { remainingMc: 0, expiresAt: new Date('2026-03-27T00:00:00Z') }),
      grantOf('never', 100_000),
    ]);
    const sut = new Plan();
    noteGrantsExpiring(sut, book, at('2026-03-25T00:00:00Z'), new Date('2026-04-01T00:00:00Z'));
    expect(sut.events.map((e) => [e.type, e.once, e.data])).toEqual([
      ['grant.expiring', 'grant.expiring:soon', { accountId: 'acme', grantId: 'soon', source: 'pack', remaining: 200, remainingMillicredits: 200_000, expiresAt: '2026-03-28T00:00:00.000Z', plan: null, pack: 'boost' }],
    ]);
  });
});

describe('charge.refunded', () => {
  it('says what was refunded, in all, what is left to refund and the balance after', () => {
    const book = bookOf([grantOf('g', 1_000_000, { remainingMc: 720_000 })], {}, { 'site.generate': 1 });
    const sut = new Plan();
    const charge = { id: 'ch_x', action: 'site.generate', costMc: 280_000, rulesetVersion: 'v', cycleStart: book.account.cycleStart, paid: [{ grantId: 'g', amountMc: -280_000 }], refunded: [{ grantId: 'g', amountMc: 30_000 }], refundedMc: 30_000 };
    planRefund(sut, book, at('2026-03-25T00:00:00Z'), charge, 50_000, 'render failed');
    expect(sut.events.map((e) => [e.type, e.data])).toEqual([
      [
        'charge.refunded',
        { accountId: 'acme', chargeId: 'ch_x', action: 'site.generate', refunded: 50, refundedMillicredits: 50_000, refundedTotal: 80, refundedTotalMillicredits: 80_000, remaining: 200, remainingMillicredits: 200_000, reason: 'render failed', balance: 770, balanceMillicredits: 770_000 },
      ],
    ]);
  });
});

describe('account.plan_changed', () => {
  it('fires when the plan changes now (an upgrade, a mapping), not when a downgrade is only scheduled', () => {
    const ctx = at('2026-03-25T00:00:00Z');
    const book = bookOf([grantOf('allowance', 1_500_000, { source: 'allowance', plan: 'basic', expiresAt: END })]);
    const sut = new Plan();
    planPlanChange(sut, book, ctx, 'pro');
    planPlanChange(sut, book, ctx, 'basic'); // a downgrade: waits for the billing date
    planPlanMove(sut, book, ctx, 'premium', new Set(['pro']), 'mapped', { how: 'activate' });
    expect(sut.events.map((e) => e.data)).toEqual([
      { accountId: 'acme', from: 'basic', to: 'pro', kind: 'upgrade', cause: 'request' },
      { accountId: 'acme', from: 'pro', to: 'premium', kind: 'mapping', cause: 'activation' },
    ]);
  });
});

describe(rulesetActivated.name, () => {
  it('is about no account', () => {
    expect(rulesetActivated(at('2026-03-25T00:00:00Z'), { version: 'v2' }, { previous: 'v1', how: 'rollback', activatedBy: 'key_1', forced: null, effectiveAt: '2026-04-01T00:00:00.000Z' })).toEqual({
      id: 'evt_1',
      type: 'ruleset.activated',
      accountId: null,
      data: { version: 'v2', previous: 'v1', how: 'rollback', activatedBy: 'key_1', forced: null, effectiveAt: '2026-04-01T00:00:00.000Z' },
      createdAt: new Date('2026-03-25T00:00:00Z'),
    });
  });
});
