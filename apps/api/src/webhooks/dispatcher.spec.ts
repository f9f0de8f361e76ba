import { MAX_RETRY_DELAY_MS, retryAt, RETRY_WINDOW_MS } from './dispatcher';

describe(retryAt.name, () => {
  const created = new Date('2026-03-20T12:00:00Z');
  const after = (ms: number) => new Date(created.getTime() + ms);

  it('doubles the delay from the base, jittered into its second half, up to an hour', () => {
    const at = (attempts: number, random: number) => retryAt(attempts, created, created, 10_000, () => random)!.getTime() - created.getTime();
    expect([1, 2, 3, 4].map((n) => at(n, 1))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect([1, 2, 3, 4].map((n) => at(n, 0))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(at(20, 1)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('never goes past 24 hours after the delivery was made, and gives up once they are over', () => {
    expect(retryAt(30, created, after(RETRY_WINDOW_MS - 60_000), 10_000, () => 1)).toEqual(after(RETRY_WINDOW_MS));
    expect(retryAt(31, created, after(RETRY_WINDOW_MS), 10_000)).toBeNull();
  });
});
