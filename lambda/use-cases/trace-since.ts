/**
 * What is new in a task's trace since a since cursor: the use case behind `?since=` of the trace route,
 * which `tracer -f` polls.
 *
 * Primary course:
 * 1. `since=start` answers the trace so far, as the trace route does (windows, or the whole life with
 *    `full`). A since cursor answers only the lines after it.
 * 2. For a cursor, logs and service events are read from shortly before the cursor's read time on
 *    (LATE_LOG_MS, for CloudWatch Logs events that arrive late), and the task's own lines are rebuilt whole.
 * 3. Of the rebuilt trace, only the lines after their source's position in the cursor are answered.
 * 4. The next since cursor is made once the caller knows how many of those lines it sent
 *    (`sinceCursorAfter`), so that a response cut to its size limit loses nothing.
 */
import {
  advanceSince,
  decodeSinceCursor,
  encodeSinceCursor,
  linesAfter,
  type SinceCursor,
} from '../core/follow.js';
import type { TraceLine } from '../core/trace.js';
import {
  type BuildTraceDeps,
  type BuildTraceRequest,
  buildTaskTrace,
  type TaskTrace,
} from './build-trace.js';

/** The `since` that asks for the trace so far and a cursor to follow it from. */
export const SINCE_START = 'start';

/**
 * How far before the previous poll's read time a poll reads logs again: CloudWatch Logs may make an event
 * readable a while after its timestamp, and such an event still belongs after its source's position.
 */
export const LATE_LOG_MS = 60_000;

export interface TraceSinceRequest extends Omit<BuildTraceRequest, 'cursor' | 'logsFromMs'> {
  /** `start`, or the sinceCursor of the previous answer. */
  readonly since: string;
}

export interface TraceSince {
  /** The trace with only the new lines, and never a page cursor: the since cursor goes on instead. */
  readonly trace: TaskTrace;
  /** The cursor the request came with. */
  readonly previous?: SinceCursor;
  /** Up to when everything was read, when all of it is answered. */
  readonly readMs: number;
}

/**
 * The lines of a task's trace after `since`.
 * @throws InvalidSinceCursorError for a since that tracer did not issue for a trace; TaskNotFoundError.
 * @example const { trace } = await traceSince(deps, { cluster, taskId, durationMs: 60_000, since: 'start' })
 */
export async function traceSince(deps: BuildTraceDeps, request: TraceSinceRequest): Promise<TraceSince> {
  const { since, ...rest } = request;
  const previous = since === SINCE_START ? undefined : decodeSinceCursor(since, 'trace');
  const nowMs = deps.clock.nowMs();
  const built = await buildTaskTrace(deps, {
    ...rest,
    ...(previous ? { full: true, logsFromMs: previous.readMs - LATE_LOG_MS } : {}),
  });
  const lines = linesAfter(previous, built.lines);
  const last = built.lines[built.lines.length - 1];
  // A page that stopped short (too many lines, or out of time) was read up to its last line only.
  const partial = built.nextCursor !== undefined || built.stoppedAtMs !== undefined;
  const readMs = partial ? (built.stoppedAtMs ?? last?.epochMs ?? previous?.readMs ?? nowMs) : nowMs;
  const { nextCursor: _page, stoppedAtMs: _stopped, ...whole } = built;
  return { trace: { ...whole, lines }, ...(previous ? { previous } : {}), readMs };
}

/**
 * The since cursor after the first `sentCount` lines of the answer were sent.
 * @example sinceCursorAfter(result, result.trace.lines.length)
 */
export function sinceCursorAfter(result: TraceSince, sentCount: number): string {
  const sent: readonly TraceLine[] = result.trace.lines.slice(0, sentCount);
  const cut = sentCount < result.trace.lines.length;
  const readMs = cut
    ? (sent[sent.length - 1]?.epochMs ?? result.previous?.readMs ?? result.readMs)
    : result.readMs;
  return encodeSinceCursor(advanceSince(result.previous, 'trace', sent, readMs));
}
