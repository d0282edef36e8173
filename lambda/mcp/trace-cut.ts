/**
 * Keeps a `get_trace` answer within a size an assistant's context can hold. Pages of the source are read
 * until the byte budget is spent; the answer ends on a line boundary, and its cursor says where the next
 * answer resumes: the source page to fetch again and how far into it the trace was already returned.
 *
 * The position inside a page is a time and a count (the last returned line's instant and how many lines
 * of that same millisecond the page holds up to there), not a line index: a trace is sorted by time, and a
 * running task's tail window moves between two calls, which shifts indexes but not instants.
 */
import type { TraceLineJson } from '../core/api-types.js';
import { InvalidInputError, TracerError } from '../core/errors.js';

/** Where an answer starts: a page of the source and, inside it, the lines already returned. */
export interface TracePosition {
  /** The source's cursor of the page to fetch first; the start of the trace when absent. */
  readonly sourceCursor?: string;
  /** Lines of that page before this instant were already returned... */
  readonly afterMs?: number;
  /** ...and this many of its lines at exactly `afterMs`. */
  readonly skip?: number;
}

/** What the cut needs of a line: its instant and its size in the answer. */
export interface SizedLine {
  readonly epochMs: number;
  readonly bytes: number;
}

/** One page of lines from the source. */
export interface LinePage<T extends SizedLine> {
  readonly lines: readonly T[];
  readonly nextCursor?: string;
}

export interface CollectOptions<T extends SizedLine> {
  readonly start: TracePosition;
  /** The most bytes of lines in one answer. */
  readonly budgetBytes: number;
  /** The most source pages read for one answer. */
  readonly maxPages: number;
  readonly fetchPage: (sourceCursor: string | undefined) => Promise<LinePage<T>>;
  /** Shortens a line that alone exceeds the budget, so that an answer always makes progress. */
  readonly shorten: (line: T, maxBytes: number) => T;
}

/** Why an answer stops before the end of the trace. */
export type CutReason = 'size' | 'pages';

export interface CollectedLines<T extends SizedLine> {
  readonly lines: T[];
  readonly bytes: number;
  /** Where the next answer resumes; absent when the trace is complete. */
  readonly resume?: TracePosition;
  readonly cutBy?: CutReason;
  /** Lines that alone exceeded the budget and were shortened. */
  readonly shortened: number;
}

const CURSOR_PREFIX = 'mcp1.';
const MAX_CURSOR_CHARS = 4096;

/**
 * Encodes a position as the opaque `nextCursor` of a `get_trace` answer.
 * @example decodeTracePosition(encodeTracePosition({ sourceCursor: 'abc', afterMs: 5, skip: 1 })).skip === 1
 */
export function encodeTracePosition(position: TracePosition): string {
  const json = JSON.stringify({ c: position.sourceCursor, t: position.afterMs, n: position.skip });
  return `${CURSOR_PREFIX}${Buffer.from(json, 'utf8').toString('base64url')}`;
}

/**
 * Decodes the `cursor` argument of `get_trace`. A cursor that this server did not issue is taken as a cursor
 * of the source itself (the `nextCursor` of `tracer --json` or of the API), which the source then checks.
 * @throws InvalidInputError for a damaged cursor of this server.
 * @example decodeTracePosition('eyJ2IjoxfQ').sourceCursor === 'eyJ2IjoxfQ'
 */
export function decodeTracePosition(cursor: string): TracePosition {
  if (!cursor.startsWith(CURSOR_PREFIX)) return { sourceCursor: cursor };
  const invalid = (cause?: unknown) =>
    new InvalidInputError(
      `cursor "${cursor.slice(0, 40)}${cursor.length > 40 ? '…' : ''}" is damaged; pass the nextCursor of the previous get_trace answer unchanged`,
      { cause },
    );
  const body = cursor.slice(CURSOR_PREFIX.length);
  if (cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(body)) throw invalid();
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch (cause) {
    throw invalid(cause);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid();
  const { c, t, n } = raw as Record<string, unknown>;
  const validCursor = c === undefined || (typeof c === 'string' && c !== '');
  const validTime = t === undefined || Number.isSafeInteger(t);
  const validSkip = n === undefined || (Number.isSafeInteger(n) && (n as number) >= 0);
  if (!validCursor || !validTime || !validSkip || (t === undefined) !== (n === undefined)) throw invalid();
  return {
    ...(typeof c === 'string' ? { sourceCursor: c } : {}),
    ...(typeof t === 'number' && typeof n === 'number' ? { afterMs: t, skip: n } : {}),
  };
}

/** The index of the first line of `lines` that `position` has not returned yet. */
function firstUnreturned(lines: readonly SizedLine[], position: TracePosition): number {
  const { afterMs, skip = 0 } = position;
  if (afterMs === undefined) return 0;
  let index = 0;
  while (index < lines.length && (lines[index] as SizedLine).epochMs < afterMs) index += 1;
  for (let skipped = 0; skipped < skip && index < lines.length; skipped++) {
    if ((lines[index] as SizedLine).epochMs !== afterMs) break;
    index += 1;
  }
  return index;
}

/** The position of the page fetched with `sourceCursor` just before its line `index`. */
function positionBefore(
  lines: readonly SizedLine[],
  index: number,
  sourceCursor: string | undefined,
): TracePosition {
  const page = sourceCursor === undefined ? {} : { sourceCursor };
  const last = lines[index - 1];
  if (!last) return page;
  let skip = 0;
  for (let i = index - 1; i >= 0 && (lines[i] as SizedLine).epochMs === last.epochMs; i--) skip += 1;
  return { ...page, afterMs: last.epochMs, skip };
}

/**
 * Reads pages from `start` on until the trace ends, the budget is spent or `maxPages` were read. The cut
 * falls between two lines; a single line larger than the whole budget is shortened rather than skipped.
 * @throws TracerError when the source hands out the same page cursor twice.
 * @example const { lines, resume } = await collectLines({ start: {}, budgetBytes: 100 * 1024, maxPages: 50, fetchPage, shorten });
 */
export async function collectLines<T extends SizedLine>(
  options: CollectOptions<T>,
): Promise<CollectedLines<T>> {
  const { budgetBytes, maxPages, fetchPage, shorten } = options;
  const lines: T[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  let shortened = 0;
  let cursor = options.start.sourceCursor;
  for (let pages = 0; ; pages++) {
    if (pages === maxPages) {
      return {
        lines,
        bytes,
        shortened,
        cutBy: 'pages',
        resume: cursor === undefined ? {} : { sourceCursor: cursor },
      };
    }
    const page = await fetchPage(cursor);
    const first = pages === 0 ? firstUnreturned(page.lines, options.start) : 0;
    for (let index = first; index < page.lines.length; index++) {
      let line = page.lines[index] as T;
      if (bytes + line.bytes > budgetBytes) {
        if (lines.length > 0) {
          return {
            lines,
            bytes,
            shortened,
            cutBy: 'size',
            resume: positionBefore(page.lines, index, cursor),
          };
        }
        line = shorten(line, budgetBytes);
        shortened += 1;
      }
      lines.push(line);
      bytes += line.bytes;
    }
    if (!page.nextCursor) return { lines, bytes, shortened };
    if (seen.has(page.nextCursor)) {
      throw new TracerError('the trace source returned the same page cursor twice; the trace is incomplete');
    }
    seen.add(page.nextCursor);
    cursor = page.nextCursor;
  }
}

const encoder = new TextEncoder();

/**
 * The longest prefix of `text` that takes at most `maxBytes` in UTF-8, never splitting a character.
 * @example utf8Prefix('héllo', 2) === 'h'
 */
export function utf8Prefix(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  const { read } = encoder.encodeInto(text, new Uint8Array(maxBytes));
  return text.slice(0, read);
}

/** A line of a text trace, its newline included. */
export interface TextTraceLine extends SizedLine {
  readonly text: string;
}

const SHORTENED_MARK = '…';
const SHORTENED_MARK_BYTES = Buffer.byteLength(SHORTENED_MARK, 'utf8');

/**
 * Splits a page of text trace into lines, each with the instant of its timestamp. A line whose timestamp
 * does not parse takes the instant of the line before it, which keeps the page in order.
 * @example splitTraceText('2021-11-26T17:29:15.055Z\tTASK\tCreated\n')[0].epochMs === 1637947755055
 */
export function splitTraceText(text: string): TextTraceLine[] {
  const lines: TextTraceLine[] = [];
  let previousMs = 0;
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const line = end === -1 ? `${text.slice(start)}\n` : text.slice(start, end + 1);
    start = end === -1 ? text.length : end + 1;
    const tab = line.indexOf('\t');
    const parsed = tab === -1 ? Number.NaN : Date.parse(line.slice(0, tab));
    const epochMs = Number.isNaN(parsed) ? previousMs : parsed;
    previousMs = epochMs;
    lines.push({ text: line, epochMs, bytes: Buffer.byteLength(line, 'utf8') });
  }
  return lines;
}

/**
 * Shortens a text line to at most `maxBytes`, marking the cut with `…` before the newline.
 * @example shortenTextLine(line, 1024).bytes <= 1024
 */
export function shortenTextLine(line: TextTraceLine, maxBytes: number): TextTraceLine {
  const tail = `${SHORTENED_MARK}\n`;
  const text = `${utf8Prefix(line.text.replace(/\n$/, ''), maxBytes - Buffer.byteLength(tail))}${tail}`;
  return { text, epochMs: line.epochMs, bytes: Buffer.byteLength(text, 'utf8') };
}

/** A line of a JSON trace, sized as it is serialised in a JSON array. */
export interface JsonTraceLine extends SizedLine {
  readonly line: TraceLineJson;
}

/**
 * Sizes a JSON trace line: its serialisation plus the comma that separates it from the next.
 * @example toJsonTraceLine(line).epochMs === line.epochMs
 */
export function toJsonTraceLine(line: TraceLineJson): JsonTraceLine {
  return { line, epochMs: line.epochMs, bytes: Buffer.byteLength(JSON.stringify(line), 'utf8') + 1 };
}

/**
 * Shortens the message of a JSON trace line until the line takes at most `maxBytes`.
 * @example shortenJsonLine(line, 1024).bytes <= 1024
 */
export function shortenJsonLine(item: JsonTraceLine, maxBytes: number): JsonTraceLine {
  let message = item.line.message;
  let shortened = item;
  // Escaping (quotes, control characters) makes the serialised message longer than its UTF-8 bytes, so the
  // message is cut by the excess until it fits; each round removes at least that excess.
  for (let round = 0; round < 8 && shortened.bytes > maxBytes; round++) {
    const excess = shortened.bytes - maxBytes;
    message = utf8Prefix(message, Buffer.byteLength(message, 'utf8') - excess - SHORTENED_MARK_BYTES);
    shortened = toJsonTraceLine({ ...item.line, message: `${message}${SHORTENED_MARK}` });
  }
  if (shortened.bytes > maxBytes) {
    // The record's fields go too when even the mark does not fit beside them.
    const { fields: _fields, ...line } = item.line;
    shortened = toJsonTraceLine({ ...line, message: SHORTENED_MARK });
  }
  return shortened;
}
