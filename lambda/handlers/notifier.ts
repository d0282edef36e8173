/**
 * The failure notifier Lambda. EventBridge sends each `ECS Task State Change` with lastStatus STOPPED to an
 * SQS delay queue (DeliveryDelay = the settle delay), which invokes this function with batches. Each
 * record's body is the EventBridge event; the answer is a partial batch response, so that SQS delivers
 * again only the records that asked for it and dead-letters them after the queue's receive count.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { CloudWatchLogSource } from '../adapters/cloudwatch-logs/cloudwatch-log-source.js';
import { DynamoDbNotificationLedger } from '../adapters/dynamodb/dynamodb-notification-ledger.js';
import { DynamoDbServiceEventStore } from '../adapters/dynamodb/dynamodb-service-event-store.js';
import { DynamoDbTaskDefinitionStore } from '../adapters/dynamodb/dynamodb-task-definition-store.js';
import { DynamoDbTaskHistory } from '../adapters/dynamodb/dynamodb-task-history.js';
import type { DynamoDbTableOptions } from '../adapters/dynamodb/table-options.js';
import { EcsServiceEventSource } from '../adapters/ecs/ecs-service-event-source.js';
import { EcsTaskDefinitionSource } from '../adapters/ecs/ecs-task-definition-source.js';
import { SnsNotifier } from '../adapters/sns/sns-notifier.js';
import { systemClock } from '../adapters/system-clock.js';
import { EnvName, intEnv, optionalEnv, requireEnv } from '../config/env.js';
import { createLogger, type Logger, type LogLevel } from '../config/logger.js';
import { parseNotifySettings } from '../config/notify-settings.js';
import { InvalidTaskEventError } from '../core/errors.js';
import {
  DEFAULT_SETTLE_MS,
  type NotificationFormat,
  type NotifyFailureDeps,
  type NotifyFailureResult,
  NotifyRetryableError,
  notifyFailure,
} from '../use-cases/notify-failure.js';

export const DEFAULT_RETENTION_DAYS = 90;
/** Kept free at the end of an invocation for building the trace and publishing after a settle wait. */
export const DEFAULT_RESERVE_MS = 45_000;
/** Added to the invocation's remaining time, so a claim outlives the attempt that holds it. */
export const DEFAULT_LEASE_MARGIN_MS = 30_000;

export interface NotifierHandlerDeps extends NotifyFailureDeps {
  readonly logger: Logger;
  /** @default DEFAULT_RESERVE_MS */
  readonly reserveMs?: number;
  /** @default DEFAULT_LEASE_MARGIN_MS */
  readonly leaseMarginMs?: number;
}

export type NotifierHandler = (
  event: SQSEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<SQSBatchResponse>;

function eventIdOf(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null && 'id' in body && typeof body.id === 'string'
    ? body.id
    : undefined;
}

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
 * Builds the notifier handler from its dependencies. Records are handled one after the other, so that a
 * batch never bursts CloudWatch Logs; a record that arrived early may sleep towards its settle point as
 * long as the invocation has time to spare. A record is reported in `batchItemFailures` when it is
 * malformed (logged with its event id and reason; after the receive count it lands in the dead-letter
 * queue), when a later delivery will do better (not settled, not recorded yet, claimed by another
 * attempt), or when SNS or DynamoDB failed after the SDK's retries.
 * @example export const handler = makeNotifierHandler(notifierDepsFromEnv());
 */
export function makeNotifierHandler(deps: NotifierHandlerDeps): NotifierHandler {
  const log = deps.logger;
  const reserveMs = deps.reserveMs ?? DEFAULT_RESERVE_MS;
  const leaseMarginMs = deps.leaseMarginMs ?? DEFAULT_LEASE_MARGIN_MS;

  const handleRecord = async (
    record: SQSRecord,
    context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
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
    const remainingMs = context?.getRemainingTimeInMillis();
    try {
      const result = await notifyFailure(deps, {
        event: body,
        ...(remainingMs !== undefined
          ? { maxSettleWaitMs: Math.max(0, remainingMs - reserveMs), leaseMs: remainingMs + leaseMarginMs }
          : {}),
      });
      const described = { ...fields, eventId: eventIdOf(body), ...describeResult(result) };
      if (result.outcome === 'published') {
        log.info('published a failure notification', described);
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
        log.info('will notify on a later delivery', {
          ...fields,
          eventId: eventIdOf(body),
          reason: error.message,
          error: error.name,
        });
      } else {
        log.error('could not notify; SQS will deliver the event again', {
          ...fields,
          eventId: eventIdOf(body),
          error,
        });
      }
      return { itemIdentifier: record.messageId };
    }
  };

  return async (event, context) => {
    if (!Array.isArray(event?.Records)) {
      const error = new InvalidTaskEventError('the invocation is not an SQS batch');
      log.error('rejected a malformed invocation', { reason: error.reason });
      throw error;
    }
    const batchItemFailures: SQSBatchItemFailure[] = [];
    for (const record of event.Records) {
      const failure = await handleRecord(record, context);
      if (failure) batchItemFailures.push(failure);
    }
    log.info('handled a batch', { records: event.Records.length, failed: batchItemFailures.length });
    return { batchItemFailures };
  };
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const FORMATS: readonly NotificationFormat[] = ['text', 'chatbot'];

function oneOf<T extends string>(
  name: EnvName,
  allowed: readonly T[],
  fallback: T,
  env: NodeJS.ProcessEnv,
): T {
  const raw = optionalEnv(name, env);
  if (raw === undefined) return fallback;
  const value = allowed.find((candidate) => candidate === raw.trim().toLowerCase());
  if (!value)
    throw new Error(`environment variable ${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return value;
}

/**
 * The production dependencies, from the function's environment: table, topic, settle delay, filters,
 * format, API URL, retention and log level. Fails loudly at cold start when a setting is missing or bad.
 */
export function notifierDepsFromEnv(env: NodeJS.ProcessEnv = process.env): NotifierHandlerDeps {
  const tableName = requireEnv(EnvName.TABLE_NAME, env);
  const topicArn = requireEnv(EnvName.TOPIC_ARN, env);
  const settleMs = intEnv(EnvName.NOTIFY_SETTLE_SECONDS, DEFAULT_SETTLE_MS / 1000, env) * 1000;
  const settings = parseNotifySettings(optionalEnv(EnvName.NOTIFY_FILTERS, env));
  const format = oneOf(EnvName.NOTIFY_FORMAT, FORMATS, 'text', env);
  const apiUrl = optionalEnv(EnvName.API_URL, env);
  const retentionDays = intEnv(EnvName.RETENTION_DAYS, DEFAULT_RETENTION_DAYS, env);
  if (retentionDays < 1) {
    throw new Error(
      `environment variable ${EnvName.RETENTION_DAYS} must be at least 1, got ${retentionDays}`,
    );
  }
  const logger = createLogger(
    { service: 'notifier' },
    { level: oneOf(EnvName.LOG_LEVEL, LOG_LEVELS, 'info', env) },
  );
  // The SDK retries throttling with backoff; more attempts ride out a burst of stopped tasks.
  const table: DynamoDbTableOptions = {
    client: new DynamoDBClient({ maxAttempts: 8 }),
    tableName,
    retentionDays,
    clock: systemClock,
  };
  const ecs = new ECSClient({ maxAttempts: 5 });
  return {
    trace: {
      history: new DynamoDbTaskHistory(table),
      taskDefinitions: new DynamoDbTaskDefinitionStore(table),
      taskDefinitionSource: new EcsTaskDefinitionSource({ client: ecs, clock: systemClock }),
      serviceEvents: new DynamoDbServiceEventStore(table),
      serviceEventSource: new EcsServiceEventSource({ client: ecs }),
      logs: new CloudWatchLogSource(),
      clock: systemClock,
    },
    ledger: new DynamoDbNotificationLedger(table),
    notifier: new SnsNotifier({ client: new SNSClient({}), topicArn }),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    settings,
    settleMs,
    format,
    ...(apiUrl ? { apiUrl } : {}),
    logger,
  };
}

let coldStartHandler: NotifierHandler | undefined;

/** The Lambda entry point. Built on first invocation, so that importing this module reads no environment. */
export const handler: NotifierHandler = (event, context) => {
  coldStartHandler ??= makeNotifierHandler(notifierDepsFromEnv());
  return coldStartHandler(event, context);
};
