/**
 * Exact amounts. Credits are carried as integers in millicredits (1 credit = 1,000 mc) from the moment
 * they are parsed; multipliers as integers in per-mille (2x = 2,000). Nothing here uses floating point
 * arithmetic on money: decimal strings are split and padded, never multiplied by 1000.
 */

/** An integer number of millicredits (1/1000 of a credit). */
export type Millicredits = number;

/** Millicredits per credit. */
export const MC_PER_CREDIT = 1000;

/** A multiplier in per-mille: `2x` is 2000, `0.6x` is 600. */
export type Permille = number;

/** How a rate is counted. Metered units multiply by a parameter (`per`); the others are per request. */
export type Unit = 'request' | 'message' | 'edit' | 'second' | '1k-tokens';

/** What the engine and the price table need to know about a unit. */
export interface UnitInfo {
  readonly unit: Unit;
  /** True when the rate multiplies a quantity parameter named by the price's `per`. */
  readonly metered: boolean;
  /** How many parameter units one rate unit covers (1,000 tokens for `1k-tokens`). */
  readonly size: number;
  /** Suffix in receipts and tables: `cr/s`, `cr/msg`; empty for `request`. */
  readonly symbol: string;
  /** Plain words for the price table: `per second`. */
  readonly words: string;
}

export const UNITS: Readonly<Record<Unit, UnitInfo>> = {
  request: { unit: 'request', metered: false, size: 1, symbol: '', words: 'per request' },
  message: { unit: 'message', metered: false, size: 1, symbol: 'msg', words: 'per message' },
  edit: { unit: 'edit', metered: false, size: 1, symbol: 'edit', words: 'per edit' },
  second: { unit: 'second', metered: true, size: 1, symbol: 's', words: 'per second' },
  '1k-tokens': { unit: '1k-tokens', metered: true, size: 1000, symbol: '1k tokens', words: 'per 1,000 tokens' },
};

/** Every accepted spelling of a unit after the slash of a rate (`32 cr/sec`), and the unit it means. */
export const UNIT_ALIASES: Readonly<Record<string, Unit>> = {
  req: 'request',
  request: 'request',
  msg: 'message',
  message: 'message',
  edit: 'edit',
  s: 'second',
  sec: 'second',
  second: 'second',
  '1k-tokens': '1k-tokens',
  '1k tokens': '1k-tokens',
  '1k-token': '1k-tokens',
};

const DECIMAL = /^(-)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,3}))?$/;

/** Parses a decimal string with at most three fractional digits into thousandths, exactly. */
function parseThousandths(text: string): number | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m) return undefined;
  const whole = Number(m[2].replace(/,/g, ''));
  const frac = Number((m[3] ?? '').padEnd(3, '0'));
  const value = whole * 1000 + frac;
  if (!Number.isSafeInteger(value)) return undefined;
  return m[1] ? -value : value;
}

/** Converts a YAML number to its decimal text without exponent, or undefined when it has one. */
function numberText(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  const text = String(n);
  return /e/i.test(text) ? undefined : text;
}

/** A parsed amount of credits, optionally with a unit (`32 cr/sec`). */
export interface ParsedRate {
  readonly mc: Millicredits;
  readonly unit?: Unit;
}

const RATE = /^(.*?)\s*(?:cr|credits?)?\s*(?:\/\s*([a-z0-9][a-z0-9 -]*?))?\s*$/i;

/**
 * Parses `18`, `0.5 cr`, `1,500 cr`, `32 cr/sec`, `2 cr/1k-tokens`. Returns undefined on anything else,
 * including more than three decimals (the smallest unit is one millicredit).
 */
export function parseRate(input: unknown): ParsedRate | undefined {
  if (typeof input === 'number') {
    const text = numberText(input);
    const mc = text === undefined ? undefined : parseThousandths(text);
    return mc === undefined ? undefined : { mc };
  }
  if (typeof input !== 'string') return undefined;
  const m = RATE.exec(input.trim());
  if (!m || m[1] === '') return undefined;
  const mc = parseThousandths(m[1]);
  if (mc === undefined) return undefined;
  if (m[2] === undefined) return { mc };
  const unit = UNIT_ALIASES[m[2].toLowerCase()];
  return unit ? { mc, unit } : undefined;
}

/**
 * True when `input` is written as an amount of credits (a number, or text such as `18 cr` or
 * `32 cr/sec`) that {@link parseRate} cannot take exactly: finer than a millicredit, or too large
 * to count in millicredits. Such a value must be reported, not dropped.
 */
export function isInexactAmount(input: unknown): boolean {
  if (parseRate(input) !== undefined) return false;
  if (typeof input === 'number') return true;
  if (typeof input !== 'string') return false;
  const m = /^\s*-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*(?:cr|credits?)?\s*(?:\/\s*([a-z0-9][a-z0-9 -]*?))?\s*$/i.exec(input);
  // A unit that is not one is the schema's to report.
  return m !== null && (m[1] === undefined || UNIT_ALIASES[m[1].toLowerCase()] !== undefined);
}

/** Like {@link isInexactAmount}, for a multiplier (`2x`): written as one, but not exactly in per-mille. */
export function isInexactFactor(input: unknown): boolean {
  if (parseFactor(input) !== undefined) return false;
  return typeof input === 'number' || (typeof input === 'string' && /^\s*\d+(\.\d+)?\s*[x×]\s*$/i.test(input));
}

/** Parses `2x`, `2×`, `0.6x` or a plain number into per-mille. */
export function parseFactor(input: unknown): Permille | undefined {
  if (typeof input === 'number') {
    const text = numberText(input);
    return text === undefined ? undefined : parseThousandths(text);
  }
  if (typeof input !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d{1,3})?)\s*[x×]\s*$/i.exec(input);
  return m ? parseThousandths(m[1]) : undefined;
}

/** Parses a gate written the way PMs write it, `pro+`, into the minimum plan id. */
export function parseGate(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const m = /^\s*([a-z][a-z0-9-]*)\s*\+\s*$/.exec(input);
  return m ? m[1] : undefined;
}

/** Formats millicredits as credits: 500 -> `0.5`, 1024000 -> `1024` (or `1,024` with grouping). */
export function formatCredits(mc: Millicredits, options: { group?: boolean } = {}): string {
  const negative = mc < 0;
  const abs = Math.abs(mc);
  const whole = Math.floor(abs / 1000);
  const frac = abs % 1000;
  // Grouped by hand: toLocaleString goes through ICU and costs microseconds on a decision's path.
  let text = options.group ? String(whole).replace(/\B(?=(\d{3})+$)/g, ',') : String(whole);
  if (frac !== 0) text += '.' + String(frac).padStart(3, '0').replace(/0+$/, '');
  return negative ? '-' + text : text;
}

/** Formats per-mille as a factor: 2000 -> `2`, 600 -> `0.6`. */
export function formatFactor(permille: Permille): string {
  return formatCredits(permille);
}

/** Converts millicredits to a credits number for JSON output (0.5 stays 0.5). Only at the edges. */
export function toCredits(mc: Millicredits): number {
  return mc / MC_PER_CREDIT;
}

/**
 * Converts a credits number from user input (CLI flags, API bodies) to millicredits, or undefined
 * when it has more than three decimals or is not finite.
 */
export function fromCredits(credits: number | string): Millicredits | undefined {
  return typeof credits === 'number' ? parseRate(credits)?.mc : parseThousandths(credits);
}

/** A price in a currency, in its minor unit: `USD 9.99` is `{ currency: 'USD', amountMinor: 999 }`. */
export interface Money {
  /** ISO 4217 code, e.g. `USD`. */
  readonly currency: string;
  /** The amount in the currency's minor unit (cents for USD, yen for JPY). */
  readonly amountMinor: number;
}

/** Decimal places of currencies whose minor unit is not a hundredth (ISO 4217); every other currency has 2. */
const MINOR_DIGITS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
};

/** How many decimals the minor unit of `currency` has (2 unless ISO 4217 says otherwise). */
export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}

/**
 * Parses `USD 9.99` (a three-letter currency code, then an amount with at most as many decimals as
 * the currency's minor unit) exactly, without floating point. Undefined on anything else.
 */
export function parseMoney(input: unknown): Money | undefined {
  if (typeof input !== 'string') return undefined;
  const m = /^\s*([A-Z]{3})\s+(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*$/.exec(input);
  if (!m) return undefined;
  const digits = minorDigits(m[1]);
  const frac = m[3] ?? '';
  if (frac.length > digits) return undefined;
  const amountMinor = Number(m[2].replace(/,/g, '') + frac.padEnd(digits, '0'));
  return Number.isSafeInteger(amountMinor) ? { currency: m[1], amountMinor } : undefined;
}

/** Formats money as written in the rules: `USD 9.99`, `JPY 1200`. */
export function formatMoney(money: Money): string {
  const digits = minorDigits(money.currency);
  const text = String(money.amountMinor).padStart(digits + 1, '0');
  return digits === 0 ? `${money.currency} ${text}` : `${money.currency} ${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** Parses a validity: `90 days` (or `1 day`) into days, `never` into null. Undefined on anything else. */
export function parseValidity(input: unknown): number | null | undefined {
  if (input === 'never') return null;
  if (typeof input !== 'string') return undefined;
  const m = /^\s*(\d+)\s*days?\s*$/.exec(input);
  if (!m) return undefined;
  const days = Number(m[1]);
  return Number.isSafeInteger(days) && days > 0 ? days : undefined;
}
