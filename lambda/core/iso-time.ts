/**
 * Fast reading of the ISO-8601 times ECS sends (`2020-01-23T17:57:30.925Z`). The recorder turns several of
 * them into numbers for every event; `Date.parse` followed by `toISOString` to check that the text reads
 * back exactly costs more than the rest of the encoding, so the common shape is read digit by digit, a
 * length that `toISOString` never writes is answered at once, and only the extended years take the Date
 * round trip.
 */

const DIGIT_0 = 48;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return Number.NaN;
    value = value * 10 + d;
  }
  return value;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Epoch milliseconds of a `YYYY-MM-DDTHH:MM:SS.sssZ` time (years 0000 to 9999, or `±YYYYYY` beyond them),
 * or undefined when the text has another shape or names no real instant. Exactly the times for which
 * `new Date(ms).toISOString() === iso`, read without building a Date.
 * @example exactIsoMs('2021-11-26T17:29:15.055Z') === 1637947755055
 */
export function exactIsoMs(iso: string): number | undefined {
  // toISOString writes 24 characters, or 27 for a year past 9999 or before 0 (`+275760-09-13T...`).
  if (iso.length !== 24) return iso.length === 27 ? slowExactIsoMs(iso) : undefined;
  if (
    iso[4] !== '-' ||
    iso[7] !== '-' ||
    iso[10] !== 'T' ||
    iso[13] !== ':' ||
    iso[16] !== ':' ||
    iso[19] !== '.' ||
    iso[23] !== 'Z'
  ) {
    return undefined;
  }
  const year = digits(iso, 0, 4);
  const month = digits(iso, 5, 2);
  const day = digits(iso, 8, 2);
  const hour = digits(iso, 11, 2);
  const minute = digits(iso, 14, 2);
  const second = digits(iso, 17, 2);
  const ms = digits(iso, 20, 3);
  // NaN fails every comparison below, so a non-digit anywhere ends here.
  if (
    !(
      year >= 0 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      hour < 24 &&
      minute < 60 &&
      second < 60 &&
      ms >= 0
    )
  ) {
    return undefined;
  }
  const monthDays = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day > monthDays) return undefined;
  const at = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC maps years 0 to 99 to 1900 to 1999; the Date round trip handles those.
  return year < 100 ? slowExactIsoMs(iso) : at;
}

function slowExactIsoMs(iso: string): number | undefined {
  const ms = Date.parse(iso);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === iso ? ms : undefined;
}

/**
 * Epoch milliseconds of an ISO-8601 time: the fast path for ECS's shape, `Date.parse` for the others
 * (NaN when unreadable, as `Date.parse`).
 * @example isoToEpochMs('2021-11-26T17:29:15.055Z') === 1637947755055
 */
export function isoToEpochMs(iso: string): number {
  return exactIsoMs(iso) ?? Date.parse(iso);
}

/**
 * The normal form of an ISO-8601 time, as `toISOString` writes it. ECS's times already are; EventBridge
 * writes its own to the second (`2020-01-23T17:57:34Z`), which gains `.000`; any other shape takes the Date
 * round trip, which throws a RangeError on a text that names no time.
 * @example normalIso('2020-01-23T17:57:34Z') === '2020-01-23T17:57:34.000Z'
 */
export function normalIso(iso: string): string {
  if (exactIsoMs(iso) !== undefined) return iso;
  if (iso.length === 20 && iso[19] === 'Z') {
    const withMs = `${iso.slice(0, 19)}.000Z`;
    if (exactIsoMs(withMs) !== undefined) return withMs;
  }
  return new Date(Date.parse(iso)).toISOString();
}
