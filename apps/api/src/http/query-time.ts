import { isQueryTime } from '@ratecard/ledger';
import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';

/** The forms a time in a query takes, as the OpenAPI document and the 400 say. */
export const TIME_FORMS = 'a date (`2026-03-01`, midnight UTC) or a date and time (`2026-03-01T12:00:00Z`; UTC when no offset is given), in the years 1 to 9999';

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-](\d{2}):(\d{2}))?)?$/;

/**
 * Reads an ISO 8601 time as {@link TIME_FORMS} says; undefined for anything else, a day the month
 * does not have (`2026-02-30`: JavaScript rolls it over to March) or a time outside the years every
 * database stores (`isQueryTime`; PostgreSQL failed the query on them: a 500).
 */
export function parseQueryTime(text: string): Date | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone, zh = '0', zm = '0'] = m;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  day.setUTCFullYear(Number(y)); // Date.UTC reads the years 0-99 as 1900-1999
  if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || Number(zh) > 23 || Number(zm) > 59) return undefined;
  // A date and time without an offset is UTC (JavaScript would read it in the server's zone).
  const at = new Date(m[4] !== undefined && zone === undefined ? `${text}Z` : text);
  return Number.isNaN(at.getTime()) || !isQueryTime(at) ? undefined : at;
}

/** A query parameter that is a time: {@link parseQueryTime}, or a 400 that says the forms. */
export function QueryTime(): PropertyDecorator {
  return (target, property) => {
    const name = String(property);
    Transform(({ value }) => (typeof value === 'string' ? (parseQueryTime(value) ?? value) : value))(target, property);
    ValidateBy({ name: 'queryTime', validator: { validate: (v) => v instanceof Date, defaultMessage: () => `${name} must be ${TIME_FORMS}` } })(target, property);
  };
}
