/** How the Studio writes numbers, credits and times. Credits come from the API exact (0.5 stays 0.5). */

const credits = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

/** `1,500 cr`, `0.75 cr`. */
export function cr(n: number): string {
  return `${credits.format(n)} cr`;
}

/** `+1.25 cr` / `−2 cr` for a change. */
export function signedCr(n: number): string {
  if (n === 0) return '±0 cr';
  return `${n > 0 ? '+' : '−'}${credits.format(Math.abs(n))} cr`;
}

export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${credits.format(n)} ${n === 1 ? noun : plural}`;
}

/** A version id as people read it: the first 12 characters. */
export function short(version: string | null | undefined): string {
  return version ? version.slice(0, 12) : '—';
}

const dateTime = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

/** `20 Mar 2026, 12:05 UTC`. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${dateTime.format(new Date(iso))} UTC`;
}

/** `{ model: flux-pro, seconds: 8 }` as `model=flux-pro seconds=8`. */
export function params(p: Record<string, unknown> | undefined): string {
  const entries = Object.entries(p ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${String(v)}`).join(' ') : '(defaults)';
}

const date = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'short', day: '2-digit', timeZone: 'UTC' });

/** `20 Mar 2026`. */
export function day(iso: string): string {
  return date.format(new Date(iso));
}
