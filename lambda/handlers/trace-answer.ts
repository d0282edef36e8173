/**
 * The trace route's answers: a page of the trace as text or JSON, cut to what one Lambda response holds,
 * with the cursor of the next page, and the notice of a page whose reads ran out of time.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { TraceResponse } from '../core/api-types.js';
import { formatTraceLine, toTraceLineJson } from '../core/format.js';
import { toTaskSummaryResponse } from '../core/task-view.js';
import { TRACER_SOURCE, type TraceLine } from '../core/trace.js';
import { cursorAfter, decodeTraceCursor, encodeTraceCursor } from '../core/trace-page.js';
import type { TaskTrace } from '../use-cases/build-trace.js';

/** The header that carries the next page's cursor of a text trace. */
export const NEXT_CURSOR_HEADER = 'X-Tracer-Next-Cursor';

/** The header that carries the since cursor of a text answer to `?since=`. */
export const SINCE_CURSOR_HEADER = 'X-Tracer-Since-Cursor';

/** What shapes a page: the zone of its timestamps (text) and the cursor it was asked from. */
export interface TraceAnswerParams {
  readonly timeZone?: string;
  /** The cursor the page was asked from, unsealed. */
  readonly cursor?: string;
  /**
   * Set for an answer to `?since=`: the since cursor after the first `sent` lines. Such an answer is never
   * paged; what does not fit comes with the next poll.
   */
  readonly since?: (sent: number) => string;
  /** Turns the next page's cursor into the one handed out. @default - handed out as is */
  readonly sealCursor?: (cursor: string) => string;
}

/** Bytes a string takes inside Lambda's JSON response envelope, where quotes, tabs and controls are escaped. */
function envelopeBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

/** How many of `parts` fit the budget (at least one, so that a page always moves forward). */
function fittingCount(parts: readonly string[], budgetBytes: number, separatorBytes: number): number {
  let used = 0;
  for (let i = 0; i < parts.length; i++) {
    used += envelopeBytes(parts[i] as string) + separatorBytes;
    if (used > budgetBytes) return Math.max(1, i);
  }
  return parts.length;
}

/** A JSON answer that no cache keeps. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

export interface TraceAnswer {
  readonly response: APIGatewayProxyResult;
  readonly lines: number;
  readonly nextCursor?: string;
}

function cutTrace(
  trace: TaskTrace,
  parts: readonly string[],
  budgetBytes: number,
  separatorBytes: number,
  params: TraceAnswerParams,
): { count: number; nextCursor?: string } {
  const seal = params.sealCursor ?? ((cursor: string) => cursor);
  const count = fittingCount(parts, budgetBytes, separatorBytes);
  if (params.since) return { count };
  if (count >= parts.length) {
    return trace.nextCursor ? { count, nextCursor: seal(trace.nextCursor) } : { count };
  }
  const previous = params.cursor === undefined ? undefined : decodeTraceCursor(params.cursor);
  const next = cursorAfter(trace.lines.slice(0, count), previous);
  return next ? { count, nextCursor: seal(encodeTraceCursor(next)) } : { count };
}

/** The notice at the instant where a page's reads ran out of time; the cursor goes on from there. */
export const STOPPED_EARLY_NOTICE =
  'reading stopped here to answer within the time limit of the API; the next page goes on from this point';

/** The trace, with the stopped-early notice after its last line when time ran out. */
export function withStopNotice(trace: TaskTrace): TaskTrace {
  if (trace.stoppedAtMs === undefined) return trace;
  const notice: TraceLine = {
    epochMs: trace.stoppedAtMs,
    source: TRACER_SOURCE,
    message: STOPPED_EARLY_NOTICE,
    kind: 'notice',
  };
  return { ...trace, lines: [...trace.lines, notice] };
}

/**
 * A text page of the trace within `maxBytes`, ending with a `TRACER more lines follow` line and the
 * cursor header when more follows.
 * @example textTraceAnswer(withStopNotice(trace), { timeZone: 'UTC' }, MAX_RESPONSE_BYTES).response
 */
export function textTraceAnswer(trace: TaskTrace, params: TraceAnswerParams, maxBytes: number): TraceAnswer {
  const parts = trace.lines.map((line) => `${formatTraceLine(line, params.timeZone ?? 'UTC')}\n`);
  // Room for the closing TRACER line that says how to get the rest.
  const { count, nextCursor } = cutTrace(trace, parts, maxBytes - 2048, 0, params);
  const sinceCursor = params.since?.(count);
  let body = parts.slice(0, count).join('');
  if (nextCursor) {
    const last = trace.lines[count - 1];
    const more: TraceLine = {
      epochMs: last?.epochMs ?? 0,
      source: TRACER_SOURCE,
      message: `more lines follow: repeat the request with cursor=${nextCursor}`,
      kind: 'notice',
    };
    body += `${formatTraceLine(more, params.timeZone ?? 'UTC')}\n`;
  }
  return {
    response: {
      statusCode: 200,
      headers: {
        'Content-Type': 'text/plain; charset=utf-8',
        'Cache-Control': 'no-store',
        ...(nextCursor ? { [NEXT_CURSOR_HEADER]: nextCursor } : {}),
        ...(sinceCursor ? { [SINCE_CURSOR_HEADER]: sinceCursor } : {}),
      },
      body,
    },
    lines: count,
    ...(nextCursor ? { nextCursor } : {}),
  };
}

/**
 * A JSON page of the trace (`TraceResponse`) within `maxBytes`, with `nextCursor` when more follows.
 * @example jsonTraceAnswer(withStopNotice(trace), {}, MAX_RESPONSE_BYTES).response
 */
export function jsonTraceAnswer(trace: TaskTrace, params: TraceAnswerParams, maxBytes: number): TraceAnswer {
  const task = toTaskSummaryResponse(trace.task, trace.source, trace.taskDefinition);
  const taskJson = JSON.stringify(task);
  const parts = trace.lines.map((line) => JSON.stringify(toTraceLineJson(line)));
  const budget = maxBytes - envelopeBytes(taskJson) - 2048;
  const { count, nextCursor } = cutTrace(trace, parts, budget, 1, params);
  const sinceCursor = params.since?.(count);
  const tail: Omit<TraceResponse, 'task' | 'lines'> = {
    ...(nextCursor ? { nextCursor } : {}),
    logCalls: trace.logCalls,
    ...(sinceCursor ? { sinceCursor } : {}),
  };
  const tailJson = JSON.stringify(tail).slice(1, -1);
  const body = `{"task":${taskJson},"lines":[${parts.slice(0, count).join(',')}],${tailJson}}`;
  return {
    response: jsonResponse(200, body, {
      ...(nextCursor ? { [NEXT_CURSOR_HEADER]: nextCursor } : {}),
      ...(sinceCursor ? { [SINCE_CURSOR_HEADER]: sinceCursor } : {}),
    }),
    lines: count,
    ...(nextCursor ? { nextCursor } : {}),
  };
}
