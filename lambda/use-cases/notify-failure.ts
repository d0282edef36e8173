/**
 * Notifies a failed task, once, with its complete trace and a diagnosis.
 *
 * Primary course:
 * 1. Parse the `ECS Task State Change` event; anything but a STOPPED task is ignored.
 * 2. Wait for the settle point (stoppedAt + settle delay), so that CloudWatch Logs has the containers'
 *    last lines. The queue normally delivers late enough; an early message waits through the injected
 *    `sleep` up to a bound, or asks to be delivered again later.
 * 3. Read the recorded task. Not recorded yet (or only an older version): ask to be delivered again.
 * 4. Classify the failure and apply the filters; a stop not worth a message ends here.
 * 5. Claim the task's notification in the ledger (a conditional write). Already sent: done. Claimed by
 *    another attempt that may still crash: come back later.
 * 6. Build the trace. Logs that cannot be read become notice lines; a trace that cannot be built at all
 *    falls back to what the summary knows, with a notice. The notification goes out either way.
 * 7. Build the subject, body and attributes (or the Chatbot JSON), publish, and mark the ledger sent.
 *
 * Exactly once: the claim is a lease. A crash between claim and publish leaves a claim that expires, and
 * SQS delivers the message again after its visibility timeout; that attempt claims again and publishes.
 * After markSent no claim succeeds, so no retry and no duplicate event publishes twice.
 */
import type { NotifySettings } from '../config/notify-settings.js';
import { parseEcsEvent } from '../core/ecs-event.js';
import {
  AccessDeniedError,
  LogUnavailableError,
  TaskNotFoundError,
  ThrottledError,
  TracerError,
} from '../core/errors.js';
import { classifyFailure, type FailureClassification } from '../core/failure.js';
import { DEFAULT_TIME_ZONE, formatTraceText } from '../core/format.js';
import { DEFAULT_LOG_WINDOW_MS } from '../core/log-windows.js';
import { lifecycleMs, type TaskSummary, type TaskTransition, toEpochMs } from '../core/model.js';
import {
  chatbotNotification,
  notificationAttributes,
  notificationBody,
  notificationSubject,
  notifyDecision,
} from '../core/notification.js';
import {
  buildTrace,
  containerStatusLines,
  diagnosisLine,
  noticeLines,
  type TraceLine,
  taskTransitionLines,
} from '../core/trace.js';
import { encodeTraceCursor } from '../core/trace-page.js';
import { type BuildTraceDeps, buildTaskTrace } from './build-trace.js';
import type {
  LedgerClaim,
  LogEvent,
  LogSource,
  LogStreamRequest,
  LogStreamResult,
  Notification,
  NotificationLedger,
  Notifier,
  RecordedTask,
} from './ports.js';

/** Waits; injected so that tests decide what waiting means and never depend on time. */
export type Sleep = (ms: number) => Promise<void>;

/** Thirty seconds lets CloudWatch Logs receive the last lines the containers wrote before the stop. */
export const DEFAULT_SETTLE_MS = 30_000;
/**
 * Longer than any Lambda invocation (15 minutes), so an attempt that is still running always holds its
 * claim. Handlers pass a tighter lease from the invocation's remaining time.
 */
export const DEFAULT_LEASE_MS = 15 * 60_000;
/**
 * The trace lines one notification reads: the start of the task and, when it logged more, as many again
 * from its end. SNS takes 256 KB, so a longer trace would be cut anyway; the bound keeps a chatty container
 * from exhausting the notifier's memory and time (and the GetLogEvents quota) before it publishes.
 */
export const NOTIFY_TRACE_MAX_LINES = 20_000;
/**
 * Reads a tail pass may make per container window while it searches where the window's last lines start:
 * a binary search over time, so 20 reads narrow even a long window to a millisecond.
 */
export const MAX_TAIL_READS = 20;

export type NotificationFormat = 'text' | 'chatbot';

export interface NotifyFailureDeps {
  /** Everything the trace needs: the recorded history, task definitions, service events, logs, clock. */
  readonly trace: BuildTraceDeps;
  readonly ledger: NotificationLedger;
  readonly notifier: Notifier;
  readonly sleep: Sleep;
  readonly settings: NotifySettings;
  /** @default DEFAULT_SETTLE_MS */
  readonly settleMs?: number;
  /** @default 'text' */
  readonly format?: NotificationFormat;
  /** The trace API's base URL for the link in the message. @default - no link */
  readonly apiUrl?: string;
  /** The time zone of the trace's timestamps. @default 'UTC' */
  readonly timeZone?: string;
  /** The `d` of the trace's log windows. @default DEFAULT_LOG_WINDOW_MS (one minute) */
  readonly traceDurationMs?: number;
}

export interface NotifyFailureRequest {
  /** The EventBridge event, as JSON gives it. */
  readonly event: unknown;
  /** The longest this attempt may sleep towards the settle point. @default the settle delay */
  readonly maxSettleWaitMs?: number;
  /** How long the claim protects this attempt. @default DEFAULT_LEASE_MS */
  readonly leaseMs?: number;
}

export type NotifyFailureResult =
  | {
      readonly outcome: 'published';
      readonly clusterName: string;
      readonly taskId: string;
      readonly failureKind: FailureClassification['kind'];
      readonly subject: string;
      readonly bodyBytes: number;
      readonly waitedMs: number;
      /** Notice lines in the trace: what could not be read. */
      readonly notices: number;
      /** True when the trace could not be built and the message tells what the summary knows. */
      readonly fellBack: boolean;
      /** True when the trace was longer than NOTIFY_TRACE_MAX_LINES and the middle of its logs was left out. */
      readonly shortened: boolean;
      /** Why markSent failed after the publish; the claim then expires on its own. */
      readonly ledgerError?: string;
      /**
       * The raw error that kept the trace from being built (`fellBack`), for the function's log only: the
       * message itself carries a classified reason.
       */
      readonly traceError?: unknown;
    }
  | {
      readonly outcome: 'ignored';
      readonly reason: string;
      readonly clusterName?: string;
      readonly taskId?: string;
    }
  | {
      readonly outcome: 'filtered';
      readonly reason: string;
      readonly clusterName: string;
      readonly taskId: string;
      readonly failureKind: FailureClassification['kind'];
    }
  | { readonly outcome: 'already-notified'; readonly clusterName: string; readonly taskId: string };

/** An expected condition that a later delivery of the same message resolves. */
export class NotifyRetryableError extends TracerError {
  readonly retryable = true;
}

/** The message arrived before the settle point, further ahead than this attempt may wait. */
export class SettleDelayPendingError extends NotifyRetryableError {
  constructor(
    readonly clusterName: string,
    readonly taskId: string,
    readonly settleAtMs: number,
  ) {
    super(`task ${taskId} in ${clusterName} settles at ${new Date(settleAtMs).toISOString()}; not yet`);
  }
}

/** The recorder has not stored this task (or this version of it) yet. */
export class TaskNotRecordedYetError extends NotifyRetryableError {
  constructor(
    readonly clusterName: string,
    readonly taskId: string,
    readonly version: number,
    readonly recordedVersion?: number,
  ) {
    super(
      `task ${taskId} in ${clusterName} is not recorded at version ${version} yet` +
        (recordedVersion === undefined ? '' : ` (recorded: version ${recordedVersion})`),
    );
  }
}

/** Another attempt holds the claim on the task's notification; it may still publish, or crash. */
export class NotificationInProgressError extends NotifyRetryableError {
  constructor(
    readonly clusterName: string,
    readonly taskId: string,
    readonly leaseUntilMs: number,
  ) {
    super(
      `another attempt is notifying task ${taskId} in ${clusterName} (claim held until ${new Date(leaseUntilMs).toISOString()})`,
    );
  }
}

/** The instant the task stopped, as far as the transition knows. */
function stoppedAtMs(transition: TaskTransition): number {
  return (
    lifecycleMs(transition, 'stoppedAt') ??
    lifecycleMs(transition, 'executionStoppedAt') ??
    lifecycleMs(transition, 'stoppingAt') ??
    toEpochMs(transition.eventTime)
  );
}

/**
 * A log source whose faults become notices: throttling after the SDK's retries, a network error or
 * anything else must not cost the notification, only the lines that could not be read.
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

async function claim(
  ledger: NotificationLedger,
  summary: TaskSummary,
  nowMs: number,
  leaseMs: number,
): Promise<LedgerClaim> {
  if (ledger.claimNotification) {
    return ledger.claimNotification(summary.clusterName, summary.taskId, nowMs, leaseMs);
  }
  // A ledger that only answers yes or no: "no" is read as "sent", the usual reason.
  return (await ledger.claim(summary.clusterName, summary.taskId, nowMs, leaseMs))
    ? { outcome: 'claimed' }
    : { outcome: 'sent' };
}

/**
 * A client-safe reason for a trace that could not be built. The raw error (request ids, ARNs, SDK text) stays
 * in the function's log; the message only says what kind of fault it was.
 */
export function traceFailureReason(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  if (error instanceof AccessDeniedError || /AccessDenied|UnauthorizedOperation|NotAuthorized/i.test(name)) {
    return 'access was denied';
  }
  if (
    error instanceof ThrottledError ||
    /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TooManyRequests|LimitExceeded/i.test(name)
  ) {
    return 'AWS throttled the requests';
  }
  if (error instanceof TaskNotFoundError) return 'the task could not be found';
  if (/Timeout|TimedOut|ECONNRESET|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|NetworkingError/i.test(name)) {
    return 'AWS could not be reached in time';
  }
  if (/InternalServer|InternalFailure|ServiceUnavailable|ServerException/i.test(name)) {
    return 'an AWS service failed';
  }
  return 'an unexpected error occurred';
}

/**
 * A log source that returns the last `maxEvents` lines of each window instead of the first. When the window
 * holds more, it searches (by halving the time range, at most MAX_TAIL_READS reads of at most `maxEvents`)
 * for a start from which the rest of the window fits, and returns that suffix: the lines just before the
 * stop, with nothing missing between them.
 */
function tailLogs(logs: LogSource, maxEvents: number, onCut: (containerName: string) => void): LogSource {
  return {
    async readLogStream(request: LogStreamRequest): Promise<LogStreamResult> {
      const keep = request.maxEvents ?? maxEvents;
      const first = await logs.readLogStream({ ...request, maxEvents: keep });
      if (!first.truncated) return first;
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

interface TraceLinesResult {
  readonly lines: readonly TraceLine[];
  readonly fellBack: boolean;
  readonly shortened: boolean;
  readonly traceError?: unknown;
}

/**
 * The trace within NOTIFY_TRACE_MAX_LINES. A trace that fits is read whole. A longer one is read twice:
 * its first lines (the start-up), and then its tail window (the last lines before the stop, the ones an
 * on-call engineer needs first), keeping each container's last lines; a notice tells what was left out.
 */
async function boundedTrace(deps: NotifyFailureDeps, summary: TaskSummary): Promise<TraceLinesResult> {
  const durationMs = deps.traceDurationMs ?? DEFAULT_LOG_WINDOW_MS;
  const logs = tolerantLogs(deps.trace.logs);
  const request = { clusterName: summary.clusterName, taskId: summary.taskId, durationMs };
  const head = await buildTaskTrace(
    { ...deps.trace, logs },
    { ...request, maxLines: NOTIFY_TRACE_MAX_LINES },
  );
  if (!head.nextCursor) return { lines: head.lines, fellBack: false, shortened: false };

  // The tail window of the log windows (core/log-windows), on its own even when it overlaps the head.
  const stopped = head.task.summary;
  const tailStartMs =
    (lifecycleMs(stopped, 'stoppingAt') ?? lifecycleMs(stopped, 'stoppedAt') ?? deps.trace.clock.nowMs()) -
    durationMs;
  const cutContainers = new Set<string>();
  // No maxLines: a page would cut the end, which is what this pass is for; tailLogs bounds each read.
  const tail = await buildTaskTrace(
    { ...deps.trace, logs: tailLogs(logs, NOTIFY_TRACE_MAX_LINES, (name) => cutContainers.add(name)) },
    { ...request, cursor: encodeTraceCursor({ epochMs: tailStartMs, skip: 0 }) },
  );
  const headLines = head.lines.filter((line) => line.epochMs < tailStartMs);
  const lastHeadMs = headLines[headLines.length - 1]?.epochMs ?? tailStartMs;
  const containers = [...cutContainers].sort();
  const messages = [
    `the trace is longer than a notification reads (${NOTIFY_TRACE_MAX_LINES} lines): this message shows its first lines and the last ones before the stop; the trace API has them all`,
    ...(containers.length > 0
      ? [`only the last log lines of container ${containers.join(', ')} near the stop are shown`]
      : []),
  ];
  const notices = noticeLines(summary, messages).map((line) => ({ ...line, epochMs: lastHeadMs }));
  // Lifecycle transitions between the two parts still belong to the story.
  const between = taskTransitionLines(stopped).filter(
    (line) => line.epochMs > lastHeadMs && line.epochMs < tailStartMs,
  );
  return {
    lines: [...headLines, ...notices, ...between, ...tail.lines],
    fellBack: false,
    shortened: true,
  };
}

/** The trace's lines, or what the summary alone tells when the trace cannot be built. */
async function traceLines(
  deps: NotifyFailureDeps,
  recorded: RecordedTask,
  classification: FailureClassification,
): Promise<TraceLinesResult> {
  const summary = recorded.summary;
  try {
    return await boundedTrace(deps, summary);
  } catch (error) {
    // The SDK clients already retried; a later attempt would most likely fail the same way, and a
    // notification without the logs beats none. The raw error goes to the log, not to subscribers.
    const diagnosis = diagnosisLine(summary, classification);
    const lines = buildTrace({
      transitions: taskTransitionLines(summary),
      serviceEvents: [],
      logs: [],
      statusLines: containerStatusLines(summary),
      notices: noticeLines(summary, [
        `the full trace could not be built (${traceFailureReason(error)}); this is what the recorded task says`,
      ]),
      ...(diagnosis ? { diagnosis } : {}),
    });
    return { lines, fellBack: true, shortened: false, traceError: error };
  }
}

function buildNotification(
  deps: NotifyFailureDeps,
  summary: TaskSummary,
  classification: FailureClassification,
  traceText: string,
): Notification {
  const subject = notificationSubject(summary, classification);
  const attributes = notificationAttributes(summary, classification);
  const content = {
    summary,
    classification,
    traceText,
    ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
  };
  if (deps.format === 'chatbot') {
    return { subject, body: chatbotNotification(content), attributes, format: 'chatbot' };
  }
  return { subject, body: notificationBody({ ...content, attributes }), attributes, format: 'text' };
}

/**
 * Notifies a stopped task's failure once, with its trace (see the primary course above).
 * @throws InvalidTaskEventError for an event that is not a well-formed ECS event;
 *   NotifyRetryableError (SettleDelayPendingError, TaskNotRecordedYetError, NotificationInProgressError)
 *   when a later delivery will do better; anything else when the notifier or the ledger failed.
 */
export async function notifyFailure(
  deps: NotifyFailureDeps,
  request: NotifyFailureRequest,
): Promise<NotifyFailureResult> {
  const event = parseEcsEvent(request.event);
  if (event.type !== 'task-state-change') {
    return { outcome: 'ignored', reason: 'not a task state change' };
  }
  const transition = event.transition;
  const { clusterName, taskId } = transition;
  if (transition.lastStatus !== 'STOPPED') {
    return { outcome: 'ignored', reason: `lastStatus is ${transition.lastStatus}`, clusterName, taskId };
  }

  const clock = deps.trace.clock;
  const settleMs = deps.settleMs ?? DEFAULT_SETTLE_MS;
  const settleAtMs = stoppedAtMs(transition) + settleMs;
  const startMs = clock.nowMs();
  const waitMs = Math.max(0, settleAtMs - startMs);
  if (waitMs > 0) {
    if (waitMs > (request.maxSettleWaitMs ?? settleMs)) {
      throw new SettleDelayPendingError(clusterName, taskId, settleAtMs);
    }
    await deps.sleep(waitMs);
  }

  const recorded = await deps.trace.history.getTask(clusterName, taskId);
  if (!recorded || recorded.summary.version < transition.version) {
    throw new TaskNotRecordedYetError(clusterName, taskId, transition.version, recorded?.summary.version);
  }
  const summary = recorded.summary;
  const classification =
    recorded.failure ??
    classifyFailure(
      summary,
      summary.taskDefinitionArn
        ? await deps.trace.taskDefinitions.getTaskDefinition(summary.taskDefinitionArn)
        : undefined,
    );
  if (!classification) {
    // The recorder knows a newer version in which the task has not stopped: nothing ECS documents.
    return {
      outcome: 'ignored',
      reason: `recorded lastStatus is ${summary.lastStatus}`,
      clusterName,
      taskId,
    };
  }

  const decision = notifyDecision(classification, summary, deps.settings);
  if (!decision.notify) {
    return {
      outcome: 'filtered',
      reason: decision.reason,
      clusterName,
      taskId,
      failureKind: classification.kind,
    };
  }

  const claimed = await claim(deps.ledger, summary, clock.nowMs(), request.leaseMs ?? DEFAULT_LEASE_MS);
  if (claimed.outcome === 'sent') return { outcome: 'already-notified', clusterName, taskId };
  if (claimed.outcome === 'held')
    throw new NotificationInProgressError(clusterName, taskId, claimed.leaseUntilMs);

  const { lines, fellBack, shortened, traceError } = await traceLines(deps, recorded, classification);
  const traceText = formatTraceText(lines, { timeZone: deps.timeZone ?? DEFAULT_TIME_ZONE });
  const notification = buildNotification(deps, summary, classification, traceText);
  await deps.notifier.publish(notification);

  let ledgerError: string | undefined;
  try {
    await deps.ledger.markSent(clusterName, taskId, clock.nowMs());
  } catch (error) {
    // Rethrowing would make SQS deliver the message again and publish a second time once the claim
    // expires; without a retry the expired claim only matters to a duplicate event that arrives later.
    ledgerError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  const diagnosis = diagnosisLine(summary, classification)?.message;
  return {
    outcome: 'published',
    clusterName,
    taskId,
    failureKind: classification.kind,
    subject: notification.subject,
    bodyBytes: Buffer.byteLength(notification.body, 'utf8'),
    waitedMs: waitMs,
    notices: lines.filter((line) => line.kind === 'notice' && line.message !== diagnosis).length,
    fellBack,
    shortened,
    ...(ledgerError ? { ledgerError } : {}),
    ...(fellBack ? { traceError } : {}),
  };
}
