import { PLANS_YAML, sources, where, yaml } from '../../../test/support/yaml';
import { formatInstant } from './check-promotions';
import { loadRuleSet } from './load';
import { parseInstant } from './normalize-offers';

const ACTIONS = yaml(
  'actions:',
  '  video.generate:',
  '    params:',
  '      tier: { values: [standard, relaxed, hd], default: standard }',
  '      seconds: { type: integer, min: 1, max: 8, default: 8, unit: s }',
  '    price:',
  '      by: tier',
  '      per: seconds',
  '      variants:',
  '        standard: 32 cr/sec',
  '        relaxed: 18.75 cr/sec',
  '        hd: { rate: 85 cr/sec, plans: { premium: 80 cr/sec } }',
  '  chat.edit:',
  '    price: 0.5 cr/edit',
  '  site.download:',
  '    free: never charged',
  '  site.generate:',
  '    phases:',
  '      - action: video.generate',
);

/** A promotions file of the given promotions (each a list of lines under `- `). */
const promos = (...items: string[][]) => sources({ 'plans.yaml': PLANS_YAML, 'x.yaml': ACTIONS, 'p.yaml': yaml('promotions:', ...items.flatMap((lines) => lines.map((l, i) => (i === 0 ? `  - ${l}` : `    ${l}`)))) });
const promo = (id: string, extra: string[] = [], from = '2026-12-01', until = '2027-01-01'): string[] => [`id: ${id}`, `from: ${from}`, `until: ${until}`, ...(extra.some((l) => l.startsWith('actions:')) ? [] : ['actions: [video.generate]']), ...(extra.some((l) => /^(discount|rate):/.test(l)) ? [] : ['discount: 50%']), ...extra];

describe('promotions', () => {
  it('reads a promotion: UTC instants in milliseconds, targets, the discount', () => {
    const { ruleset, diagnostics } = loadRuleSet(promos(promo('december-video', ['label: December video sale', 'variants: [standard, hd]', 'plans: [pro, premium]', 'note: while stocks last'])));
    expect(diagnostics).toEqual([]);
    expect(ruleset!.promotions).toEqual([
      expect.objectContaining({
        id: 'december-video',
        label: 'December video sale',
        fromMs: Date.parse('2026-12-01T00:00:00Z'),
        untilMs: Date.parse('2027-01-01T00:00:00Z'),
        actions: ['video.generate'],
        variants: ['standard', 'hd'],
        plans: ['pro', 'premium'],
        discount: { kind: 'percent', offPermille: 500 },
        note: 'while stocks last',
      }),
    ]);
  });

  it('reads a sale rate, a gate for plans, and times of day', () => {
    const { ruleset, diagnostics } = loadRuleSet(promos(promo('x', ['plans: pro+', 'rate: 30 cr/sec', 'variants: [standard]'], '2026-12-01T09:30Z', '2026-12-01T17:00:30Z')));
    expect(diagnostics).toEqual([]);
    expect(ruleset!.promotions[0]).toMatchObject({ label: 'x', plansGate: { plan: 'pro' }, discount: { kind: 'rate', mc: 30_000, unit: 'second' }, fromMs: Date.parse('2026-12-01T09:30:00Z'), untilMs: Date.parse('2026-12-01T17:00:30Z') });
  });

  it('allows promotions that touch (one ends when the next starts) or cover different variants or plans', () => {
    const { diagnostics } = loadRuleSet(
      promos(
        promo('a', ['variants: [standard]'], '2026-12-01', '2026-12-15'),
        promo('b', ['variants: [standard]'], '2026-12-15', '2027-01-01'),
        promo('c', ['variants: [relaxed]'], '2026-12-01', '2027-01-01'),
        promo('d', ['variants: [hd]', 'plans: [basic]']),
        promo('e', ['variants: [hd]', 'plans: [pro, premium]']),
      ),
    );
    expect(diagnostics).toEqual([]);
  });

  it.each([
    ['promotion-window-empty: it ends before it starts, at `until`', [promo('x', [], '2026-12-01', '2026-11-30')], ['p.yaml:4:12: promotion-window-empty']],
    ['promotion-window-empty: it ends when it starts', [promo('x', [], '2026-12-01', '2026-12-01')], ['p.yaml:4:12: promotion-window-empty']],
    ['invalid-date: February has no 30th', [promo('x', [], '2026-02-30')], ['p.yaml:3:11: invalid-date']],
    ['schema-format: a time without `Z`', [promo('x', [], '2026-12-01T09:00')], ['p.yaml:3:11: schema-format']],
    ['unknown-action, with the closest', [promo('x', ['actions: [video.generat]'])], ['p.yaml:6:15: unknown-action']],
    ['promotion-on-free-action', [promo('x', ['actions: [site.download]'])], ['p.yaml:6:15: promotion-on-free-action']],
    ['promotion-on-composite', [promo('x', ['actions: [site.generate]'])], ['p.yaml:6:15: promotion-on-composite']],
    ['unknown-value: not a variant', [promo('x', ['variants: [stardard]'])], ['p.yaml:7:16: unknown-value']],
    ['unknown-value: an action with one rate', [promo('x', ['actions: [chat.edit]', 'variants: [standard]'])], ['p.yaml:7:16: unknown-value']],
    ['unknown-plan: in the list', [promo('x', ['plans: [pro, gold]'])], ['p.yaml:7:18: unknown-plan']],
    ['unknown-plan: in a gate', [promo('x', ['plans: gold+'])], ['p.yaml:7:12: unknown-plan']],
    ['discount-out-of-range: 0%', [promo('x', ['discount: 0%'])], ['p.yaml:6:15: discount-out-of-range']],
    ['discount-out-of-range: 150%', [promo('x', ['discount: 150%'])], ['p.yaml:6:15: discount-out-of-range']],
    ['schema-format: a discount that is not a percentage', [promo('x', ['discount: half'])], ['p.yaml:6:15: schema-format']],
    ['schema-type: a discount and a rate (the message says: exactly one)', [promo('x', ['discount: 10%', 'rate: 10 cr/sec'])], ['p.yaml:2:5: schema-type']],
    ['schema-required: no actions', [['id: x', 'from: 2026-12-01', 'until: 2027-01-01', 'discount: 5%']], ['p.yaml:2:5: schema-required']],
    ['mixed-units: a sale rate per request for a per-second price', [promo('x', ['rate: 10 cr/msg'])], ['p.yaml:6:11: mixed-units']],
    ['promotion-raises-price: above one variant', [promo('x', ['rate: 20 cr/sec'])], ['p.yaml:6:11: promotion-raises-price']],
    ['promotion-raises-price: above a plan price', [promo('x', ['rate: 82 cr', 'variants: [hd]'])], ['p.yaml:6:11: promotion-raises-price']],
    ['duplicate-promotion', [promo('x', [], '2026-01-01', '2026-02-01'), promo('x')], ['p.yaml:7:9: duplicate-promotion']],
    ['overlapping-promotions: the same action at the same time, at the later one', [promo('a'), promo('b', [], '2026-12-24', '2026-12-27')], ['p.yaml:7:5: overlapping-promotions']],
    ['overlapping-promotions: intersecting variants and plans', [promo('a', ['variants: [standard, hd]', 'plans: pro+']), promo('b', ['variants: [hd]', 'plans: [premium]'])], ['p.yaml:9:5: overlapping-promotions']],
  ])('%s', (_title, items, want) => {
    const { ruleset, diagnostics } = loadRuleSet(promos(...items));
    expect(ruleset).toBeUndefined();
    expect(where(diagnostics)).toEqual(want);
  });

  it('says which price two overlapping promotions both lower, and when', () => {
    const { diagnostics } = loadRuleSet(promos(promo('a', ['variants: [standard, hd]', 'plans: pro+']), promo('b', ['variants: [hd]', 'plans: [premium]'], '2026-12-24', '2027-02-01')));
    expect(diagnostics[0]).toMatchObject({
      message: 'promotions `a` and `b` both lower `video.generate` (`hd`) on `premium` from 2026-12-24 until 2027-01-01',
      related: expect.objectContaining({ file: 'p.yaml', line: 2 }),
      hint: 'promotions do not stack: end one before the other starts, or give them different `variants` or `plans`',
    });
  });

  it('says a window is empty in the dates a PM wrote', () => {
    const { diagnostics } = loadRuleSet(promos(promo('x', [], '2026-12-01T09:30Z', '2026-12-01')));
    expect(diagnostics[0].message).toBe('promotion `x` ends (2026-12-01) before it starts (2026-12-01T09:30Z)');
  });

  it('says which price a sale rate would raise', () => {
    const { diagnostics } = loadRuleSet(promos(promo('x', ['rate: 82 cr', 'variants: [hd]'])));
    expect(diagnostics[0].message).toBe('sale rate 82 cr is above the 80 cr/s that tier `hd` of `video.generate` costs on `premium`');
  });

  it('reserves `now` for the decision time', () => {
    const { diagnostics } = loadRuleSet(sources({ 'plans.yaml': PLANS_YAML, 'x.yaml': yaml('actions:', '  a.b:', '    params:', '      now: { values: [x], default: x }', '    price: 1 cr') }));
    expect(where(diagnostics)).toEqual(['x.yaml:4:7: reserved-param']);
  });
});

describe(parseInstant.name, () => {
  it.each([
    ['2026-12-01', '2026-12-01T00:00:00.000Z'],
    ['2026-12-01T09:30Z', '2026-12-01T09:30:00.000Z'],
    ['2026-12-01T09:30:15Z', '2026-12-01T09:30:15.000Z'],
    ['2028-02-29', '2028-02-29T00:00:00.000Z'],
  ])('reads %s', (input, iso) => {
    expect(new Date(parseInstant(input)!).toISOString()).toBe(iso);
  });

  it.each(['2026-02-29', '2026-13-01', '2026-12-01T24:00Z', '2026-12-01T09:30', '2026-12-01T09:30+01:00', 'December 1', 20261201])('rejects %p', (input) => {
    expect(parseInstant(input)).toBeUndefined();
  });

  it('formats back as written', () => {
    expect(formatInstant(parseInstant('2026-12-01')!)).toBe('2026-12-01');
    expect(formatInstant(parseInstant('2026-12-01T09:30Z')!)).toBe('2026-12-01T09:30Z');
    expect(formatInstant(parseInstant('2026-12-01T09:30:15Z')!)).toBe('2026-12-01T09:30:15.000Z');
  });
});
