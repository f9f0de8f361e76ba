import type { CompiledAction } from './compiled';
import type { Cell } from './price';

/**
 * How an action's prices change over time: the instants where they change (promotions starting or
 * ending, its own or its phases'), and the settled cells of each segment between them. Segments
 * with the same promotions running share one cell array.
 */
export interface Timeline {
  /** Milliseconds since the epoch (UTC), ascending: segment `k + 1` starts at `starts[k]`. */
  readonly starts: readonly number[];
  /** `segments[0]` is before `starts[0]`; `segments[k]` is from `starts[k - 1]` (inclusive) on. */
  readonly segments: readonly (readonly Cell[])[];
}

/**
 * The cells that price `ca` at instant `t` (milliseconds since the epoch): a lookup, no rules run.
 * An instant that is not a number (an invalid `Date`) is before every change.
 */
export function cellsAt(ca: CompiledAction, t: number): readonly Cell[] {
  const timeline = ca.timeline;
  if (timeline === undefined) return ca.cells;
  return timeline.segments[segmentIndex(timeline.starts, t)];
}

/** How many of `starts` are at or before `t`: the index of the segment that contains `t`. */
export function segmentIndex(starts: readonly number[], t: number): number {
  let lo = 0;
  let hi = starts.length;
  // INVARIANT: starts ascend; every start at index < lo is <= t, every one at index >= hi is > t.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
