import { parseQueryTime } from './query-time';

describe(parseQueryTime.name, () => {
  const sut = (text: string): string | undefined => parseQueryTime(text)?.toISOString();

  it.each([
    ['2026-03-01', '2026-03-01T00:00:00.000Z'],
    ['2026-03-01T12:00', '2026-03-01T12:00:00.000Z'],
    ['2026-03-01T12:00:30', '2026-03-01T12:00:30.000Z'],
    ['2026-03-01T12:00:30.5Z', '2026-03-01T12:00:30.500Z'],
    ['2026-03-01T12:00:00+02:00', '2026-03-01T10:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['0001-01-01', '0001-01-01T00:00:00.000Z'],
    ['0050-06-15', '0050-06-15T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads `%s` as %s', (text, iso) => {
    expect(sut(text)).toBe(iso);
  });

  it.each([
    ['not a time', 'yesterday'],
    ['a bare number (new Date read `1` as 2001)', '1'],
    ['a day February does not have', '2026-02-30'],
    ['a day of a non-leap year', '2026-02-29'],
    ['month 13', '2026-13-01'],
    ['hour 24', '2026-03-01T24:00:00Z'],
    ['second 60', '2026-03-01T12:00:60Z'],
    ['the year 0', '0000-01-01'],
    ['an extended year', '+275760-09-13T00:00:00Z'],
    ['a negative year', '-010000-01-01T00:00:00Z'],
    ['the year 9999 pushed into 10000 by its offset', '9999-12-31T23:59:59.999-01:00'],
    ['an offset of 24 hours', '2026-03-01T12:00:00+24:00'],
  ])('refuses %s: `%s`', (_, text) => {
    expect(sut(text)).toBeUndefined();
  });
});
