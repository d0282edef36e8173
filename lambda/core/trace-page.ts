/**
 * Paging of long traces. A cursor is a position in the ordered trace: the time of the last line that was
 * returned and how many lines of that same millisecond were returned, so the next page starts exactly
 * after it. The trace is rebuilt from that time on, and the merge order is deterministic, so the position
 * stays valid between requests.
 */
import { InvalidInputError } from './errors.js';
import { MAX_CURSOR_SKIP } from './request/page-limits.js';
import type { TraceLine } from './trace.js';

/** Where the next page of a trace starts: after `skip` lines at `epochMs`, and every line before it. */
export interface TraceCursor {
  readonly epochMs: number;
  readonly skip: number;
}

const CURSOR_VERSION = 1;
const MAX_CURSOR_CHARS = 512;

/**
 * Encodes a cursor as an opaque URL-safe string.
 * @example decodeTraceCursor(encodeTraceCursor({ epochMs: 5, skip: 2 })).skip === 2
 */
export function encodeTraceCursor(cursor: TraceCursor): string {
  const json = JSON.stringify({ v: CURSOR_VERSION, t: cursor.epochMs, n: cursor.skip });
  return Buffer.from(json, 'utf8').toString('base64url');
}

/**
 * Decodes a cursor that `encodeTraceCursor` issued.
 * @throws InvalidInputError for anything else.
 * @example decodeTraceCursor('eyJ2IjoxLCJ0Ijo1LCJuIjoyfQ').epochMs === 5
 */
export function decodeTraceCursor(text: string): TraceCursor {
  const invalid = (cause?: unknown) =>
    new InvalidInputError(
      `cursor "${text.slice(0, 40)}${text.length > 40 ? '…' : ''}" is not a trace cursor that tracer issued; pass the nextCursor of the previous page unchanged`,
      { cause },
    );
  if (text.length === 0 || text.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) throw invalid();
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (cause) {
    throw invalid(cause);
  }
  if (typeof raw !== 'object' || raw === null) throw invalid();
  const { v, t, n } = raw as Record<string, unknown>;
  if (
    v !== CURSOR_VERSION ||
    !Number.isSafeInteger(t) ||
    !Number.isSafeInteger(n) ||
    (n as number) < 0 ||
    (n as number) > MAX_CURSOR_SKIP
  ) {
    throw invalid();
  }
  return { epochMs: t as number, skip: n as number };
}

/**
 * The index of the first line at or after the cursor.
 * @example startIndex(lines, { epochMs: lines[3].epochMs, skip: 1 })
 */
export function startIndex(lines: readonly TraceLine[], cursor: TraceCursor | undefined): number {
  if (!cursor) return 0;
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((lines[mid] as TraceLine).epochMs < cursor.epochMs) lo = mid + 1;
    else hi = mid;
  }
  let skipped = 0;
  while (skipped < cursor.skip && lo < lines.length && (lines[lo] as TraceLine).epochMs === cursor.epochMs) {
    lo += 1;
    skipped += 1;
  }
  return lo;
}

/**
 * The cursor that resumes right after the last of `page`, which started at `previous`.
 * @example cursorAfter([{ epochMs: 7, ... }, { epochMs: 7, ... }]) // { epochMs: 7, skip: 2 }
 */
export function cursorAfter(page: readonly TraceLine[], previous?: TraceCursor): TraceCursor | undefined {
  const last = page[page.length - 1];
  if (!last) return previous;
  let skip = 0;
  for (let i = page.length - 1; i >= 0 && (page[i] as TraceLine).epochMs === last.epochMs; i--) skip += 1;
  // A page that never left the previous cursor's millisecond continues its count.
  if (previous && previous.epochMs === last.epochMs && skip === page.length) skip += previous.skip;
  // More lines in one millisecond than a cursor may skip: the rest of that millisecond is left out, so
  // that no cursor makes a request re-read an unbounded number of lines.
  if (skip > MAX_CURSOR_SKIP) return { epochMs: last.epochMs + 1, skip: 0 };
  return { epochMs: last.epochMs, skip };
}

export interface TracePage {
  readonly lines: TraceLine[];
  readonly nextCursor?: string;
}

/**
 * Cuts one page out of a trace that was rebuilt from the cursor's time on.
 * - `maxLines` bounds the page;
 * - `horizonMs` is the first instant whose lines may be incomplete because a log read stopped there
 *   (a container had more events than one page holds): lines from then on wait for the next page, where
 *   they are read in full. If the page would otherwise be empty (more events in one millisecond than a
 *   page holds), that millisecond is returned as read;
 * - `stoppedAtMs` is the first instant whose lines may be incomplete because reading stopped early (time
 *   ran out): lines from then on wait for the next page (but for that millisecond as read, when nothing
 *   comes before it), and the cursor points there even when nothing was read, so that a caller can go on
 *   where the reads stopped.
 * @example pageTrace(lines, { maxLines: 1000 }).nextCursor
 */
export function pageTrace(
  lines: readonly TraceLine[],
  options: {
    readonly cursor?: TraceCursor;
    readonly maxLines?: number;
    readonly horizonMs?: number;
    readonly stoppedAtMs?: number;
  },
): TracePage {
  const start = startIndex(lines, options.cursor);
  let limit = lines.length;
  if (options.horizonMs !== undefined) {
    const horizonMs = options.horizonMs;
    limit = start;
    while (limit < lines.length && (lines[limit] as TraceLine).epochMs < horizonMs) limit += 1;
    if (limit === start) {
      while (limit < lines.length && (lines[limit] as TraceLine).epochMs <= horizonMs) limit += 1;
    }
  }
  if (options.stoppedAtMs !== undefined) {
    const stoppedAtMs = options.stoppedAtMs;
    let stop = start;
    while (stop < limit && (lines[stop] as TraceLine).epochMs < stoppedAtMs) stop += 1;
    // As with the horizon: a page must move forward, even if that millisecond was only read in part.
    if (stop === start) {
      while (stop < limit && (lines[stop] as TraceLine).epochMs <= stoppedAtMs) stop += 1;
    }
    limit = stop;
  }
  const end = options.maxLines !== undefined ? Math.min(limit, start + options.maxLines) : limit;
  const page = lines.slice(start, end);
  const hasMore = end < lines.length || options.horizonMs !== undefined || options.stoppedAtMs !== undefined;
  let next = hasMore && page.length > 0 ? cursorAfter(page, options.cursor) : undefined;
  if (next === undefined && options.stoppedAtMs !== undefined) {
    const previous = options.cursor;
    next =
      previous && previous.epochMs >= options.stoppedAtMs
        ? previous
        : { epochMs: options.stoppedAtMs, skip: 0 };
  }
  return next ? { lines: page, nextCursor: encodeTraceCursor(next) } : { lines: page };
}
