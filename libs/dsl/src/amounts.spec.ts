import { formatCredits, formatFactor, fromCredits, isInexactAmount, isInexactFactor, parseFactor, parseGate, parseRate, toCredits } from './amounts';

describe(parseRate.name, () => {
  it.each([
    ['18', 18_000],
    ['0.5 cr', 500],
    ['1,500 cr', 1_500_000],
    ['12,345,678 cr', 12_345_678_000],
    ['18.75 cr', 18_750],
    ['0.001 cr', 1],
    ['4 credits', 4_000],
    ['1 credit', 1_000],
    ['-5 cr', -5_000],
  ])('reads `%s` as %d millicredits', (input, mc) => {
    expect(parseRate(input)).toEqual({ mc });
  });

  it.each([
    ['32 cr/sec', 32_000, 'second'],
    ['32 cr/s', 32_000, 'second'],
    ['18.75 cr/second', 18_750, 'second'],
    ['15 cr/msg', 15_000, 'message'],
    ['0.5 cr/edit', 500, 'edit'],
    ['4 cr/request', 4_000, 'request'],
    ['2 cr/1k-tokens', 2_000, '1k-tokens'],
    ['2 cr / 1k tokens', 2_000, '1k-tokens'],
  ])('reads `%s` as %d mc per %s', (input, mc, unit) => {
    expect(parseRate(input)).toEqual({ mc, unit });
  });

  it.each([
    [18, 18_000],
    [0.5, 500],
    [18.75, 18_750],
    [0.001, 1],
    [0, 0],
  ])('reads the YAML number %p exactly', (input, mc) => {
    expect(parseRate(input)).toEqual({ mc });
  });

  it.each<[unknown, string]>([
    ['0.0005 cr', 'four decimals'],
    ['1.2345', 'four decimals'],
    [0.0001, 'four decimals as a number'],
    [0.1 + 0.2, 'a float that is not a decimal of three places'],
    [1e21, 'an exponent'],
    [Number.NaN, 'not a number'],
    [Number.POSITIVE_INFINITY, 'infinity'],
    ['1,50 cr', 'a misplaced thousands separator'],
    ['cr', 'no amount'],
    ['', 'nothing'],
    ['18 cr/minute', 'an unknown unit'],
    ['eighteen', 'words'],
    [true, 'a boolean'],
    [undefined, 'undefined'],
  ])('rejects %p (%s)', (input) => {
    expect(parseRate(input)).toBeUndefined();
  });
});

describe(parseFactor.name, () => {
  it.each([
    ['2x', 2_000],
    ['2×', 2_000],
    ['4X', 4_000],
    ['0.6x', 600],
    ['1.125x', 1_125],
    [2, 2_000],
    [0.5, 500],
  ])('reads %p as %d per-mille', (input, permille) => {
    expect(parseFactor(input)).toBe(permille);
  });

  it.each<[unknown]>([['2'], ['-2x'], ['1.2345x'], ['x'], ['two x'], [null]])('rejects %p', (input) => {
    expect(parseFactor(input)).toBeUndefined();
  });
});

describe(parseGate.name, () => {
  it.each([
    ['pro+', 'pro'],
    ['premium+', 'premium'],
    [' team-2 + ', 'team-2'],
  ])('reads `%s` as the minimum plan `%s`', (input, plan) => {
    expect(parseGate(input)).toBe(plan);
  });

  it.each<[unknown]>([['pro'], ['Pro+'], ['+'], ['pro++'], ['2pro+'], [7]])('rejects %p', (input) => {
    expect(parseGate(input)).toBeUndefined();
  });
});

describe(formatCredits.name, () => {
  it.each([
    [500, {}, '0.5'],
    [18_750, {}, '18.75'],
    [1, {}, '0.001'],
    [0, {}, '0'],
    [1_024_000, {}, '1024'],
    [1_024_000, { group: true }, '1,024'],
    [1_234_567_890, { group: true }, '1,234,567.89'],
    [-1_500, {}, '-1.5'],
    [-1_500_000, { group: true }, '-1,500'],
  ])('formats %d mc with %p as `%s`', (mc, options, text) => {
    expect(formatCredits(mc, options)).toBe(text);
  });

  it('round-trips every amount it formats', () => {
    for (const mc of [0, 1, 10, 99, 500, 18_750, 56_250, 1_024_000, 987_654_321]) {
      expect(parseRate(formatCredits(mc))?.mc).toBe(mc);
      expect(parseRate(formatCredits(mc, { group: true }))?.mc).toBe(mc);
    }
  });
});

describe(formatFactor.name, () => {
  it('formats per-mille as a factor', () => {
    expect(formatFactor(2_000)).toBe('2');
    expect(formatFactor(600)).toBe('0.6');
  });
});

describe(toCredits.name, () => {
  it('keeps fractions of a credit', () => {
    expect(toCredits(500)).toBe(0.5);
    expect(toCredits(18_750)).toBe(18.75);
  });
});

describe(fromCredits.name, () => {
  it.each([
    ['1500', 1_500_000],
    ['1,500', 1_500_000],
    ['0.5', 500],
    [0.5, 500],
    [255.999, 255_999],
  ])('reads %p as %d mc', (input, mc) => {
    expect(fromCredits(input)).toBe(mc);
  });

  it.each<[string | number]>([['0.0001'], [0.0001], ['abc'], ['12 cr'], [Number.NaN]])('rejects %p', (input) => {
    expect(fromCredits(input)).toBeUndefined();
  });
});

describe(isInexactAmount.name, () => {
  it.each(['99999999999999999999 cr/edit', '1.0001 cr', '99999999999999999999', 0.0001, 1e300, '1,500.0005 cr', '2.5555 cr/sec'])('is true for %p: an amount, but not in whole millicredits', (input) => {
    expect(isInexactAmount(input)).toBe(true);
  });

  it.each(['18 cr', '0.5 cr/edit', 18, 'four cr', '1 cr/nope', '1,,0 cr', null, undefined])('is false for %p', (input) => {
    expect(isInexactAmount(input)).toBe(false);
  });
});

describe(isInexactFactor.name, () => {
  it.each(['99999999999999999999x', '1.0005x', 0.0001])('is true for %p', (input) => expect(isInexactFactor(input)).toBe(true));
  it.each(['2x', '0.5×', 'x', 'double'])('is false for %p', (input) => expect(isInexactFactor(input)).toBe(false));
});
