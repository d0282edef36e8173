import type { TraceLineJson } from './api-types.js';
import { InvalidInputError } from './errors.js';
import type { TraceLine } from './trace.js';

/** The time zone of the API's text traces when the caller names none. */
export const DEFAULT_TIME_ZONE = 'UTC';

interface ZoneFormatter {
  /** Offset from UTC in milliseconds at the instant, cached per UTC minute. */
  offsetMs(epochMs: number): number;
}

const MINUTE_MS = 60_000;
// Enough minutes for a day of traces per zone; the cache is cleared when it fills up.
const MAX_CACHED_MINUTES = 4096;
// Callers choose the zone name (any capitalisation is valid), so the formatter cache is bounded too.
const MAX_CACHED_ZONES = 64;
const zoneFormatters = new Map<string, ZoneFormatter>();

function createZoneFormatter(timeZone: string): ZoneFormatter {
  let intl: Intl.DateTimeFormat;
  try {
    intl = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (cause) {
    throw new InvalidInputError(
      `"${timeZone}" is not a time zone; use an IANA name such as UTC, Asia/Tokyo or America/New_York`,
      { cause },
    );
  }
  const cache = new Map<number, number>();
  const compute = (epochMs: number): number => {
    const parts: Record<string, string> = {};
    for (const part of intl.formatToParts(new Date(epochMs))) parts[part.type] = part.value;
    const yearOfEra = Number(parts.year);
    const year = parts.era === 'BC' || parts.era === 'B' ? 1 - yearOfEra : yearOfEra;
    const local = new Date(0);
    local.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
    local.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
    return local.getTime() - (epochMs - (((epochMs % 1000) + 1000) % 1000));
  };
  return {
    offsetMs(epochMs: number): number {
      // Zones change their offset on whole minutes, so one lookup serves every line of that minute.
      const minute = Math.floor(epochMs / MINUTE_MS);
      let offset = cache.get(minute);
      if (offset === undefined) {
        if (cache.size >= MAX_CACHED_MINUTES) cache.clear();
        offset = compute(minute * MINUTE_MS);
        cache.set(minute, offset);
      }
      return offset;
    },
  };
}

function zoneFormatter(timeZone: string): ZoneFormatter {
  let formatter = zoneFormatters.get(timeZone);
  if (!formatter) {
    formatter = createZoneFormatter(timeZone);
    if (zoneFormatters.size >= MAX_CACHED_ZONES) zoneFormatters.clear();
    zoneFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Checks a time zone name once at the edge, so a bad `tz` fails before any work is done.
 * @throws InvalidInputError naming the zone.
 * @example assertTimeZone('Asia/Tokyo')
 */
export function assertTimeZone(timeZone: string): void {
  zoneFormatter(timeZone);
}

const MILLIS: readonly string[] = Array.from({ length: 1000 }, (_, ms) => String(ms).padStart(3, '0'));

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function formatOffset(offsetMs: number): string {
  // Go's Z07:00 prints Z for any zero offset and drops the seconds of historical offsets.
  const totalMinutes = Math.trunc(offsetMs / MINUTE_MS);
  if (totalMinutes === 0) return 'Z';
  const sign = totalMinutes < 0 ? '-' : '+';
  const abs = Math.abs(totalMinutes);
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/**
 * Formats an instant in a time zone exactly as Go's `2006-01-02T15:04:05.000Z07:00`: milliseconds, and
 * `Z` for a zero offset, `+09:00` otherwise.
 * @throws InvalidInputError for an unknown time zone.
 * @example formatTimestamp(1637947755055, 'Asia/Tokyo') === '2021-11-27T02:29:15.055+09:00'
 * @example formatTimestamp(1637947755055, 'UTC') === '2021-11-26T17:29:15.055Z'
 */
export function formatTimestamp(epochMs: number, timeZone: string): string {
  const offsetMs = zoneFormatter(timeZone).offsetMs(epochMs);
  // toISOString of the shifted instant is the local wall-clock time; only its `Z` is replaced.
  return new Date(epochMs + offsetMs).toISOString().slice(0, -1) + formatOffset(offsetMs);
}

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators: each can end a line, move the
// cursor or recolour a terminal. Backslashes stay as they are, so Windows paths and escaped JSON read as sent.
const CONTROL_CLASS = '[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]';
const HAS_CONTROL = new RegExp(CONTROL_CLASS);
const CONTROL_CHARS = new RegExp(CONTROL_CLASS, 'g');
const CONTROL_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeControl(char: string): string {
  return CONTROL_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * Escapes the control characters of a field of a text trace line (`\n`, `\r`, `\t`, `\u001b`...), so that
 * a log message can neither start a line of its own, add a column, nor send escape sequences to a terminal.
 * @example escapeTraceField('a\nb\tc\u001b[31m') === 'a\\nb\\tc\\u001b[31m'
 */
export function escapeTraceField(text: string): string {
  return HAS_CONTROL.test(text) ? text.replace(CONTROL_CHARS, escapeControl) : text;
}

/**
 * One text line of a trace, without its newline: `<timestamp>\t<source>\t<message>`, with the control
 * characters of the source and the message escaped.
 * @example formatTraceLine({ epochMs: 0, source: 'TASK', message: 'Created', kind: 'transition' }, 'UTC') === '1970-01-01T00:00:00.000Z\tTASK\tCreated'
 */
export function formatTraceLine(line: TraceLine, timeZone: string): string {
  return `${formatTimestamp(line.epochMs, timeZone)}\t${escapeTraceField(line.source)}\t${escapeTraceField(line.message)}`;
}

/**
 * The text trace: one `<timestamp>\t<source>\t<message>` line per trace line, each ending in `\n`, the
 * format of the original tracer. Control characters inside a source or a message are escaped, so every line
 * has exactly three tab-separated fields; the JSON trace keeps the raw message.
 * @throws InvalidInputError for an unknown time zone.
 * @example formatTraceText(lines, { timeZone: 'Asia/Tokyo' })
 */
export function formatTraceText(lines: readonly TraceLine[], options: { readonly timeZone: string }): string {
  const zone = zoneFormatter(options.timeZone);
  const out: string[] = new Array(lines.length);
  // A million lines share a few thousand seconds: the date and time up to the second are formatted once a
  // second, the offset once a minute, and the milliseconds come from a table.
  let minute = Number.NaN;
  let offsetMs = 0;
  let offset = 'Z';
  let second = Number.NaN;
  let prefix = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as TraceLine;
    const lineMinute = Math.floor(line.epochMs / MINUTE_MS);
    if (lineMinute !== minute) {
      minute = lineMinute;
      offsetMs = zone.offsetMs(line.epochMs);
      offset = formatOffset(offsetMs);
      second = Number.NaN;
    }
    const localMs = line.epochMs + offsetMs;
    const localSecond = Math.floor(localMs / 1000);
    if (localSecond !== second) {
      second = localSecond;
      prefix = new Date(localSecond * 1000).toISOString().slice(0, 20);
    }
    out[i] =
      `${prefix}${MILLIS[localMs - localSecond * 1000]}${offset}\t${escapeTraceField(line.source)}\t${escapeTraceField(line.message)}\n`;
  }
  return out.join('');
}

/**
 * A trace line as the JSON API returns it, with an ISO 8601 UTC timestamp.
 * @example toTraceLineJson(line).timestamp === '2021-11-26T17:29:15.055Z'
 */
export function toTraceLineJson(line: TraceLine): TraceLineJson {
  return {
    timestamp: new Date(line.epochMs).toISOString(),
    epochMs: line.epochMs,
    source: line.source,
    message: line.message,
    kind: line.kind,
    ...(line.fields ? { fields: line.fields } : {}),
  };
}
