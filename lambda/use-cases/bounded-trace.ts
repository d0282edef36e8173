/**
 * A whole task's trace within a line budget and a deadline, for readers that take one message rather than
 * pages: the failure notifier.
 *
 * Primary course:
 * 1. Read the trace from its start, up to `maxLines` lines. If it ends there, that is the trace.
 * 2. Otherwise read its tail window on its own, keeping each container's last lines before the stop
 *    (a binary search over time finds where they start), and join the two parts with a notice that says
 *    what was left out between them.
 *
 * Alternative courses:
 * - A log read fails for any reason: a notice line, never a lost trace.
 * - Time runs out (`timeLeftMs`): the lines read so far are kept, a notice says where reading stopped,
 *   and the task's own transitions, container statuses and diagnosis after that point close the story.
 */
import type { ClusterId } from '../core/cluster-id.js';
import type { RemainingTime } from '../core/deadline.js';
import { LogUnavailableError } from '../core/errors.js';
import { lifecycleMs } from '../core/model.js';
import {
  buildTrace,
  containerStatusLines,
  diagnosisLine,
  noticeLines,
  TRACER_SOURCE,
  type TraceLine,
  taskTransitionLines,
} from '../core/trace.js';
import { encodeTraceCursor } from '../core/trace-page.js';
import { type BuildTraceDeps, buildTaskTrace, type TaskTrace } from './build-trace.js';
import type { LogEvent, LogSource, LogStreamRequest, LogStreamResult } from './ports.js';

/**
 * Reads a tail pass may make per container window while it searches where the window's last lines start:
 * a binary search over time, so 20 reads narrow even a long window to a millisecond.
 */
export const MAX_TAIL_READS = 20;

/** The notice at the instant where a bounded trace's reads ran out of time. */
export const BOUNDED_STOPPED_EARLY_NOTICE =
  'time ran out reading the logs: later log lines are left out of this message (the trace API has them all); the task ended as follows';

export interface BoundedTraceRequest {
  readonly cluster: ClusterId;
  readonly taskId: string;
  /** The `d` of the log windows. */
  readonly durationMs: number;
  /** Lines read from the start; a longer trace reads as many again from its tail window. */
  readonly maxLines: number;
  /** The time left for reading. @default - no deadline */
  readonly timeLeftMs?: RemainingTime;
}

export interface BoundedTrace {
  readonly lines: readonly TraceLine[];
  /** True when the middle of a longer trace was left out. */
  readonly shortened: boolean;
  /** Where the reads stopped when time ran out. */
  readonly stoppedAtMs?: number;
}

/**
 * A log source whose faults become notices: throttling after the SDK's retries, a network error or
 * anything else must not cost the trace, only the lines that could not be read.
 */
function tolerantLogs(logs: LogSource): LogSource {
  return {
    async readLogStream(request) {
      try {
        return await logs.readLogStream(request);
      } catch (error) {
        if (error instanceof LogUnavailableError) throw error;
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new LogUnavailableError('error', reason, { cause: error });
      }
    },
  };
}

/**
 * A log source that returns the last `maxEvents` lines of each window instead of the first. When the window
 * holds more, it searches (by halving the time range, at most MAX_TAIL_READS reads of at most `maxEvents`)
 * for a start from which the rest of the window fits, and returns that suffix: the lines just before the
 * stop, with nothing missing between them. A read that runs out of time ends the search with what it has.
 */
function tailLogs(logs: LogSource, maxEvents: number, onCut: (containerName: string) => void): LogSource {
  return {
    async readLogStream(request: LogStreamRequest): Promise<LogStreamResult> {
      const keep = request.maxEvents ?? maxEvents;
      const first = await logs.readLogStream({ ...request, maxEvents: keep });
      if (!first.truncated || first.stoppedEarly) return first;
      onCut(request.containerName);
      let calls = first.calls;
      // Invariant: from `lowMs` on the window holds more than `keep` lines; from `highMs` on it does not.
      let lowMs = request.startMs;
      let highMs = request.endMs + 1;
      let best: LogEvent[] = [];
      let fallback = first.events;
      for (let read = 1; read < MAX_TAIL_READS && highMs - lowMs > 1; read++) {
        const midMs = lowMs + Math.floor((highMs - lowMs) / 2);
        const result = await logs.readLogStream({ ...request, startMs: midMs, maxEvents: keep });
        calls += result.calls;
        // Out of time, the search cannot tell where the last lines start: keep what the reads found.
        if (result.stoppedEarly) break;
        if (result.truncated) {
          lowMs = midMs;
          fallback = result.events;
        } else {
          highMs = midMs;
          best = result.events;
          // Half a budget of the very last lines tells the story; more reads would only add older ones.
          if (best.length >= keep / 2) break;
        }
      }
      // More lines in one millisecond than the budget: the latest read that got near the end will do.
      return { events: best.length > 0 ? best : fallback, calls, truncated: false };
    },
  };
}

/** The lines read before time ran out, the notice, and the task's own lines from that point on. */
function stoppedEarly(trace: TaskTrace, lines: readonly TraceLine[], shortened: boolean): BoundedTrace {
  const stoppedAtMs = trace.stoppedAtMs as number;
  const summary = trace.task.summary;
  const diagnosis = diagnosisLine(summary, trace.task.failure);
  const rest = buildTrace({
    transitions: taskTransitionLines(summary),
    serviceEvents: [],
    logs: [],
    statusLines: containerStatusLines(summary),
    notices: [],
    ...(diagnosis ? { diagnosis } : {}),
  }).filter((line) => line.epochMs >= stoppedAtMs);
  const notice: TraceLine = {
    epochMs: stoppedAtMs,
    source: TRACER_SOURCE,
    message: BOUNDED_STOPPED_EARLY_NOTICE,
    kind: 'notice',
  };
  return { lines: [...lines, notice, ...rest], shortened, stoppedAtMs };
}

/**
 * The trace within `maxLines` (twice that when it is read in two parts) and before `timeLeftMs` runs out.
 * @throws TaskNotFoundError, or whatever the history and the task definitions throw; log faults never.
 * @example const { lines } = await buildBoundedTrace(deps, { cluster, taskId, durationMs: 60_000, maxLines: 20_000 });
 */
export async function buildBoundedTrace(
  deps: BuildTraceDeps,
  request: BoundedTraceRequest,
): Promise<BoundedTrace> {
  const logs = tolerantLogs(deps.logs);
  const base = {
    cluster: request.cluster,
    taskId: request.taskId,
    durationMs: request.durationMs,
    ...(request.timeLeftMs ? { timeLeftMs: request.timeLeftMs } : {}),
  };
  const head = await buildTaskTrace({ ...deps, logs }, { ...base, maxLines: request.maxLines });
  if (head.stoppedAtMs !== undefined) return stoppedEarly(head, head.lines, false);
  if (!head.nextCursor) return { lines: head.lines, shortened: false };

  // The tail window of the log windows (core/log-windows), on its own even when it overlaps the head.
  const stopped = head.task.summary;
  const tailStartMs =
    (lifecycleMs(stopped, 'stoppingAt') ?? lifecycleMs(stopped, 'stoppedAt') ?? deps.clock.nowMs()) -
    request.durationMs;
  const cutContainers = new Set<string>();
  // No maxLines: a page would cut the end, which is what this pass is for; tailLogs bounds each read.
  const tail = await buildTaskTrace(
    { ...deps, logs: tailLogs(logs, request.maxLines, (name) => cutContainers.add(name)) },
    { ...base, cursor: encodeTraceCursor({ epochMs: tailStartMs, skip: 0 }) },
  );
  const headLines = head.lines.filter((line) => line.epochMs < tailStartMs);
  const lastHeadMs = headLines[headLines.length - 1]?.epochMs ?? tailStartMs;
  const containers = [...cutContainers].sort();
  const messages = [
    `the trace is longer than a notification reads (${request.maxLines} lines): this message shows its first lines and the last ones before the stop; the trace API has them all`,
    ...(containers.length > 0
      ? [`only the last log lines of container ${containers.join(', ')} near the stop are shown`]
      : []),
  ];
  const notices = noticeLines(stopped, messages).map((line) => ({ ...line, epochMs: lastHeadMs }));
  // Lifecycle transitions between the two parts still belong to the story.
  const between = taskTransitionLines(stopped).filter(
    (line) => line.epochMs > lastHeadMs && line.epochMs < tailStartMs,
  );
  const lines = [...headLines, ...notices, ...between, ...tail.lines];
  return tail.stoppedAtMs !== undefined ? stoppedEarly(tail, lines, true) : { lines, shortened: true };
}
