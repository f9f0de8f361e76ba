import type { CompiledRuleSet } from '@ratecard/engine';
import { compileBundled, compileYaml } from '../../../../test/support/rules';
import { PLANS_YAML } from '../../../../test/support/yaml';
import { isStale, planNewAccount, planPlanChange, planPlanMove, planTouch } from './cycle';
import { bookOf, entriesOf, grantOf, Plan, specContext } from './testing';

const END = new Date('2026-04-20T00:00:00Z');
let compiled: CompiledRuleSet;
beforeAll(async () => {
  compiled = await compileBundled();
});

const live = (plan: Plan, book: ReturnType<typeof bookOf>) => [...book.grants.values()].filter((g) => g.remainingMc > 0).map((g) => [g.source, g.plan, g.remainingMc, g.expiresAt?.toISOString() ?? null]);

describe(isStale.name, () => {
  it('is true once the cycle ended, a hold or a grant expired', () => {
    const base = { cycleEnd: END, nextHoldExpiry: null, nextGrantExpiry: null };
    const t = new Date('2026-04-01T00:00:00Z');
    expect([isStale(base, t), isStale({ ...base, nextGrantExpiry: t }, t), isStale({ ...base, nextHoldExpiry: t }, t), isStale(base, END)]).toEqual([false, true, true, true]);
  });
});

describe(planNewAccount.name, () => {
  it("grants the plan's allowance for the current cycle as a grant that ends with it", () => {
    const sut = new Plan();
    const book = planNewAccount(sut, specContext(compiled, '2026-03-25T12:00:00Z'), { id: 'acme', plan: 'pro', billingAnchor: 20 });
    expect(live(sut, book)).toEqual([['allowance', 'pro', 5_000_000, END.toISOString()]]);
    expect(entriesOf(sut)).toEqual([['grant', 5_000_000, [['gr_1', 5_000_000]]]]);
  });
});

describe(planTouch.name, () => {
  it("at the billing date the allowance expires, the pending downgrade applies, the new allowance is granted; a pack is untouched", () => {
    const book = bookOf([grantOf('allowance', 5_000_000, { source: 'allowance', plan: 'pro', remainingMc: 1_000_000, expiresAt: END }), grantOf('pack', 500_000, { source: 'pack', expiresAt: new Date('2026-06-01T00:00:00Z') })], { plan: 'pro', pendingPlan: 'basic' }, { 'site.generate': 2 });
    const sut = new Plan();
    planTouch(sut, book, specContext(compiled, '2026-04-21T08:00:00Z'), []);
    expect(entriesOf(sut)).toEqual([
      ['expiry', -1_000_000, [['allowance', -1_000_000]]],
      ['grant', 1_500_000, [['gr_3', 1_500_000]]],
    ]);
    expect(sut.events.map((e) => [e.id, e.type])).toEqual([
      ['evt_1', 'grant.expired'],
      ['evt_2', 'account.plan_changed'],
    ]);
    expect([book.account.plan, book.account.pendingPlan, book.account.cycleStart.toISOString(), book.usage.get('site.generate')]).toEqual(['basic', null, END.toISOString(), 0]);
    expect(live(sut, book)).toEqual([
      ['pack', null, 500_000, '2026-06-01T00:00:00.000Z'],
      ['allowance', 'basic', 1_500_000, '2026-05-20T00:00:00.000Z'],
    ]);
  });

  it('with `unused: roll-over`, carries the allowance left into a grant that ends with the new cycle', async () => {
    const rollOver = await compileYaml({ 'plans.yaml': `${PLANS_YAML}cycle:\n  period: monthly\n  unused: roll-over\n  upgrade: carry-over\n  upgradeGrant: full\n  downgrade: next-cycle\n` });
    expect(rollOver.ruleset.cycle.unused).toBe('roll-over');
    const book = bookOf([grantOf('allowance', 1_500_000, { source: 'allowance', plan: 'basic', remainingMc: 400_000, expiresAt: END })]);
    const sut = new Plan();
    planTouch(sut, book, specContext(rollOver, '2026-04-20T00:00:00Z'), []);
    expect(entriesOf(sut).map(([k, mc]) => [k, mc])).toEqual([
      ['expiry', -400_000],
      ['rollover', 400_000],
      ['grant', 1_500_000],
    ]);
    expect(live(sut, book)).toEqual([
      ['rollover', null, 400_000, '2026-05-20T00:00:00.000Z'],
      ['allowance', 'basic', 1_500_000, '2026-05-20T00:00:00.000Z'],
    ]);
  });
});

describe(planPlanChange.name, () => {
  it("on an upgrade, carries the allowance left into an `upgrade` grant ending with the next cycle, and grants the new allowance once", () => {
    const book = bookOf([grantOf('allowance', 1_500_000, { source: 'allowance', plan: 'basic', remainingMc: 700_000, expiresAt: END }), grantOf('goodwill', 50_000, { expiresAt: END })]);
    const ctx = specContext(compiled, '2026-03-25T00:00:00Z');
    const sut = new Plan();
    expect(planPlanChange(sut, book, ctx, 'pro')).toMatchObject({ kind: 'upgrade', grantMc: 5_000_000, from: 'basic', to: 'pro' });
    expect(live(sut, book)).toEqual([
      ['goodwill', null, 50_000, END.toISOString()],
      ['upgrade', null, 700_000, '2026-05-20T00:00:00.000Z'],
      ['allowance', 'pro', 5_000_000, END.toISOString()],
    ]);
    planPlanChange(sut, book, ctx, 'basic');
    expect(planPlanChange(sut, book, ctx, 'pro')).toMatchObject({ kind: 'same', grantMc: 0 });
    expect(book.account.balanceMc).toBe(5_750_000);
  });

  it('moves an account off a plan the rules no longer have, granting nothing', () => {
    const book = bookOf([grantOf('allowance', 9_000_000, { source: 'allowance', plan: 'enterprise', expiresAt: END })], { plan: 'enterprise' });
    const sut = new Plan();
    expect(planPlanChange(sut, book, specContext(compiled, '2026-03-25T00:00:00Z'), 'basic')).toMatchObject({ kind: 'move', effective: 'now', grantMc: 0 });
    expect([book.account.plan, book.account.balanceMc, sut.entries]).toEqual(['basic', 9_000_000, []]);
  });
});

describe(planPlanMove.name, () => {
  it('records a mapped move as a `plan` entry of no credits, and cancels a pending change to a vanished plan', () => {
    const book = bookOf([grantOf('g', 10_000)], { plan: 'enterprise', pendingPlan: 'team' });
    const sut = new Plan();
    expect(planPlanMove(sut, book, specContext(compiled, '2026-03-25T00:00:00Z'), 'premium', new Set(['enterprise', 'team']), 'mapped', { how: 'activate' })).toEqual({ movedFrom: 'enterprise', cancelled: 'team' });
    expect([entriesOf(sut), book.account.plan, book.account.pendingPlan, sut.entries[0].balanceAfterMc]).toEqual([[['plan', 0, []]], 'premium', null, 10_000]);
  });
});
