/**
 * The timestamp of a log event sent to tracer: epoch milliseconds, as CloudWatch Logs has them, or an
 * ISO 8601 time with its zone. Anything else is refused with a reason, never guessed: an event stored at
 * the wrong time would sort into the wrong place of a trace, or outside both log windows, where nobody
 * would ever see it.
 */

/** No log event predates this: ECS and CloudWatch Logs both began in 2014. */
export const EARLIEST_LOG_EVENT_MS = Date.UTC(2000, 0, 1);
/** CloudWatch Logs takes events up to 2 hours ahead of its clock; so does tracer. */
export const MAX_FUTURE_SKEW_MS = 2 * 60 * 60 * 1000;

/** A timestamp that could be placed, or why not. */
export type LogTimestamp =
  | { readonly ok: true; readonly epochMs: number }
  | { readonly ok: false; readonly reason: string };

const refuse = (reason: string): LogTimestamp => ({ ok: false, reason });

/** A date and time of day with a zone: `Z`, `+09:00`, `+0900` or `+09`. */
const ZONED_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/;
const ZONELESS_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** Units that a number outside the range of epoch milliseconds was most likely written in. */
const OTHER_UNITS: ReadonlyArray<{ readonly name: string; readonly perMs: number }> = [
  { name: 'epoch seconds', perMs: 1 / 1000 },
  { name: 'epoch microseconds', perMs: 1000 },
  { name: 'epoch nanoseconds', perMs: 1_000_000 },
];

function rangeProblem(epochMs: number, nowMs: number): string | undefined {
  const latestMs = nowMs + MAX_FUTURE_SKEW_MS;
  if (epochMs < EARLIEST_LOG_EVENT_MS) return `is before ${iso(EARLIEST_LOG_EVENT_MS)}`;
  if (epochMs > latestMs) return `is more than 2 hours ahead of now (${iso(nowMs)})`;
  return undefined;
}

function fromNumber(value: number, nowMs: number): LogTimestamp {
  if (!Number.isFinite(value)) return refuse('timestamp must be a finite number of epoch milliseconds');
  const latestMs = nowMs + MAX_FUTURE_SKEW_MS;
  if (value < EARLIEST_LOG_EVENT_MS || value > latestMs) {
    for (const unit of OTHER_UNITS) {
      const asMs = value / unit.perMs;
      if (asMs >= EARLIEST_LOG_EVENT_MS && asMs <= latestMs) {
        return refuse(
          `timestamp ${value} looks like ${unit.name} (${iso(Math.round(asMs))}); send epoch milliseconds: ${Math.round(asMs)}`,
        );
      }
    }
    const when = Math.abs(value) <= 8.64e15 ? ` (${iso(Math.trunc(value))})` : '';
    return refuse(
      `timestamp ${value}${when} is not a plausible time in epoch milliseconds: it ${rangeProblem(value, nowMs)}`,
    );
  }
  if (!Number.isInteger(value)) return refuse(`timestamp ${value} must be whole epoch milliseconds`);
  return { ok: true, epochMs: value };
}

function fromString(value: string, nowMs: number): LogTimestamp {
  const text = value.trim();
  if (ZONED_DATE_TIME.test(text)) {
    const epochMs = Date.parse(text.replace(',', '.'));
    if (Number.isNaN(epochMs)) return refuse(`timestamp "${value}" is not a valid date and time`);
    const problem = rangeProblem(epochMs, nowMs);
    return problem ? refuse(`timestamp "${value}" ${problem}`) : { ok: true, epochMs };
  }
  if (ZONELESS_DATE_TIME.test(text)) {
    return refuse(
      `timestamp "${value}" has no time zone; add Z for UTC or an offset such as +09:00 (2024-05-01T12:00:00Z)`,
    );
  }
  if (DATE_ONLY.test(text)) {
    return refuse(`timestamp "${value}" is a date without a time; send a time such as ${text}T12:00:00Z`);
  }
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    return refuse(`timestamp "${value}" is a string; send epoch milliseconds as a JSON number`);
  }
  return refuse(
    `timestamp "${value}" is not an ISO 8601 time with a zone (2024-05-01T12:00:00Z) or epoch milliseconds`,
  );
}

/**
 * Reads a log event's timestamp: a whole number of epoch milliseconds, or an ISO 8601 date and time with
 * a zone (`Z` or an offset), from 2000-01-01 to 2 hours ahead of `nowMs`. Epoch seconds, microseconds and
 * nanoseconds are recognised and refused with the milliseconds they stand for; an ISO time without a zone
 * (whose instant depends on the machine), a date alone and any other string are refused too.
 * @example parseLogTimestamp('2024-05-01T12:00:00+09:00', Date.now()) // { ok: true, epochMs: 1714532400000 }
 * @example parseLogTimestamp(1714532400, Date.now()).ok === false // epoch seconds
 */
export function parseLogTimestamp(value: unknown, nowMs: number): LogTimestamp {
  if (typeof value === 'number') return fromNumber(value, nowMs);
  if (typeof value === 'string') return fromString(value, nowMs);
  if (value === undefined || value === null) {
    return refuse('timestamp (epoch milliseconds or ISO 8601 with a zone) is missing');
  }
  return refuse('timestamp must be epoch milliseconds (a number) or an ISO 8601 time with a zone (a string)');
}
