/**
 * Builds the trace of one task: the use case behind the API's trace route, the CLI's `--live` mode, the
 * failure notifier and the MCP server.
 *
 * Primary course:
 * 1. Find the task: the recorded summary, else ECS (DescribeTasks) when a live source is wired, else
 *    TaskNotFoundError.
 * 2. Find its containers' log configuration: the recorded task definition, else DescribeTaskDefinition
 *    (and record what it says).
 * 3. Work out the log windows (head and tail, or the whole life in full mode), from the cursor on.
 * 4. In parallel, with bounded concurrency: read each container's CloudWatch Logs stream (awslogs, or a
 *    FireLens Fluent Bit CloudWatch output, core/log-targets) in those windows, and collect the service's
 *    recorded events and its recent DescribeServices events in the same windows.
 *    An EC2 task's container instance: its recorded changes and its EC2 instance's notices over the
 *    task's life (`INSTANCE` lines, core/instance.ts).
 * 5. Classify the failure (with the host's history), merge everything into one ordered trace, and cut a
 *    page of it.
 *
 * Partial failure is never fatal: a missing log group or stream, denied access, a container whose logs
 * are not in CloudWatch Logs or an unknown task definition each becomes a `TRACER` notice line in the trace.
 * Logs and ECS are read in the task's own account and region (`scope`): another account's through its read
 * role, and a role that is missing or denied is such a notice too, naming the role.
 *
 * Deadline: with `timeLeftMs`, reads stop when the time runs out. The page then ends where the reads
 * stopped (`stoppedAtMs`), keeping every line read before that instant, with a cursor to go on from there.
 */

import { serviceOfGroup } from '../core/arn.js';
import type { ClusterId } from '../core/cluster-id.js';
import { mapWithConcurrency } from '../core/concurrency.js';
import { expired, type RemainingTime } from '../core/deadline.js';
import { InvalidInputError, LogUnavailableError } from '../core/errors.js';
import { classifyFailure } from '../core/failure.js';
import { instanceLines } from '../core/instance.js';
import { type LogTarget, planLogTargets } from '../core/log-targets.js';
import {
  clipWindows,
  DEFAULT_LOG_WINDOW_MS,
  inWindows,
  type LogWindow,
  logWindows,
} from '../core/log-windows.js';
import type { ServiceEvent, TaskDefinitionInfo, TaskSummary } from '../core/model.js';
import { toEpochMs } from '../core/model.js';
import { type ReadScope, taskScopeOf } from '../core/read-role.js';
import {
  buildTrace,
  type ContainerLogs,
  containerStatusLines,
  diagnosisLine,
  noticeLines,
  type TraceLine,
  taskTransitionLines,
} from '../core/trace.js';
import { decodeTraceCursor, pageTrace, type TraceCursor } from '../core/trace-page.js';
import { clientSafeReason, findTask, resolveTaskDefinition } from './find-task.js';
import { readHostActivity, refineWithHost } from './host-activity.js';
import type {
  Clock,
  InstanceHistory,
  LiveTaskSource,
  LogEvent,
  LogSource,
  RecordedTask,
  ServiceEventSource,
  ServiceEventStore,
  TaskDefinitionSource,
  TaskDefinitionStore,
  TaskHistory,
} from './ports.js';

export { DEFAULT_LOG_WINDOW_MS };

/** Containers read at the same time; CloudWatch Logs allows 25 GetLogEvents calls a second per account. */
export const DEFAULT_LOG_CONCURRENCY = 4;

/** A full-mode page holds this many lines unless the caller asks otherwise. */
export const DEFAULT_FULL_MODE_MAX_LINES = 100_000;

export interface BuildTraceDeps {
  readonly history: TaskHistory;
  readonly taskDefinitions: TaskDefinitionStore;
  readonly taskDefinitionSource?: TaskDefinitionSource;
  readonly serviceEvents: ServiceEventStore;
  readonly serviceEventSource?: ServiceEventSource;
  readonly logs: LogSource;
  readonly live?: LiveTaskSource;
  /**
   * What an EC2 task's container instance went through: recorded events, or ECS's answer now.
   * @default - no `INSTANCE` lines
   */
  readonly instances?: InstanceHistory;
  readonly clock: Clock;
  readonly logConcurrency?: number;
}

export interface BuildTraceRequest {
  readonly cluster: ClusterId;
  readonly taskId: string;
  /** The `d` of the log windows. */
  readonly durationMs: number;
  /** Read the whole life of the task instead of the head and tail windows. */
  readonly full?: boolean;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
  /**
   * Lines per page.
   * @default - unlimited for windows, DEFAULT_FULL_MODE_MAX_LINES in full mode
   */
  readonly maxLines?: number;
  /**
   * The most log API calls (GetLogEvents) the page may start, shared out among the containers. A
   * container whose share runs out ends the page there, and the next page reads on.
   * @default - only the log source's own limit
   */
  readonly maxLogCalls?: number;
  /**
   * The time left for reading. Once it runs out no further read starts, a log read in flight is
   * abandoned, and the page ends where the reads stopped.
   * @default - no deadline
   */
  readonly timeLeftMs?: RemainingTime;
  /**
   * Read logs and service events from this instant on only; the task's own lines are built whole. A since
   * poll sets it (trace-since.ts), so that each poll reads what is new rather than the whole life.
   * @default - the windows from their start
   */
  readonly logsFromMs?: number;
}

export interface TaskTrace {
  /** The task, with its failure classification once it stopped. */
  readonly task: RecordedTask;
  readonly source: 'recorded' | 'live';
  readonly taskDefinition?: TaskDefinitionInfo;
  readonly lines: TraceLine[];
  /** Present when more lines follow: pass it back as `cursor`. */
  readonly nextCursor?: string;
  /** CloudWatch Logs calls made. */
  readonly logCalls: number;
  /**
   * Set when time ran out before the page was read whole: the instant where the reads stopped. The page
   * holds every line before it, and `nextCursor` goes on from there.
   */
  readonly stoppedAtMs?: number;
}

interface ContainerRead {
  readonly logs: ContainerLogs;
  readonly calls: number;
  /** The first instant from which this container may hold events that were not read. */
  readonly horizonMs?: number;
  /** The first instant from which events may be missing because time ran out. */
  readonly stoppedAtMs?: number;
  readonly notice?: string;
}

function validateRequest(request: BuildTraceRequest): TraceCursor | undefined {
  if (!Number.isFinite(request.durationMs) || request.durationMs < 0) {
    throw new InvalidInputError(`duration must be zero or more milliseconds, got ${request.durationMs}`);
  }
  if (request.maxLines !== undefined && !(Number.isInteger(request.maxLines) && request.maxLines > 0)) {
    throw new InvalidInputError(`maxLines must be a positive integer, got ${request.maxLines}`);
  }
  if (
    request.maxLogCalls !== undefined &&
    !(Number.isInteger(request.maxLogCalls) && request.maxLogCalls > 0)
  ) {
    throw new InvalidInputError(`maxLogCalls must be a positive integer, got ${request.maxLogCalls}`);
  }
  return request.cursor === undefined ? undefined : decodeTraceCursor(request.cursor);
}

/** Reads one container's windows in order, within the page's event budget. */
function unreadableNotice(target: LogTarget, error: LogUnavailableError, summary: TaskSummary): string {
  // A task that never started its containers never created their streams: that is the story, not a fault.
  if (error.reason === 'log-stream-not-found' && summary.startedAt === undefined) {
    return `container ${target.containerName} wrote no logs: the task never started it (${error.message})`;
  }
  return `logs of container ${target.containerName} could not be read: ${error.message}`;
}

async function readContainer(
  logs: LogSource,
  target: LogTarget,
  windows: readonly LogWindow[],
  budget: number | undefined,
  summary: TaskSummary,
  timeLeftMs: RemainingTime | undefined,
  maxCalls: number | undefined,
  scope: ReadScope,
): Promise<ContainerRead> {
  const events: LogEvent[] = [];
  const read = { containerName: target.containerName, events };
  let calls = 0;
  for (let i = 0; i < windows.length; i++) {
    const window = windows[i] as LogWindow;
    const remaining = budget === undefined ? undefined : budget - events.length;
    const callsLeft = maxCalls === undefined ? undefined : maxCalls - calls;
    if ((remaining !== undefined && remaining <= 0) || (callsLeft !== undefined && callsLeft <= 0)) {
      return { logs: read, calls, horizonMs: window.startMs };
    }
    if (expired(timeLeftMs)) return { logs: read, calls, stoppedAtMs: window.startMs };
    try {
      const result = await logs.readLogStream({
        containerName: target.containerName,
        logGroup: target.logGroup,
        logStream: target.logStream,
        ...(target.region ? { region: target.region } : {}),
        scope,
        ...(target.records ? { records: target.records } : {}),
        startMs: window.startMs,
        endMs: window.endMs,
        ...(remaining !== undefined ? { maxEvents: remaining } : {}),
        ...(callsLeft !== undefined ? { maxCalls: callsLeft } : {}),
        ...(timeLeftMs ? { timeLeftMs } : {}),
      });
      calls += result.calls;
      for (const event of result.events) events.push(event);
      if (result.truncated) {
        const last = result.events[result.events.length - 1];
        const resumeMs = result.resumeAfterMs ?? last?.timestampMs ?? window.startMs;
        if (result.stoppedEarly) return { logs: read, calls, stoppedAtMs: resumeMs };
        // A read that failed part way keeps its lines; the next page reads on from where it stopped.
        const notice = result.failure
          ? `logs of container ${target.containerName} could not be read after ${new Date(resumeMs).toISOString()}: ${result.failure.message}`
          : undefined;
        return { logs: read, calls, horizonMs: resumeMs, ...(notice ? { notice } : {}) };
      }
    } catch (error) {
      if (!(error instanceof LogUnavailableError)) throw error;
      return { logs: read, calls, notice: unreadableNotice(target, error, summary) };
    }
  }
  return { logs: read, calls };
}

/** The service's events in the windows: recorded ones, plus what DescribeServices still remembers. */
async function collectServiceEvents(
  deps: BuildTraceDeps,
  cluster: ClusterId,
  serviceName: string,
  windows: readonly LogWindow[],
  scope: ReadScope,
): Promise<{ events: ServiceEvent[]; notice?: string }> {
  const recorded = (
    await Promise.all(
      windows.map((w) => deps.serviceEvents.listServiceEvents(cluster, serviceName, w.startMs, w.endMs)),
    )
  ).flat();
  let recent: ServiceEvent[] = [];
  let notice: string | undefined;
  if (deps.serviceEventSource) {
    try {
      recent =
        (await deps.serviceEventSource.recentServiceEvents(cluster.name, serviceName, { scope })) ?? [];
    } catch (error) {
      notice = `recent events of service ${serviceName} could not be read from ECS (${clientSafeReason(error)}); recorded events are shown`;
    }
  }
  // The same event may be recorded and still remembered by ECS: one copy per message and time.
  const seen = new Set<string>();
  const events: ServiceEvent[] = [];
  for (const event of [...recorded, ...recent]) {
    const key = `${event.createdAt}\u0000${event.message}`;
    if (seen.has(key) || !inWindows(windows, toEpochMs(event.createdAt))) continue;
    seen.add(key);
    events.push(event);
  }
  events.sort((a, b) => toEpochMs(a.createdAt) - toEpochMs(b.createdAt));
  return notice ? { events, notice } : { events };
}

/**
 * Builds one page of a task's trace.
 * @throws TaskNotFoundError when tracer never recorded the task and ECS does not know it;
 *   InvalidInputError for a bad duration, maxLines or cursor.
 */
export async function buildTaskTrace(deps: BuildTraceDeps, request: BuildTraceRequest): Promise<TaskTrace> {
  const cursor = validateRequest(request);
  const { task: found, source } = await findTask(deps, request.cluster, request.taskId);
  const summary = found.summary;
  const notices: string[] = [];

  const resolved = await resolveTaskDefinition(deps, summary.taskDefinitionArn);
  if (resolved.notice) notices.push(resolved.notice);
  const taskDefinition = resolved.taskDefinition;

  const windows = logWindows(summary, request.durationMs, deps.clock.nowMs(), { full: request.full });
  const fromMs = Math.max(
    cursor?.epochMs ?? Number.NEGATIVE_INFINITY,
    request.logsFromMs ?? Number.NEGATIVE_INFINITY,
  );
  const readWindows = Number.isFinite(fromMs) ? clipWindows(windows, fromMs) : windows;
  const maxLines = request.maxLines ?? (request.full ? DEFAULT_FULL_MODE_MAX_LINES : undefined);

  const plan =
    taskDefinition?.status === 'described'
      ? planLogTargets(summary, taskDefinition.containers)
      : { targets: [], notices: [] };
  notices.push(...plan.notices);
  // Each container reads its share of a page, past the lines the cursor skips, plus one event to see
  // whether more follow. A container that logs more than its share ends the page early (its horizon)
  // rather than making every container read a whole page that the merge would mostly throw away.
  const budget =
    maxLines === undefined
      ? undefined
      : Math.ceil(maxLines / Math.max(1, plan.targets.length)) + (cursor?.skip ?? 0) + 1;
  // Each container's share of the page's log calls, so that the page as a whole stays within them.
  const callsPerContainer =
    request.maxLogCalls === undefined
      ? undefined
      : Math.max(1, Math.floor(request.maxLogCalls / Math.max(1, plan.targets.length)));
  const serviceName = serviceOfGroup(summary.group);
  const timeLeftMs = request.timeLeftMs;
  // Out of time before the first read (finding the task took it all): nothing is read, and the cursor
  // points where the reads would have started.
  const outOfTime = readWindows.length > 0 && expired(timeLeftMs);
  const scope = taskScopeOf(summary);

  const [reads, service, host] = await Promise.all([
    mapWithConcurrency(
      outOfTime ? [] : plan.targets,
      deps.logConcurrency ?? DEFAULT_LOG_CONCURRENCY,
      (target) =>
        readContainer(deps.logs, target, readWindows, budget, summary, timeLeftMs, callsPerContainer, scope),
    ),
    serviceName && !outOfTime
      ? collectServiceEvents(deps, request.cluster, serviceName, readWindows, scope)
      : Promise.resolve<{ events: ServiceEvent[]; notice?: string }>({ events: [] }),
    readHostActivity(deps.instances, summary, deps.clock.nowMs(), request.cluster),
  ]);

  let logCalls = 0;
  let horizonMs: number | undefined;
  let stoppedAtMs = outOfTime ? readWindows[0]?.startMs : undefined;
  for (const read of reads) {
    logCalls += read.calls;
    if (read.notice) notices.push(read.notice);
    if (read.horizonMs !== undefined) horizonMs = Math.min(horizonMs ?? read.horizonMs, read.horizonMs);
    if (read.stoppedAtMs !== undefined) {
      stoppedAtMs = Math.min(stoppedAtMs ?? read.stoppedAtMs, read.stoppedAtMs);
    }
  }
  if (service.notice) notices.push(service.notice);
  if (host.notice) notices.push(host.notice);

  const hostLines = host.activity
    ? instanceLines(host.activity, host.span).filter((line) => inWindows(readWindows, line.epochMs))
    : [];
  const failure = refineWithHost(
    found.failure ?? classifyFailure(summary, taskDefinition),
    summary,
    taskDefinition,
    host,
  );
  const lines = buildTrace({
    transitions: taskTransitionLines(summary),
    serviceEvents: service.events,
    instanceLines: hostLines,
    logs: reads.map((read) => read.logs),
    statusLines: containerStatusLines(summary),
    notices: noticeLines(summary, notices),
    diagnosis: diagnosisLine(summary, failure),
  });
  const page = pageTrace(lines, {
    ...(cursor ? { cursor } : {}),
    ...(maxLines !== undefined ? { maxLines } : {}),
    ...(horizonMs !== undefined ? { horizonMs } : {}),
    ...(stoppedAtMs !== undefined ? { stoppedAtMs } : {}),
  });
  return {
    task: failure ? { summary, failure } : { summary },
    source,
    ...(taskDefinition ? { taskDefinition } : {}),
    lines: page.lines,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    logCalls,
    ...(stoppedAtMs !== undefined ? { stoppedAtMs } : {}),
  };
}
