import { expired, type Allocation, type Book, type GrantRow } from '../book';

/**
 * The order grants are drawn in, the one definition: lowest `priority` first, then the soonest
 * expiry (a grant that never expires last), then the oldest, then by id. Credits closest to
 * expiry are used first unless a priority says otherwise.
 */
export function drawOrder(a: GrantRow, b: GrantRow): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  const ea = a.expiresAt?.getTime() ?? Infinity;
  const eb = b.expiresAt?.getTime() ?? Infinity;
  if (ea !== eb) return ea < eb ? -1 : 1;
  if (a.createdAt.getTime() !== b.createdAt.getTime()) return a.createdAt.getTime() - b.createdAt.getTime();
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The grants that can be drawn from at `now`, in draw order. */
export function drawable(book: Book, now: Date): GrantRow[] {
  return [...book.grants.values()].filter((g) => g.remainingMc > 0 && !expired(g, now)).sort(drawOrder);
}

/**
 * Takes `amountMc` from the live grants in draw order. Returns the allocations (negative, in the
 * order taken); the caller posts them.
 * INVARIANT: the caller has checked that the balance covers the amount (decide denies otherwise),
 * and the balance is the sum of the drawable grants' remaining credits.
 */
export function draw(book: Book, amountMc: number, now: Date): Allocation[] {
  const out: Allocation[] = [];
  let left = amountMc;
  for (const g of drawable(book, now)) {
    if (left === 0) break;
    const take = Math.min(left, g.remainingMc);
    out.push({ grantId: g.id, amountMc: -take });
    left -= take;
  }
  if (left > 0) throw new Error(`ledger invariant violated: ${book.account.id} cannot cover ${amountMc} mc from its grants`);
  return out;
}

/**
 * The first `amountMc` of what was taken (a hold's reservation, in the order it was drawn), as
 * negative allocations: what a capture consumes of its reservation.
 */
export function consume(taken: readonly Allocation[], amountMc: number): Allocation[] {
  const out: Allocation[] = [];
  let left = amountMc;
  for (const t of taken) {
    if (left === 0) break;
    const take = Math.min(left, -t.amountMc);
    out.push({ grantId: t.grantId, amountMc: -take });
    left -= take;
  }
  return out;
}

/**
 * Gives `amountMc` back to the grants that paid, in the reverse of the order they were drawn:
 * `taken` are the original (negative) allocations, `returned` what earlier returns already gave
 * back (positive). Returns the positive allocations and what no recorded grant can take (credits
 * drawn before grants existed).
 */
export function giveBack(taken: readonly Allocation[], returned: readonly Allocation[], amountMc: number): { allocations: Allocation[]; uncovered: number } {
  const open = new Map<string, number>();
  for (const t of taken) open.set(t.grantId, (open.get(t.grantId) ?? 0) - t.amountMc);
  for (const r of returned) open.set(r.grantId, (open.get(r.grantId) ?? 0) - r.amountMc);
  const out: Allocation[] = [];
  let left = amountMc;
  const order = [...new Set(taken.map((t) => t.grantId))].reverse();
  for (const id of order) {
    if (left === 0) break;
    const give = Math.min(left, Math.max(0, open.get(id) ?? 0));
    if (give > 0) {
      out.push({ grantId: id, amountMc: give });
      left -= give;
    }
  }
  return { allocations: out, uncovered: left };
}
