/**
 * What is new in a task's trace, read straight from ECS and CloudWatch Logs: `tracer -f --live`.
 *
 * Primary course:
 * 1. `since=start` answers the trace so far (trace-since.ts), and the cursor remembers each container's
 *    log stream with no token yet.
 * 2. A since cursor: describe the task (one DescribeTasks), and read each log stream forward from its
 *    previous GetLogEvents forward token (from shortly before the previous read time when there is none):
 *    one GetLogEvents per stream, more only while pages come back full.
 * 3. Rebuild the task's own lines and merge them with the new log events; answer the lines after the
 *    cursor's position of their source, and a cursor with the new positions and tokens.
 *
 * A stream that does not exist yet (a container that has not started) is read again on the next poll.
 * Service events are left to the first answer: DescribeServices on every poll would cost more than it tells.
 */
import { mapWithConcurrency } from '../core/concurrency.js';
import { LogUnavailableError } from '../core/errors.js';
import { classifyFailure } from '../core/failure.js';
import {
  advanceSince,
  decodeSinceCursor,
  encodeSinceCursor,
  linesAfter,
  type StreamPosition,
} from '../core/follow.js';
import { type LogTarget, planLogTargets } from '../core/log-targets.js';
import {
  buildTrace,
  type ContainerLogs,
  containerStatusLines,
  diagnosisLine,
  taskTransitionLines,
} from '../core/trace.js';
import { type BuildTraceDeps, DEFAULT_LOG_CONCURRENCY, type TaskTrace } from './build-trace.js';
import { findTask, resolveTaskDefinition } from './find-task.js';
import type { ForwardLogSource } from './ports.js';
import { LATE_LOG_MS, SINCE_START, type TraceSinceRequest, traceSince } from './trace-since.js';

export interface LiveTraceSinceDeps extends BuildTraceDeps {
  readonly forwardLogs: ForwardLogSource;
}

export interface LiveTraceSince {
  /** The task, and only the new lines. */
  readonly trace: TaskTrace;
  readonly sinceCursor: string;
}

/**
 * The key of a log stream in a since cursor.
 * @example streamKey({ logGroup: '/ecs/app', logStream: 'ecs/app/1' }) === '|/ecs/app|ecs/app/1'
 */
export function streamKey(target: Pick<LogTarget, 'region' | 'logGroup' | 'logStream'>): string {
  return `${target.region ?? ''}|${target.logGroup}|${target.logStream}`;
}

/**
 * The lines of a live task's trace after `since`, and the cursor to poll on with.
 * @throws InvalidSinceCursorError; TaskNotFoundError when ECS does not know the task.
 * @example const { trace, sinceCursor } = await liveTraceSince(deps, { cluster, taskId, durationMs, since: 'start' })
 */
export async function liveTraceSince(
  deps: LiveTraceSinceDeps,
  request: TraceSinceRequest,
): Promise<LiveTraceSince> {
  if (request.since === SINCE_START) {
    const first = await traceSince(deps, request);
    const taskDefinition = first.trace.taskDefinition;
    const targets =
      taskDefinition?.status === 'described'
        ? planLogTargets(first.trace.task.summary, taskDefinition.containers).targets
        : [];
    const streams: Record<string, StreamPosition> = {};
    for (const target of targets) streams[streamKey(target)] = { lastMs: first.readMs - LATE_LOG_MS };
    // Every line of the first answer is sent: the positions after all of them, and the streams to read on.
    const cursor = advanceSince(undefined, 'trace', first.trace.lines, first.readMs, streams);
    return { trace: first.trace, sinceCursor: encodeSinceCursor(cursor) };
  }

  const previous = decodeSinceCursor(request.since, 'trace');
  const nowMs = deps.clock.nowMs();
  const { task: found, source } = await findTask(deps, request.cluster, request.taskId);
  const summary = found.summary;
  const resolved = await resolveTaskDefinition(deps, summary.taskDefinitionArn);
  const taskDefinition = resolved.taskDefinition;
  const targets =
    taskDefinition?.status === 'described' ? planLogTargets(summary, taskDefinition.containers).targets : [];

  const streams: Record<string, StreamPosition> = { ...(previous.streams ?? {}) };
  let logCalls = 0;
  const reads = await mapWithConcurrency(
    targets,
    deps.logConcurrency ?? DEFAULT_LOG_CONCURRENCY,
    async (target): Promise<ContainerLogs> => {
      const key = streamKey(target);
      const position = streams[key];
      try {
        const read = await deps.forwardLogs.readForward({
          logGroup: target.logGroup,
          logStream: target.logStream,
          ...(target.region ? { region: target.region } : {}),
          ...(target.records ? { records: target.records } : {}),
          startMs: position?.lastMs ?? previous.readMs - LATE_LOG_MS,
          ...(position?.token ? { token: position.token } : {}),
        });
        logCalls += read.calls;
        const last = read.events[read.events.length - 1];
        const lastMs = Math.max(
          position?.lastMs ?? Number.NEGATIVE_INFINITY,
          last?.timestampMs ?? Number.NEGATIVE_INFINITY,
        );
        const next: StreamPosition = {
          lastMs: Number.isFinite(lastMs) ? lastMs : previous.readMs - LATE_LOG_MS,
          ...(read.token ? { token: read.token } : {}),
        };
        streams[key] = next;
        return { containerName: target.containerName, events: read.events };
      } catch (error) {
        // Not there yet, or not readable this time: the next poll asks again from the same place.
        if (error instanceof LogUnavailableError) return { containerName: target.containerName, events: [] };
        throw error;
      }
    },
  );

  const failure = found.failure ?? classifyFailure(summary, taskDefinition);
  const lines = buildTrace({
    transitions: taskTransitionLines(summary),
    serviceEvents: [],
    logs: reads,
    statusLines: containerStatusLines(summary),
    notices: [],
    diagnosis: diagnosisLine(summary, failure),
  });
  const fresh = linesAfter(previous, lines);
  const trace: TaskTrace = {
    task: failure ? { summary, failure } : { summary },
    source,
    ...(taskDefinition ? { taskDefinition } : {}),
    lines: fresh,
    logCalls,
  };
  return { trace, sinceCursor: encodeSinceCursor(advanceSince(previous, 'trace', fresh, nowMs, streams)) };
}
