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
 * 6. Build the trace (bounded-trace.ts). Logs that cannot be read become notice lines; reads that run
 *    out of the invocation's time stop with what they have, and a notice says so; a trace that cannot be
 *    built at all falls back to what the summary knows, with a notice. The notification goes out either way.
 * 7. Build the subject, body and attributes (or the Chatbot JSON), publish, and mark the ledger sent.
 *
 * Exactly once: the claim is a lease, and it is never given up early. A crash between claim and publish
 * (or an attempt that its handler abandoned at the deadline) leaves a claim that expires, and SQS delivers
 * the message again; that attempt claims again and publishes. An attempt whose claim is about to expire
 * does not publish. After markSent no claim succeeds, so no retry and no duplicate event publishes twice.
 */

import type { NotifySettings } from '../config/notify-settings.js';
import { type ClusterId, clusterIdOfTask, type HomeScope } from '../core/cluster-id.js';
import { type RemainingTime, reserving } from '../core/deadline.js';
import { parseEcsEvent } from '../core/ecs-event.js';
import { AccessDeniedError, TaskNotFoundError, ThrottledError, TracerError } from '../core/errors.js';
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
import { buildBoundedTrace } from './bounded-trace.js';
import type { BuildTraceDeps } from './build-trace.js';
import { readHostActivity, refineWithHost } from './host-activity.js';
import type { LedgerClaim, Notification, NotificationLedger, Notifier, RecordedTask } from './ports.js';

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
 * Kept back from the trace's reads for formatting the message, publishing it and marking it sent: SNS and
 * DynamoDB calls that the SDK may retry a few times.
 */
export const PUBLISH_RESERVE_MS = 10_000;
/**
 * A claim this close to its expiry (or half a shorter lease) is not used to publish: the attempt that
 * would publish so late (one that was abandoned at its deadline and resumed) leaves the task to the retry
 * that claims it next.
 */
export const LEASE_SAFETY_MS = 10_000;

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
  /**
   * The deployment's own account and region: the link and commands of a task of another name its cluster ARN.
   * @default - every task's cluster is named by its name
   */
  readonly home?: HomeScope;
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
  /**
   * The invocation's time left. The trace's reads stop PUBLISH_RESERVE_MS before it runs out, and the
   * notification goes out with the lines read by then.
   * @default - no deadline
   */
  readonly timeLeftMs?: RemainingTime;
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
      /** True when time ran out reading the logs, and the message holds the lines read by then. */
      readonly stoppedEarly?: boolean;
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

/**
 * The claim would expire (or has expired) before this attempt could publish: the attempt leaves the task
 * to the delivery that claims it next, so that two attempts never both publish.
 */
export class ClaimExpiringError extends NotifyRetryableError {
  constructor(
    readonly clusterName: string,
    readonly taskId: string,
    readonly leaseUntilMs: number,
  ) {
    super(
      `the claim on task ${taskId} in ${clusterName} expires at ${new Date(leaseUntilMs).toISOString()}, too soon to publish; a later delivery notifies`,
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

async function claim(
  ledger: NotificationLedger,
  cluster: ClusterId,
  summary: TaskSummary,
  nowMs: number,
  leaseMs: number,
): Promise<LedgerClaim> {
  if (ledger.claimNotification) {
    return ledger.claimNotification(cluster, summary.taskId, nowMs, leaseMs);
  }
  // A ledger that only answers yes or no: "no" is read as "sent", the usual reason.
  return (await ledger.claim(cluster, summary.taskId, nowMs, leaseMs))
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
  if (error instanceof ThrottledError || /Throttl|TooManyRequests|LimitExceeded/i.test(name)) {
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

interface TraceLinesResult {
  readonly lines: readonly TraceLine[];
  readonly fellBack: boolean;
  readonly shortened: boolean;
  readonly stoppedEarly?: boolean;
  readonly traceError?: unknown;
}

/** The trace's lines, or what the summary alone tells when the trace cannot be built. */
async function traceLines(
  deps: NotifyFailureDeps,
  cluster: ClusterId,
  recorded: RecordedTask,
  classification: FailureClassification,
  timeLeftMs: RemainingTime | undefined,
): Promise<TraceLinesResult> {
  const summary = recorded.summary;
  try {
    const trace = await buildBoundedTrace(deps.trace, {
      cluster,
      taskId: summary.taskId,
      durationMs: deps.traceDurationMs ?? DEFAULT_LOG_WINDOW_MS,
      maxLines: NOTIFY_TRACE_MAX_LINES,
      ...(timeLeftMs ? { timeLeftMs: reserving(timeLeftMs, PUBLISH_RESERVE_MS) } : {}),
    });
    return {
      lines: trace.lines,
      fellBack: false,
      shortened: trace.shortened,
      ...(trace.stoppedAtMs !== undefined ? { stoppedEarly: true } : {}),
    };
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
    ...(deps.home ? { home: deps.home } : {}),
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
  const { transition } = event;
  const cluster = clusterIdOfTask(transition);
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

  const recorded = await deps.trace.history.getTask(cluster, taskId);
  if (!recorded || recorded.summary.version < transition.version) {
    throw new TaskNotRecordedYetError(clusterName, taskId, transition.version, recorded?.summary.version);
  }
  const summary = recorded.summary;
  const taskDefinition =
    summary.taskDefinitionArn && (!recorded.failure || deps.trace.instances)
      ? await deps.trace.taskDefinitions.getTaskDefinition(summary.taskDefinitionArn)
      : undefined;
  // The host's history may explain a stop that the task's own events call clean: a drain, a lost agent.
  const classification = refineWithHost(
    recorded.failure ?? classifyFailure(summary, taskDefinition),
    summary,
    taskDefinition,
    await readHostActivity(deps.trace.instances, summary, clock.nowMs(), cluster),
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

  const claimedAtMs = clock.nowMs();
  const leaseMs = request.leaseMs ?? DEFAULT_LEASE_MS;
  const leaseUntilMs = claimedAtMs + leaseMs;
  const claimed = await claim(deps.ledger, cluster, summary, claimedAtMs, leaseMs);
  if (claimed.outcome === 'sent') return { outcome: 'already-notified', clusterName, taskId };
  if (claimed.outcome === 'held')
    throw new NotificationInProgressError(clusterName, taskId, claimed.leaseUntilMs);

  const { lines, fellBack, shortened, stoppedEarly, traceError } = await traceLines(
    deps,
    cluster,
    recorded,
    classification,
    request.timeLeftMs,
  );
  const traceText = formatTraceText(lines, { timeZone: deps.timeZone ?? DEFAULT_TIME_ZONE });
  const notification = buildNotification(deps, summary, classification, traceText);
  // The claim is kept, never released early: when it is about to run out, the next claim publishes.
  if (clock.nowMs() > leaseUntilMs - Math.min(LEASE_SAFETY_MS, leaseMs / 2)) {
    throw new ClaimExpiringError(clusterName, taskId, leaseUntilMs);
  }
  await deps.notifier.publish(notification);

  let ledgerError: string | undefined;
  try {
    await deps.ledger.markSent(cluster, taskId, clock.nowMs());
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
    ...(stoppedEarly ? { stoppedEarly } : {}),
    ...(ledgerError ? { ledgerError } : {}),
    ...(fellBack ? { traceError } : {}),
  };
}
