/**
 * How many runs a fuzz property makes: `n` in `npm test`, times `RATECARD_FUZZ_SCALE` when set
 * (e.g. 20 for a long soak). fast-check prints the seed and path of any failure to replay it.
 */
export function runs(n: number): number {
  const scale = Number(process.env.RATECARD_FUZZ_SCALE ?? '1');
  return Math.max(1, Math.round(n * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}
