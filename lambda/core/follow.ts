/**
 * Following a task or a cluster as it happens: the since cursor that a poll passes back to get only what is
 * new, and the ledger that makes sure each line is printed once. Pure: every time is passed in.
 *
 * A since cursor is a position per line source (`TASK`, `CONTAINER:app`, `TASK:<id>` …): the time of the
 * last line of that source that was answered and how many lines of that source share that millisecond.
 * Each source is in time order on its own (a log stream is; the transitions of a task are), so a late line
 * of one source never hides behind the newer lines of another. `--live` also keeps, per log stream, the
 * last event time and the GetLogEvents forward token. All of it is encoded in one opaque string, kept here
 * alone so that it can be sealed in one place.
 */
import { InvalidInputError } from './errors.js';

/** What a since cursor is a position in: a task's trace, or a cluster's task listing. */
export type SinceKind = 'trace' | 'tasks';

/** The last answered line of one source: its time and how many lines of the source share that time. */
export interface SourcePosition {
  readonly lastMs: number;
  readonly count: number;
}

/** How far one log stream was read with GetLogEvents (`--live`). */
export interface StreamPosition {
  readonly lastMs: number;
  /** The `nextForwardToken` of the last call: the same token back means no new events. */
  readonly token?: string;
}

/** A decoded since cursor. */
export interface SinceCursor {
  readonly kind: SinceKind;
  /** Up to when the answer had read everything (epoch ms): the next poll reads on from shortly before. */
  readonly readMs: number;
  readonly sources: Readonly<Record<string, SourcePosition>>;
  readonly streams?: Readonly<Record<string, StreamPosition>>;
}

/** The least a line must carry to be placed: its time, its source and its text. */
export interface FollowLine {
  readonly epochMs: number;
  readonly source: string;
  readonly message: string;
}

/** A cursor that a client sends back but that tracer did not issue, or not for this route. */
export class InvalidSinceCursorError extends InvalidInputError {}

const SINCE_VERSION = 1;
/** Sources and streams a cursor remembers; a cluster follow drops the positions of the oldest ones. */
export const MAX_CURSOR_POSITIONS = 100;
/** Longer than any cursor tracer issues (100 positions and tokens), short enough for a query string. */
export const MAX_SINCE_CURSOR_CHARS = 16_384;

type PositionTuple = [string, number, number];
type StreamTuple = [string, number, string?];

/**
 * Encodes a since cursor as an opaque URL-safe string (base64url JSON with a version).
 * @example decodeSinceCursor(encodeSinceCursor(cursor), 'trace').readMs === cursor.readMs
 */
export function encodeSinceCursor(cursor: SinceCursor): string {
  const p: PositionTuple[] = Object.entries(cursor.sources).map(([s, pos]) => [s, pos.lastMs, pos.count]);
  const body: Record<string, unknown> = { v: SINCE_VERSION, k: cursor.kind, r: cursor.readMs, p };
  if (cursor.streams && Object.keys(cursor.streams).length > 0) {
    body.s = Object.entries(cursor.streams).map(
      ([name, pos]): StreamTuple =>
        pos.token === undefined ? [name, pos.lastMs] : [name, pos.lastMs, pos.token],
    );
  }
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function isPositionTuple(value: unknown): value is PositionTuple {
  return (
    Array.isArray(value) &&
    value.length === 3 &&
    typeof value[0] === 'string' &&
    value[0].length <= 1024 &&
    Number.isSafeInteger(value[1]) &&
    Number.isSafeInteger(value[2]) &&
    value[2] >= 0
  );
}

function isStreamTuple(value: unknown): value is StreamTuple {
  return (
    Array.isArray(value) &&
    (value.length === 2 || (value.length === 3 && typeof value[2] === 'string')) &&
    typeof value[0] === 'string' &&
    Number.isSafeInteger(value[1])
  );
}

/**
 * Decodes a since cursor that `encodeSinceCursor` issued for `kind`.
 * @throws InvalidSinceCursorError naming what is wrong: not a cursor, a newer version, or one of the other route.
 * @example decodeSinceCursor(text, 'trace').sources.TASK?.lastMs
 */
export function decodeSinceCursor(text: string, kind: SinceKind): SinceCursor {
  const shown = `"${text.slice(0, 40)}${text.length > 40 ? '…' : ''}"`;
  const invalid = (why: string, cause?: unknown) =>
    new InvalidSinceCursorError(
      `since: ${shown} ${why}; pass the sinceCursor of the previous answer unchanged`,
      cause === undefined ? undefined : { cause },
    );
  if (text.length === 0 || text.length > MAX_SINCE_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) {
    throw invalid('is not a since cursor that tracer issued');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (cause) {
    throw invalid('is not a since cursor that tracer issued', cause);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid('is not a since cursor that tracer issued');
  }
  const { v, k, r, p, s } = raw as Record<string, unknown>;
  if (!Number.isSafeInteger(v)) throw invalid('is not a since cursor that tracer issued');
  if (v !== SINCE_VERSION)
    throw invalid(`has version ${String(v)}, and this tracer reads version ${SINCE_VERSION}`);
  if (k !== 'trace' && k !== 'tasks') throw invalid('is not a since cursor that tracer issued');
  if (k !== kind) {
    throw invalid(
      `is the cursor of a ${k === 'trace' ? 'task trace' : 'task listing'}, not of a ${kind === 'trace' ? 'task trace' : 'task listing'}`,
    );
  }
  if (
    !Number.isSafeInteger(r) ||
    !Array.isArray(p) ||
    p.length > MAX_CURSOR_POSITIONS ||
    !p.every(isPositionTuple)
  ) {
    throw invalid('is not a since cursor that tracer issued');
  }
  if (s !== undefined && (!Array.isArray(s) || s.length > MAX_CURSOR_POSITIONS || !s.every(isStreamTuple))) {
    throw invalid('is not a since cursor that tracer issued');
  }
  const sources: Record<string, SourcePosition> = {};
  for (const [source, lastMs, count] of p) sources[source] = { lastMs, count };
  const cursor: SinceCursor = { kind, readMs: r as number, sources };
  if (s === undefined) return cursor;
  const streams: Record<string, StreamPosition> = {};
  for (const [name, lastMs, token] of s as StreamTuple[]) {
    streams[name] = token === undefined ? { lastMs } : { lastMs, token };
  }
  return { ...cursor, streams };
}

/**
 * The lines that come after the cursor's position of their source, in the given order. A source the
 * cursor does not know is new from its first line.
 * @example linesAfter({ kind: 'trace', readMs: 9, sources: { TASK: { lastMs: 5, count: 1 } } }, lines)
 */
export function linesAfter<L extends FollowLine>(cursor: SinceCursor | undefined, lines: readonly L[]): L[] {
  if (!cursor) return [...lines];
  const seenAtLast = new Map<string, number>();
  const out: L[] = [];
  for (const line of lines) {
    const position = cursor.sources[line.source];
    if (position === undefined || line.epochMs > position.lastMs) {
      out.push(line);
      continue;
    }
    if (line.epochMs < position.lastMs) continue;
    const index = seenAtLast.get(line.source) ?? 0;
    seenAtLast.set(line.source, index + 1);
    if (index >= position.count) out.push(line);
  }
  return out;
}

/**
 * The cursor after `lines` were answered: each source's position moves to its last line. Positions of
 * sources beyond MAX_CURSOR_POSITIONS are dropped, the oldest first.
 * @example advanceSince(undefined, 'trace', lines, nowMs).sources['CONTAINER:app']
 */
export function advanceSince(
  previous: SinceCursor | undefined,
  kind: SinceKind,
  lines: readonly FollowLine[],
  readMs: number,
  streams?: Readonly<Record<string, StreamPosition>>,
): SinceCursor {
  const sources = new Map<string, SourcePosition>(Object.entries(previous?.sources ?? {}));
  for (const line of lines) {
    const position = sources.get(line.source);
    if (position === undefined || line.epochMs > position.lastMs) {
      sources.set(line.source, { lastMs: line.epochMs, count: 1 });
    } else if (line.epochMs === position.lastMs) {
      sources.set(line.source, { lastMs: position.lastMs, count: position.count + 1 });
    }
  }
  const kept = [...sources.entries()]
    .sort((a, b) => b[1].lastMs - a[1].lastMs)
    .slice(0, MAX_CURSOR_POSITIONS);
  const cursor: SinceCursor = {
    kind,
    readMs,
    sources: Object.fromEntries(kept),
  };
  const nextStreams = streams ?? previous?.streams;
  return nextStreams ? { ...cursor, streams: nextStreams } : cursor;
}

/**
 * Remembers which lines were printed, by time, source and message, so that a line answered twice (a poll
 * that overlaps the previous one, a transition rebuilt from the same task) is printed once. It keeps the
 * newest `capacity` lines; a line older than everything it forgot is taken as printed.
 */
export class LineLedger {
  private readonly keys = new Set<string>();
  private readonly order: string[] = [];
  private forgottenBeforeMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly capacity = 10_000) {}

  /**
   * The lines not printed before, in the given order; they count as printed from now on.
   * @example ledger.admit(poll.lines).forEach(print)
   */
  admit<L extends FollowLine>(lines: readonly L[]): L[] {
    const fresh: L[] = [];
    for (const line of lines) {
      if (line.epochMs < this.forgottenBeforeMs) continue;
      const key = `${line.epochMs}\u0000${line.source}\u0000${line.message}`;
      if (this.keys.has(key)) continue;
      this.keys.add(key);
      this.order.push(key);
      fresh.push(line);
    }
    while (this.order.length > this.capacity) {
      const oldest = this.order.shift() as string;
      this.keys.delete(oldest);
      const ms = Number(oldest.slice(0, oldest.indexOf('\u0000')));
      this.forgottenBeforeMs = Math.max(this.forgottenBeforeMs, ms);
    }
    return fresh;
  }

  /** How many lines it remembers. */
  get size(): number {
    return this.keys.size;
  }
}
