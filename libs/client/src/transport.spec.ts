import { backoffMs, retryAfterMs } from './transport';

describe(retryAfterMs.name, () => {
  it('reads seconds or an HTTP date, and nothing else', () => {
    const now = Date.parse('2026-03-20T12:00:00Z');
    expect([retryAfterMs('7', now), retryAfterMs(' 0 ', now), retryAfterMs('Fri, 20 Mar 2026 12:00:30 GMT', now), retryAfterMs('Fri, 20 Mar 2026 11:00:00 GMT', now)]).toEqual([7000, 0, 30_000, 0]);
    expect([retryAfterMs(null, now), retryAfterMs('', now), retryAfterMs('soon', now)]).toEqual([undefined, undefined, undefined]);
  });
});

describe(backoffMs.name, () => {
  it('is full jitter under a ceiling that doubles per attempt up to the maximum', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffMs(n, 200, 5000, () => 1))).toEqual([200, 400, 800, 1600, 5000]);
    expect(backoffMs(3, 200, 5000, () => 0)).toBe(0);
    expect(backoffMs(3, 200, 5000, () => 0.5)).toBe(400);
  });
});
