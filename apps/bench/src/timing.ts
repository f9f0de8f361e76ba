/**
 * Timing for sub-microsecond calls. Each call is bracketed by two `process.hrtime.bigint()` reads;
 * the cost of one read (the interval measured around nothing) is calibrated first and subtracted
 * from every sample. Throughput is measured separately, without per-call timers: a tight loop over
 * the whole mix for a fixed time, divided by the number of calls.
 */
const now = process.hrtime.bigint;

/** The median interval between two back-to-back timer reads, in nanoseconds, and its spread. */
export interface TimerCalibration {
  readonly overheadNs: number;
  readonly p99Ns: number;
  readonly minNs: number;
}

export function calibrateTimer(samples = 500_000): TimerCalibration {
  const out = new Float64Array(samples);
  for (let round = 0; round < 2; round++) {
    // The first round warms the loop up; the second is kept.
    for (let i = 0; i < samples; i++) {
      const a = now();
      const b = now();
      out[i] = Number(b - a);
    }
  }
  out.sort();
  return { overheadNs: out[Math.floor(samples / 2)], p99Ns: out[Math.floor(samples * 0.99)], minNs: out[0] };
}

/** Something the optimiser cannot prove unused. */
export let sink = 0;

/** A cheap number from any result, so that calls cannot be dropped. */
function touch(r: unknown): number {
  return (r as { allowed?: boolean }).allowed ? 1 : 0;
}

/** Per-call latencies of `run` over `items` (cyclically from `offset`), overhead subtracted, in ns. */
export function sampleSync<T>(items: readonly T[], n: number, offset: number, overheadNs: number, run: (item: T) => unknown): Float64Array {
  const out = new Float64Array(n);
  let s = 0;
  let j = offset % items.length;
  for (let i = 0; i < n; i++) {
    const item = items[j];
    if (++j === items.length) j = 0;
    const a = now();
    const r = run(item);
    const b = now();
    s += touch(r);
    out[i] = Number(b - a) - overheadNs;
  }
  sink += s;
  return out;
}

export async function sampleAsync<T>(items: readonly T[], n: number, offset: number, overheadNs: number, run: (item: T) => Promise<unknown>): Promise<Float64Array> {
  const out = new Float64Array(n);
  let s = 0;
  let j = offset % items.length;
  for (let i = 0; i < n; i++) {
    const item = items[j];
    if (++j === items.length) j = 0;
    const a = now();
    const r = await run(item);
    const b = now();
    s += touch(r);
    out[i] = Number(b - a) - overheadNs;
  }
  sink += s;
  return out;
}

/** Calls per second over the mix, sequentially, for at least `ms` milliseconds. */
export function throughputSync<T>(items: readonly T[], ms: number, run: (item: T) => unknown): { perSecond: number; calls: number } {
  let s = 0;
  let calls = 0;
  const start = now();
  const until = BigInt(Math.round(ms * 1e6));
  let elapsed = 0n;
  do {
    for (let i = 0; i < items.length; i++) s += touch(run(items[i]));
    calls += items.length;
    elapsed = now() - start;
  } while (elapsed < until);
  sink += s;
  return { perSecond: calls / (Number(elapsed) / 1e9), calls };
}

export async function throughputAsync<T>(items: readonly T[], ms: number, run: (item: T) => Promise<unknown>): Promise<{ perSecond: number; calls: number }> {
  let s = 0;
  let calls = 0;
  const start = now();
  const until = BigInt(Math.round(ms * 1e6));
  let elapsed = 0n;
  let i = 0;
  do {
    // Check the clock every 64 calls; slow contenders stop close to `ms`.
    for (let k = 0; k < 64; k++) {
      s += touch(await run(items[i]));
      if (++i === items.length) i = 0;
    }
    calls += 64;
    elapsed = now() - start;
  } while (elapsed < until);
  sink += s;
  return { perSecond: calls / (Number(elapsed) / 1e9), calls };
}

/** Milliseconds since `start` (a `process.hrtime.bigint()` reading). */
export function msSince(start: bigint): number {
  return Number(now() - start) / 1e6;
}
