/**
 * The failure notifier Lambda. EventBridge sends each `ECS Task State Change` with lastStatus STOPPED to an
 * SQS delay queue (DeliveryDelay = the settle delay), which invokes this function with batches. Each
 * record's body is the EventBridge event; the answer is a partial batch response, so that SQS delivers
 * again only the records that asked for it and dead-letters them after the queue's receive count. A record
 * that only has to wait (not settled, not recorded yet, claimed by another attempt) is made visible again
 * after a short, growing delay rather than the queue's whole visibility timeout.
 *
 * Deadline: the handler reads the invocation's remaining time. It starts a record only with RECORD_MIN_MS
 * left, the trace's reads stop in time to publish, and the batch answer goes back ANSWER_MARGIN_MS before
 * the timeout even when a record is still in hand: the records it could not finish are batch item failures,
 * not a timeout that fails the whole batch.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbNotificationLedger } from '../adapters/dynamodb/dynamodb-notification-ledger.js';
import { SnsNotifier } from '../adapters/sns/sns-notifier.js';
import { SqsVisibility } from '../adapters/sqs/sqs-visibility.js';
import {
  EnvName,
  intEnv,
  logLevelEnv,
  oneOfEnv,
  optionalEnv,
  DEFAULT_RETENTION_DAYS as RETENTION_DAYS,
  requireEnv,
} from '../config/env.js';
import { createLogger, type Logger } from '../config/logger.js';
import { countMetric, MetricName } from '../config/metrics.js';
import { parseNotifySettings } from '../config/notify-settings.js';
import type { RemainingTime } from '../core/deadline.js';
import { eventIdOf } from '../core/ecs-event.js';
import { InvalidTaskEventError } from '../core/errors.js';
import {
  ClaimExpiringError,
  DEFAULT_SETTLE_MS,
  type NotificationFormat,
  NotificationInProgressError,
  type NotifyFailureDeps,
  type NotifyFailureResult,
  NotifyRetryableError,
  notifyFailure,
  SettleDelayPendingError,
} from '../use-cases/notify-failure.js';
import { sharedDepsFromEnv } from './shared-deps.js';
import { realTimer, settleWithin, type Timer } from './time-limit.js';
import { recordedTraceDeps } from './trace-deps.js';

export const DEFAULT_RETENTION_DAYS = RETENTION_DAYS;
/** Kept free at the end of an invocation for building the trace and publishing after a settle wait. */
export const DEFAULT_RESERVE_MS = 45_000;
/** Added to the invocation's remaining time, so a claim outlives the attempt that holds it. */
export const DEFAULT_LEASE_MARGIN_MS = 30_000;
/**
 * The first delay before a record that waits for the recorder comes back; it doubles with each receive,
 * up to MAX_RETRY_DELAY_SECONDS. With the queue's receive count (10) that rides out about an hour of
 * recorder lag, where the queue's visibility timeout (six times the function timeout) would dead-letter
 * the notification after three receives.
 */
export const RETRY_BASE_DELAY_SECONDS = 30;
/** Fifteen minutes: no wait of the notifier (settle delay, claim lease) is longer. */
export const MAX_RETRY_DELAY_SECONDS = 900;
/**
 * A record is started only with this much of the invocation left: enough to read a trace (at least ten
 * seconds of it) and still publish within the trace's PUBLISH_RESERVE_MS.
 */
export const RECORD_MIN_MS = 20_000;
/**
 * The batch answer goes back with this much of the invocation left, even with a record still in hand: time
 * to hand the unfinished records back to SQS with a short delay.
 */
export const ANSWER_MARGIN_MS = 3_000;
/** How soon a record that this invocation had no time to start is delivered again. */
export const NOT_STARTED_DELAY_SECONDS = 1;

/**
 * Makes SQS deliver a received message again after a delay. Implemented by `SqsVisibility`
 * (ChangeMessageVisibility); without it a record that asks for a later delivery waits the queue's
 * visibility timeout.
 */
export interface MessageVisibility {
  delay(message: Pick<SQSRecord, 'eventSourceARN' | 'receiptHandle'>, seconds: number): Promise<void>;
}

export interface NotifierHandlerDeps extends NotifyFailureDeps {
  readonly logger: Logger;
  /** @default - records that ask for a later delivery wait the queue's visibility timeout */
  readonly visibility?: MessageVisibility;
  /** @default DEFAULT_RESERVE_MS */
  readonly reserveMs?: number;
  /** @default DEFAULT_LEASE_MARGIN_MS */
  readonly leaseMarginMs?: number;
  /** Measures the time to the batch answer's deadline. @default realTimer */
  readonly timer?: Timer;
}

/** What the handler reads of Lambda's context: the time left, and the function's name for its metrics. */
export type NotifierContext = Pick<Context, 'getRemainingTimeInMillis'> &
  Partial<Pick<Context, 'functionName'>>;

export type NotifierHandler = (event: SQSEvent, context?: NotifierContext) => Promise<SQSBatchResponse>;

function describeResult(result: NotifyFailureResult): Record<string, unknown> {
  switch (result.outcome) {
    case 'published':
      return {
        outcome: result.outcome,
        clusterName: result.clusterName,
        taskId: result.taskId,
        failureKind: result.failureKind,
        subject: result.subject,
        bodyBytes: result.bodyBytes,
        waitedMs: result.waitedMs,
        notices: result.notices,
        fellBack: result.fellBack,
        shortened: result.shortened,
        ...(result.stoppedEarly ? { stoppedEarly: true } : {}),
      };
    case 'filtered':
      return {
        outcome: result.outcome,
        clusterName: result.clusterName,
        taskId: result.taskId,
        failureKind: result.failureKind,
        reason: result.reason,
      };
    default:
      return { ...result };
  }
}

/**
 * How long a record that asked for a later delivery should stay invisible: until the settle point, until
 * the other attempt's claim expires, or (not recorded yet) a delay that doubles with each receive.
 * @example retryDelaySeconds(new TaskNotRecordedYetError('default', 'abc', 3), 2, Date.now()) === 60
 */
export function retryDelaySeconds(error: NotifyRetryableError, receiveCount: number, nowMs: number): number {
  const clamp = (seconds: number) => Math.min(MAX_RETRY_DELAY_SECONDS, Math.max(1, Math.ceil(seconds)));
  if (error instanceof SettleDelayPendingError) return clamp((error.settleAtMs - nowMs) / 1000);
  if (error instanceof NotificationInProgressError || error instanceof ClaimExpiringError) {
    return clamp(Math.max(RETRY_BASE_DELAY_SECONDS, (error.leaseUntilMs - nowMs) / 1000 + 1));
  }
  const attempt = Math.max(1, Math.floor(receiveCount) || 1);
  return clamp(RETRY_BASE_DELAY_SECONDS * 2 ** Math.min(attempt - 1, 10));
}

/**
 * Builds the notifier handler from its dependencies. Records are handled one after the other, so that a
 * batch never bursts CloudWatch Logs; a record that arrived early may sleep towards its settle point as
 * long as the invocation has time to spare. A record is reported in `batchItemFailures` when it is
 * malformed (logged with its event id and reason; after the receive count it lands in the dead-letter
 * queue), when a later delivery will do better (not settled, not recorded yet, claimed by another
 * attempt), when SNS or DynamoDB failed after the SDK's retries, or when the invocation ran out of time
 * before it could finish the record (see the module's deadline note). A record that asked for a later
 * delivery is made visible again after `retryDelaySeconds` through `visibility`. Each notification that
 * could not be claimed or sent counts in the `NotificationsNotSent` metric of its log line.
 * @example export const handler = makeNotifierHandler(notifierDepsFromEnv());
 */
export function makeNotifierHandler(deps: NotifierHandlerDeps): NotifierHandler {
  const log = deps.logger;
  const reserveMs = deps.reserveMs ?? DEFAULT_RESERVE_MS;
  const leaseMarginMs = deps.leaseMarginMs ?? DEFAULT_LEASE_MARGIN_MS;
  const nowMs = () => deps.trace.clock.nowMs();

  const notSent = (functionName: string | undefined) =>
    countMetric(MetricName.NOTIFICATIONS_NOT_SENT, functionName ?? 'unknown', nowMs());

  /** Asks SQS to deliver the record again after `seconds`; a failure only costs the longer wait. */
  const delay = async (record: SQSRecord, seconds: number, fields: Record<string, unknown>) => {
    if (!deps.visibility) return;
    try {
      await deps.visibility.delay(record, seconds);
    } catch (visibilityError) {
      log.warn('could not shorten the wait; SQS delivers the record after its visibility timeout', {
        ...fields,
        error: visibilityError,
      });
    }
  };

  const handleRecord = async (
    record: SQSRecord,
    timeLeft: RemainingTime | undefined,
    functionName: string | undefined,
  ): Promise<SQSBatchItemFailure | undefined> => {
    const fields = {
      messageId: record.messageId,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
    };
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch (error) {
      log.error('rejected a malformed event: the SQS message body is not JSON', {
        ...fields,
        reason: error instanceof Error ? error.message : String(error),
      });
      return { itemIdentifier: record.messageId };
    }
    const remainingMs = timeLeft?.();
    try {
      const result = await notifyFailure(deps, {
        event: body,
        ...(timeLeft !== undefined && remainingMs !== undefined
          ? {
              maxSettleWaitMs: Math.max(0, remainingMs - reserveMs),
              leaseMs: remainingMs + leaseMarginMs,
              timeLeftMs: timeLeft,
            }
          : {}),
      });
      const described = { ...fields, eventId: eventIdOf(body), ...describeResult(result) };
      if (result.outcome === 'published') {
        log.info('published a failure notification', described);
        if (result.traceError !== undefined) {
          log.warn('published what the recorded task says: the trace could not be built', {
            ...described,
            error: result.traceError,
          });
        }
        if (result.ledgerError) {
          log.error('published, but could not mark the notification sent; its claim will expire', {
            ...described,
            reason: result.ledgerError,
          });
        }
      } else {
        log.info(`did not notify: ${result.outcome}`, described);
      }
      return undefined;
    } catch (error) {
      if (error instanceof InvalidTaskEventError) {
        log.error('rejected a malformed event', { ...fields, eventId: error.eventId, reason: error.reason });
      } else if (error instanceof NotifyRetryableError) {
        const delaySeconds = retryDelaySeconds(error, fields.receiveCount, nowMs());
        log.info('will notify on a later delivery', {
          ...fields,
          eventId: eventIdOf(body),
          reason: error.message,
          error: error.name,
          ...(deps.visibility ? { delaySeconds } : {}),
        });
        await delay(record, delaySeconds, fields);
      } else {
        log.error('could not notify; SQS will deliver the event again', {
          ...fields,
          eventId: eventIdOf(body),
          error,
          ...notSent(functionName),
        });
      }
      return { itemIdentifier: record.messageId };
    }
  };

  /**
   * Hands records back to SQS: the one in hand (if any) waits until a claim it may hold has expired, the
   * ones not started come back at once.
   */
  const handBack = async (
    inHand: SQSRecord | undefined,
    notStarted: readonly SQSRecord[],
    remainingMs: number,
    functionName: string | undefined,
  ): Promise<SQSBatchItemFailure[]> => {
    const waits: Promise<void>[] = [];
    if (inHand) {
      // Its claim lasts until the invocation's end plus the lease margin; it is left to expire, never
      // released, so that the attempt still running cannot publish beside the next one.
      const delaySeconds = Math.min(
        MAX_RETRY_DELAY_SECONDS,
        Math.ceil((Math.max(0, remainingMs) + leaseMarginMs) / 1000) + 1,
      );
      const fields = { messageId: inHand.messageId, delaySeconds };
      log.error('ran out of time with a record in hand; a later delivery notifies once its claim expires', {
        ...fields,
        remainingMs,
        ...notSent(functionName),
      });
      waits.push(delay(inHand, delaySeconds, fields));
    }
    if (notStarted.length > 0) {
      log.warn('left records for a later delivery: too little time to start them', {
        messageIds: notStarted.map((r) => r.messageId),
        remainingMs,
        delaySeconds: NOT_STARTED_DELAY_SECONDS,
      });
      for (const record of notStarted) {
        waits.push(delay(record, NOT_STARTED_DELAY_SECONDS, { messageId: record.messageId }));
      }
    }
    await Promise.all(waits);
    return [...(inHand ? [inHand] : []), ...notStarted].map((r) => ({ itemIdentifier: r.messageId }));
  };

  return async (event, context) => {
    if (!Array.isArray(event?.Records)) {
      const error = new InvalidTaskEventError('the invocation is not an SQS batch');
      log.error('rejected a malformed invocation', { reason: error.reason });
      throw error;
    }
    const timeLeft = context ? () => context.getRemainingTimeInMillis() : undefined;
    const functionName = context?.functionName;
    const records = event.Records;
    const batchItemFailures: SQSBatchItemFailure[] = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as SQSRecord;
      if (timeLeft && timeLeft() < RECORD_MIN_MS) {
        batchItemFailures.push(...(await handBack(undefined, records.slice(i), timeLeft(), functionName)));
        break;
      }
      const handling = handleRecord(record, timeLeft, functionName);
      const settled = timeLeft
        ? await settleWithin(handling, timeLeft, ANSWER_MARGIN_MS, deps.timer ?? realTimer)
        : { done: true as const, value: await handling };
      if (!settled.done) {
        const rest = records.slice(i + 1);
        batchItemFailures.push(...(await handBack(record, rest, timeLeft?.() ?? 0, functionName)));
        break;
      }
      if (settled.value) batchItemFailures.push(settled.value);
    }
    log.info('handled a batch', { records: records.length, failed: batchItemFailures.length });
    return { batchItemFailures };
  };
}

const FORMATS: readonly NotificationFormat[] = ['text', 'chatbot'];

/**
 * The production dependencies, from the function's environment: table, topic, settle delay, filters,
 * format, API URL, retention and log level. Fails loudly at cold start when a setting is missing or bad.
 */
export function notifierDepsFromEnv(env: NodeJS.ProcessEnv = process.env): NotifierHandlerDeps {
  const shared = sharedDepsFromEnv(env, 'notifier');
  const { table } = shared;
  const topicArn = requireEnv(EnvName.TOPIC_ARN, env);
  const settleMs = intEnv(EnvName.NOTIFY_SETTLE_SECONDS, DEFAULT_SETTLE_MS / 1000, env) * 1000;
  const settings = parseNotifySettings(optionalEnv(EnvName.NOTIFY_FILTERS, env));
  const format = oneOfEnv(EnvName.NOTIFY_FORMAT, FORMATS, 'text', env);
  const apiUrl = optionalEnv(EnvName.API_URL, env);
  const logger = createLogger({ service: 'notifier' }, { level: logLevelEnv(env) });
  return {
    trace: recordedTraceDeps(shared),
    ledger: new DynamoDbNotificationLedger(table),
    notifier: new SnsNotifier({ client: new SNSClient({}), topicArn }),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    settings,
    settleMs,
    format,
    ...(apiUrl ? { apiUrl } : {}),
    home: shared.home,
    logger,
    visibility: new SqsVisibility(),
  };
}

let coldStartHandler: NotifierHandler | undefined;

/** The Lambda entry point. Built on first invocation, so that importing this module reads no environment. */
export const handler: NotifierHandler = (event, context) => {
  coldStartHandler ??= makeNotifierHandler(notifierDepsFromEnv());
  return coldStartHandler(event, context);
};
