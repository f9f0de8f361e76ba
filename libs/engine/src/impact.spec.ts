import { compileYaml, NOW } from '../../../test/support/rules';
import { yaml, type YamlFiles } from '../../../test/support/yaml';
import type { CompiledRuleSet } from './compiled';
import { decide } from './decide';
import { impactOf, impactText, type ImpactGroup, type LoggedDecision } from './impact';

const PLANS = yaml(
  'plans:',
  '  - id: basic',
  '    allowance: 1,500 cr',
  '    quotas: { site.make: 2 }',
  '  - id: pro',
  '    allowance: 5,000 cr',
  '  - id: premium',
  '    allowance: 15,000 cr',
);
const ACTIONS = yaml(
  'actions:',
  '  chat.edit:',
  '    price: 0.5 cr/edit',
  '  image.generate:',
  '    params:',
  '      model: { values: [fast, best], default: fast }',
  '    price:',
  '      by: model',
  '      variants:',
  '        fast: { rate: 8 cr }',
  '        best: { rate: 20 cr, requires: pro+ }',
  '  site.download:',
  '    free: downloads are never charged',
  '  site.make:',
  '    price: 50 cr',
);
const BASE: YamlFiles = { 'plans.yaml': PLANS, 'actions.yaml': ACTIONS };

/** Chat edits 0.5 → 0.75 cr, the fast model 8 → 10 cr; nothing else. */
const PRICE_INCREASE: YamlFiles = { ...BASE, 'actions.yaml': ACTIONS.replace('0.5 cr/edit', '0.75 cr/edit').replace('fast: { rate: 8 cr }', 'fast: { rate: 10 cr }') };

type Entry = [kind: string, accountId: string, plan: string, action: string, params: Record<string, unknown>, balance: number, allowed: boolean, cost: number, usage?: Record<string, number>];

/** A log entry as the ledger writes it: the request, the account state it saw, and what was decided. */
const logged = ([kind, accountId, plan, action, params, balance, allowed, cost, usage]: Entry): LoggedDecision => ({
  kind,
  accountId,
  plan,
  action,
  params,
  confirm: false,
  balanceMillicredits: Math.round(balance * 1000),
  usage: usage ?? {},
  allowed,
  costMillicredits: Math.round(cost * 1000),
  createdAt: NOW.toISOString(),
});

// A window of decisions as the base rules made them (the first test checks that they did).
const HISTORY: LoggedDecision[] = (
  [
    ['charge', 'acme', 'basic', 'chat.edit', {}, 100, true, 0.5],
    ['charge', 'acme', 'basic', 'chat.edit', {}, 99.5, true, 0.5],
    ['charge', 'acme', 'basic', 'image.generate', { model: 'fast' }, 99, true, 8],
    ['quote', 'acme', 'basic', 'image.generate', {}, 91, true, 8], // a quote moves no credits
    ['charge', 'acme', 'basic', 'site.download', {}, 91, true, 0],
    ['charge', 'acme', 'basic', 'site.make', {}, 91, true, 50, { 'site.make': 1 }],
    ['charge', 'lowbal', 'pro', 'chat.edit', {}, 0.6, true, 0.5], // 0.6 pays for 0.5, not for 0.75
    ['charge', 'lowbal', 'pro', 'image.generate', {}, 9, true, 8], // 9 pays for 8, not for 10
    ['charge', 'big', 'premium', 'image.generate', { model: 'best' }, 1000, true, 20], // not repriced
    ['hold', 'big', 'premium', 'image.generate', {}, 980, true, 8], // a hold moves no credits until captured
    ['capture', 'big', 'premium', 'image.generate', {}, 980, true, 8],
    ['charge', 'poor', 'basic', 'chat.edit', {}, 0.4, false, 0.5], // denied before and after: repriced, no credits
  ] as Entry[]
).map(logged);

const group = (key: string, g: Omit<ImpactGroup, 'key'>): ImpactGroup => ({ key, ...g });

describe(impactOf.name, () => {
  let base: CompiledRuleSet;
  beforeAll(async () => {
    base = await compileYaml(BASE);
  });

  it('starts from a faithful log: the base rules decide every entry as logged', () => {
    for (const d of HISTORY) {
      const again = decide(base, { plan: d.plan, balanceMc: d.balanceMillicredits, usage: d.usage }, { action: d.action, params: d.params, confirm: d.confirm }, NOW);
      expect([d.action, again.allowed, again.costMillicredits]).toEqual([d.action, d.allowed, d.costMillicredits]);
    }
    expect(impactOf(base, HISTORY)).toMatchObject({ candidateVersion: base.version, requests: 12, changedOutcome: 0, repriced: 0, chargedBefore: 95.5, chargedAfter: 95.5, newlyDeniedAccounts: [] });
  });

  describe('a price increase', () => {
    let candidate: CompiledRuleSet;
    beforeAll(async () => {
      candidate = await compileYaml(PRICE_INCREASE);
    });

    it('totals the credits charged before and after, and the requests that change', () => {
      const sut = impactOf(candidate, HISTORY);
      // Before: 0.5 + 0.5 + 8 + 0 + 50 (acme) + 0.5 + 8 (lowbal) + 20 + 8 (big) = 95.5 of charges and captures.
      // After: acme 0.75 + 0.75 + 10 + 0 + 50; lowbal can pay for neither; big 20 + 10.
      expect(sut).toMatchObject({ candidateVersion: candidate.version, requests: 12, changedOutcome: 2, repriced: 9, chargedBefore: 95.5, chargedAfter: 91.5 });
    });

    it('per action', () => {
      expect(impactOf(candidate, HISTORY).byAction).toEqual([
        group('chat.edit', { requests: 4, changedOutcome: 1, newlyDenied: 1, newlyAllowed: 0, repriced: 4, chargedBefore: 1.5, chargedAfter: 1.5 }),
        group('image.generate', { requests: 6, changedOutcome: 1, newlyDenied: 1, newlyAllowed: 0, repriced: 5, chargedBefore: 44, chargedAfter: 40 }),
        group('site.download', { requests: 1, changedOutcome: 0, newlyDenied: 0, newlyAllowed: 0, repriced: 0, chargedBefore: 0, chargedAfter: 0 }),
        group('site.make', { requests: 1, changedOutcome: 0, newlyDenied: 0, newlyAllowed: 0, repriced: 0, chargedBefore: 50, chargedAfter: 50 }),
      ]);
    });

    it('per plan', () => {
      expect(impactOf(candidate, HISTORY).byPlan).toEqual([
        group('basic', { requests: 7, changedOutcome: 0, newlyDenied: 0, newlyAllowed: 0, repriced: 5, chargedBefore: 59, chargedAfter: 61.5 }),
        group('premium', { requests: 3, changedOutcome: 0, newlyDenied: 0, newlyAllowed: 0, repriced: 2, chargedBefore: 28, chargedAfter: 30 }),
        group('pro', { requests: 2, changedOutcome: 2, newlyDenied: 2, newlyAllowed: 0, repriced: 2, chargedBefore: 8.5, chargedAfter: 0 }),
      ]);
    });

    it('names the accounts that would newly be denied, and how often', () => {
      expect(impactOf(candidate, HISTORY).newlyDeniedAccounts).toEqual([{ accountId: 'lowbal', requests: 2 }]);
    });

    it('reads as text', () => {
      const window = { since: new Date('2026-02-13T12:00:00Z'), until: NOW };
      expect(impactText(impactOf(candidate, HISTORY), window)).toBe(
        [
          `impact of candidate ${candidate.version.slice(0, 12)} on 12 logged decisions from 2026-02-13T12:00:00.000Z to 2026-03-15T12:00:00.000Z`,
          '',
          'in short',
          '  accounts affected  4 of 4',
          '  charged credits    95.5 → 91.5 (-4, -4.2%)',
          '  pay more           basic: image.generate (+2 cr over 1 charge)',
          '                     premium: image.generate (+2 cr over 1 charge)',
          '                     basic: chat.edit (+0.5 cr over 2 charges)',
          '  pay less           nobody',
          '  newly denied       lowbal (2 requests)',
          '  newly allowed      nobody',
          '',
          '  outcome changes   2 (2 newly denied, 0 newly allowed)',
          '  repriced          9',
          '',
          'by action',
          '                  requests  changed  newly denied  newly allowed  repriced  credits before → after',
          '  chat.edit              4        1             1              0         4  1.5 → 1.5 (+0)',
          '  image.generate         6        1             1              0         5  44 → 40 (-4)',
          '  site.download          1        0             0              0         0  0 → 0 (+0)',
          '  site.make              1        0             0              0         0  50 → 50 (+0)',
          '',
          'by plan',
          '           requests  changed  newly denied  newly allowed  repriced  credits before → after',
          '  basic           7        0             0              0         5  59 → 61.5 (+2.5)',
          '  premium         3        0             0              0         2  28 → 30 (+2)',
          '  pro             2        2             2              0         2  8.5 → 0 (-8.5)',
        ].join('\n'),
      );
    });
  });

  it('a tighter gate and quota deny requests the log allowed; a lower price allows one it denied', async () => {
    const candidate = await compileYaml({
      'plans.yaml': PLANS.replace('quotas: { site.make: 2 }', 'quotas: { site.make: 1 }'),
      'actions.yaml': ACTIONS.replace('best: { rate: 20 cr, requires: pro+ }', 'best: { rate: 20 cr, requires: premium+ }').replace('0.5 cr/edit', '0.4 cr/edit'),
    });
    const history = (
      [
        ['charge', 'acme', 'basic', 'site.make', {}, 500, true, 50, { 'site.make': 1 }], // the second site of the cycle
        ['charge', 'acme', 'basic', 'site.make', {}, 450, true, 50, { 'site.make': 0 }],
        ['charge', 'studio', 'pro', 'image.generate', { model: 'best' }, 500, true, 20],
        ['quote', 'studio', 'pro', 'image.generate', { model: 'best' }, 480, true, 20],
        ['charge', 'poor', 'basic', 'chat.edit', {}, 0.4, false, 0.5],
      ] as Entry[]
    ).map(logged);
    const sut = impactOf(candidate, history);
    expect(sut).toMatchObject({ requests: 5, changedOutcome: 4, newlyDenied: 3, newlyAllowed: 1, repriced: 1, chargedBefore: 120, chargedAfter: 50.4 });
    expect(sut.byAction).toEqual([
      // The charge denied then is allowed now: the candidate would have charged its price.
      group('chat.edit', { requests: 1, changedOutcome: 1, newlyDenied: 0, newlyAllowed: 1, repriced: 1, chargedBefore: 0, chargedAfter: 0.4 }),
      group('image.generate', { requests: 2, changedOutcome: 2, newlyDenied: 2, newlyAllowed: 0, repriced: 0, chargedBefore: 20, chargedAfter: 0 }),
      group('site.make', { requests: 2, changedOutcome: 1, newlyDenied: 1, newlyAllowed: 0, repriced: 0, chargedBefore: 100, chargedAfter: 50 }),
    ]);
    expect(sut.newlyDeniedAccounts).toEqual([
      { accountId: 'studio', requests: 2 },
      { accountId: 'acme', requests: 1 },
    ]);
    expect(sut.newlyAllowedAccounts).toEqual([{ accountId: 'poor', requests: 1 }]);
    expect(sut.summary).toEqual({ accountsAffected: 3, accounts: 3, payMore: [], payLess: [], loseAccess: ['studio (2 requests)', 'acme (1 request)'], gainAccess: ['poor (1 request)'] });
  });

  it('an action the candidate removes is denied for everyone who used it', async () => {
    const candidate = await compileYaml({ ...BASE, 'actions.yaml': ACTIONS.replace('  chat.edit:\n    price: 0.5 cr/edit\n', '') });
    const sut = impactOf(candidate, HISTORY);
    expect(sut.byAction.find((g) => g.key === 'chat.edit')).toEqual(group('chat.edit', { requests: 4, changedOutcome: 3, newlyDenied: 3, newlyAllowed: 0, repriced: 4, chargedBefore: 1.5, chargedAfter: 0 }));
    expect(sut.newlyDeniedAccounts).toEqual([
      { accountId: 'acme', requests: 2 },
      { accountId: 'lowbal', requests: 1 },
    ]);
  });

  it('reports an empty window', async () => {
    const sut = impactOf(await compileYaml(PRICE_INCREASE), []);
    expect(sut).toMatchObject({ requests: 0, changedOutcome: 0, repriced: 0, chargedBefore: 0, chargedAfter: 0, byAction: [], byPlan: [], newlyDeniedAccounts: [] });
    expect(impactText(sut, { since: NOW, until: NOW }).split('\n').slice(2, 9)).toEqual([
      'in short',
      '  accounts affected  0 of 0',
      '  charged credits    0 → 0 (+0)',
      '  pay more           nobody',
      '  pay less           nobody',
      '  newly denied       nobody',
      '  newly allowed      nobody',
    ]);
  });

  describe('with a promotion in the candidate', () => {
    /** BASE with the fast model half price in December 2026 (UTC). */
    const SALE: YamlFiles = { ...BASE, 'sale.yaml': yaml('promotions:', '  - id: december-fast', '    label: December sale', '    from: 2026-12-01', '    until: 2027-01-01', '    actions: [image.generate]', '    variants: [fast]', '    discount: 50%') };
    const at = (iso: string, entry: Entry): LoggedDecision => ({ ...logged(entry), createdAt: iso });
    const history = [
      at('2026-11-30T23:59:59.999Z', ['charge', 'acme', 'basic', 'image.generate', { model: 'fast' }, 100, true, 8]), // the last instant before the sale
      at('2026-12-01T00:00:00.000Z', ['charge', 'acme', 'basic', 'image.generate', { model: 'fast' }, 92, true, 8]), // the first instant of the sale
      at('2026-12-31T12:00:00.000Z', ['charge', 'acme', 'pro', 'image.generate', { model: 'fast' }, 84, true, 8]),
      at('2026-12-31T12:00:00.000Z', ['charge', 'acme', 'pro', 'image.generate', { model: 'best' }, 76, true, 20]), // not on sale
      at('2027-01-01T00:00:00.000Z', ['charge', 'acme', 'basic', 'image.generate', { model: 'fast' }, 56, true, 8]), // the sale has ended
    ];

    it('reprices each decision at its own time: only the requests inside the window pay less', async () => {
      const sut = impactOf(await compileYaml(SALE), history);
      expect(sut).toMatchObject({ requests: 5, repriced: 2, changedOutcome: 0, chargedBefore: 52, chargedAfter: 44 });
      expect(sut.summary.payLess).toEqual(['basic: image.generate (-4 cr over 1 charge)', 'pro: image.generate (-4 cr over 1 charge)']);
    });

    it('decides as `decide` does at that instant', async () => {
      const candidate = await compileYaml(SALE);
      const costs = history.map((d) => decide(candidate, { plan: d.plan, balanceMc: d.balanceMillicredits, usage: d.usage }, { action: d.action, params: d.params as Record<string, string> }, new Date(d.createdAt)).cost);
      expect(costs).toEqual([8, 4, 4, 20, 8]);
    });
  });
});
