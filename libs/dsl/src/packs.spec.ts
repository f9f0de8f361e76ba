import { PLANS_YAML, sources, where, yaml } from '../../../test/support/yaml';
import { formatMoney, parseMoney, parseValidity } from './amounts';
import { loadRuleSet } from './load';

const withPacks = (...lines: string[]) => sources({ 'plans.yaml': PLANS_YAML, 'x.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr'), 'packs.yaml': yaml(...lines) });

describe('packs', () => {
  it('reads the catalogue as written: credits in millicredits, validity in days, price in minor units', () => {
    const { ruleset, diagnostics } = loadRuleSet(
      withPacks('packs:', '  - id: boost-500', '    name: Boost 500', '    credits: 500 cr', '    valid: 90 days', '    price: USD 9.99', '  - id: forever-50', '    credits: 50.5', '    valid: never', '    note: for the long haul'),
    );
    expect(diagnostics).toEqual([]);
    expect(ruleset!.packs).toEqual([
      { id: 'boost-500', name: 'Boost 500', creditsMc: 500_000, validDays: 90, price: { currency: 'USD', amountMinor: 999 }, at: expect.objectContaining({ file: 'packs.yaml', line: 2, column: 5 }) },
      { id: 'forever-50', name: 'forever-50', creditsMc: 50_500, validDays: null, note: 'for the long haul', at: expect.objectContaining({ line: 7 }) },
    ]);
  });

  it('is empty when no file has packs', () => {
    expect(loadRuleSet(sources({ 'plans.yaml': PLANS_YAML, 'x.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr') })).ruleset!.packs).toEqual([]);
  });

  it('merges packs of several files, in file order, one id per catalogue', () => {
    const files = sources({
      'plans.yaml': PLANS_YAML,
      'a.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr', 'packs:', '  - { id: small, credits: 100 cr, valid: 30 days }'),
      'b.yaml': yaml('packs:', '  - { id: big, credits: 1000 cr, valid: 1 day }', '  - { id: small, credits: 200 cr, valid: 30 days }'),
    });
    const { ruleset, diagnostics } = loadRuleSet(files);
    expect(ruleset).toBeUndefined();
    expect(where(diagnostics)).toEqual(['b.yaml:3:11: duplicate-pack']);
    expect(diagnostics[0].related).toEqual(expect.objectContaining({ file: 'a.yaml', line: 5 }));
  });

  it.each([
    ['pack-without-validity: no `valid`, at the pack, with a hint', ['packs:', '  - id: boost', '    credits: 500 cr'], ['packs.yaml:2:5: pack-without-validity']],
    ['empty-pack: no credits', ['packs:', '  - { id: boost, credits: 0 cr, valid: never }'], ['packs.yaml:2:27: empty-pack']],
    ['empty-pack: negative credits', ['packs:', '  - { id: boost, credits: -5 cr, valid: never }'], ['packs.yaml:2:27: empty-pack']],
    ['invalid-price: a cent finer than the currency', ['packs:', '  - { id: boost, credits: 5 cr, valid: never, price: USD 9.999 }'], ['packs.yaml:2:54: invalid-price']],
    ['invalid-price: yen have no decimals', ['packs:', '  - { id: boost, credits: 5 cr, valid: never, price: JPY 100.5 }'], ['packs.yaml:2:54: invalid-price']],
    ['schema-format: a validity in months', ['packs:', '  - { id: boost, credits: 5 cr, valid: 3 months }'], ['packs.yaml:2:40: schema-format']],
    ['schema-format: a validity of 0 days', ['packs:', '  - { id: boost, credits: 5 cr, valid: 0 days }'], ['packs.yaml:2:40: schema-format']],
    ['schema-format: a price without a currency', ['packs:', '  - { id: boost, credits: 5 cr, valid: never, price: "9.99" }'], ['packs.yaml:2:54: schema-format']],
    ['schema-required: no credits', ['packs:', '  - { id: boost, valid: never }'], ['packs.yaml:2:5: schema-required']],
  ])('%s', (_title, lines, want) => {
    const { ruleset, diagnostics } = loadRuleSet(withPacks(...lines));
    expect(ruleset).toBeUndefined();
    expect(where(diagnostics)).toEqual(want);
  });

  it('says how to fix a pack without validity', () => {
    const { diagnostics } = loadRuleSet(withPacks('packs:', '  - id: boost', '    credits: 500 cr'));
    expect(diagnostics[0]).toMatchObject({ message: 'pack `boost` does not say how long its credits stay valid', hint: 'add `valid: 90 days` (or `valid: never` for credits that never expire)' });
  });
});

describe(parseMoney.name, () => {
  it.each([
    ['USD 9.99', { currency: 'USD', amountMinor: 999 }],
    ['USD 10', { currency: 'USD', amountMinor: 1000 }],
    ['EUR 1,299.5', { currency: 'EUR', amountMinor: 129_950 }],
    ['JPY 1200', { currency: 'JPY', amountMinor: 1200 }],
    ['KWD 1.250', { currency: 'KWD', amountMinor: 1250 }],
    ['USD 0.1', { currency: 'USD', amountMinor: 10 }],
  ])('parses `%s` exactly', (input, want) => {
    expect(parseMoney(input)).toEqual(want);
    expect(parseMoney(formatMoney(want))).toEqual(want);
  });

  it.each(['usd 9.99', 'USD', '9.99', 'USD 9.999', 'JPY 1.5', 'USD -1', 'USDX 1', 7])('rejects %p', (input) => {
    expect(parseMoney(input)).toBeUndefined();
  });

  it('formats as written', () => {
    expect(formatMoney({ currency: 'USD', amountMinor: 999 })).toBe('USD 9.99');
    expect(formatMoney({ currency: 'USD', amountMinor: 5 })).toBe('USD 0.05');
    expect(formatMoney({ currency: 'JPY', amountMinor: 1200 })).toBe('JPY 1200');
  });
});

describe(parseValidity.name, () => {
  it.each([
    ['90 days', 90],
    ['1 day', 1],
    ['never', null],
  ])('reads `%s`', (input, want) => expect(parseValidity(input)).toBe(want));

  it.each(['0 days', '3 months', 'forever', 90, '-1 days'])('rejects %p', (input) => expect(parseValidity(input)).toBeUndefined());
});
