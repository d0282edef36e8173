/**
 * The recorder Lambda: EventBridge delivers `aws.ecs` events either through an SQS queue (a batch of
 * records, answered with a partial batch response) or directly (one event, Lambda's async retries and
 * on-failure destination take over on error).
 */
import type {
  EventBridgeEvent,
  SQSBatchItemFailure,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { DynamoDbInstanceStore } from '../adapters/dynamodb/dynamodb-instance-store.js';
import { DynamoDbServiceEventStore } from '../adapters/dynamodb/dynamodb-service-event-store.js';
import { DynamoDbTaskDefinitionStore } from '../adapters/dynamodb/dynamodb-task-definition-store.js';
import { DynamoDbTransitionStore } from '../adapters/dynamodb/dynamodb-transition-store.js';
import { EcsServiceEventSource } from '../adapters/ecs/ecs-service-event-source.js';
import { EcsTaskDefinitionSource } from '../adapters/ecs/ecs-task-definition-source.js';
import { systemClock } from '../adapters/system-clock.js';
import { logLevelEnv, DEFAULT_RETENTION_DAYS as RETENTION_DAYS } from '../config/env.js';
import { createLogger, type Logger } from '../config/logger.js';
import { mapWithConcurrency } from '../core/concurrency.js';
import { eventIdOf } from '../core/ecs-event.js';
import { InvalidTaskEventError } from '../core/errors.js';
import {
  createRecorderCache,
  type RecordEventDeps,
  type RecordEventResult,
  recordEvent,
} from '../use-cases/record-event.js';
import { CachedServiceEventSource } from '../use-cases/service-event-cache.js';
import { sharedDepsFromEnv } from './shared-deps.js';

/** Records processed at once: enough to hide DynamoDB latency, few enough to stay clear of ECS API limits. */
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_RETENTION_DAYS = RETENTION_DAYS;

export interface RecorderHandlerDeps extends RecordEventDeps {
  /** @default DEFAULT_CONCURRENCY */
  readonly concurrency?: number;
}

/** What the recorder is invoked with: an SQS batch, or one EventBridge event. */
export type RecorderInput = SQSEvent | EventBridgeEvent<string, unknown>;

export type RecorderHandler = (input: RecorderInput) => Promise<SQSBatchResponse | RecordEventResult>;

function isSqsEvent(input: unknown): input is SQSEvent {
  return (
    typeof input === 'object' &&
    input !== null &&
    'Records' in input &&
    Array.isArray(input.Records) &&
    input.Records.every(
      (r: unknown) =>
        typeof r === 'object' && r !== null && 'eventSource' in r && r.eventSource === 'aws:sqs',
    )
  );
}

function isEventBridgeEvent(input: unknown): input is EventBridgeEvent<string, unknown> {
  return typeof input === 'object' && input !== null && 'detail-type' in input;
}

function describeResult(result: RecordEventResult): Record<string, unknown> {
  if (result.type === 'container-instance-change' || result.type === 'ec2-instance-notice')
    return { ...result };
  return result.type === 'service-event'
    ? {
        type: result.type,
        eventId: result.eventId,
        clusterName: result.clusterName,
        serviceName: result.serviceName,
      }
    : {
        type: result.type,
        eventId: result.eventId,
        clusterName: result.clusterName,
        taskId: result.taskId,
        version: result.version,
        lastStatus: result.lastStatus,
        transition: result.transition,
        summary: result.summary,
        failureKind: result.failure?.kind,
        serviceEventsCopied: result.serviceEventsCopied,
      };
}

/**
 * Builds the recorder handler from its dependencies.
 *
 * For an SQS batch it returns `{ batchItemFailures }`: a record whose body is malformed, or that hit a
 * fault DynamoDB kept throwing after the SDK's retries, is reported so that SQS redelivers it and, after
 * the queue's receive count, moves it to the dead-letter queue. One bad record never fails the others.
 * For a direct EventBridge invocation any failure is thrown, so Lambda retries it and then sends it to
 * the on-failure destination.
 * @example export const handler = makeRecorderHandler(recorderDepsFromEnv());
 */
export function makeRecorderHandler(deps: RecorderHandlerDeps): RecorderHandler {
  const log = deps.logger;
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;

  const recordSqsMessage = async (record: SQSRecord): Promise<SQSBatchItemFailure | undefined> => {
    const context = {
      messageId: record.messageId,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
    };
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch (error) {
      log.error('rejected a malformed event: the SQS message body is not JSON', {
        ...context,
        reason: error instanceof Error ? error.message : String(error),
      });
      return { itemIdentifier: record.messageId };
    }
    try {
      const result = await recordEvent(deps, body);
      log.debug('recorded an event', { ...context, ...describeResult(result) });
      return undefined;
    } catch (error) {
      if (error instanceof InvalidTaskEventError) {
        log.error('rejected a malformed event', { ...context, eventId: error.eventId, reason: error.reason });
      } else {
        log.error('could not record an event; SQS will deliver it again', {
          ...context,
          eventId: eventIdOf(body),
          error,
        });
      }
      return { itemIdentifier: record.messageId };
    }
  };

  return async (input) => {
    if (isSqsEvent(input)) {
      const outcomes = await mapWithConcurrency(input.Records, concurrency, (record) =>
        recordSqsMessage(record),
      );
      const batchItemFailures = outcomes.filter((o): o is SQSBatchItemFailure => o !== undefined);
      log.info('recorded a batch', { records: input.Records.length, failed: batchItemFailures.length });
      return { batchItemFailures };
    }
    if (isEventBridgeEvent(input)) {
      try {
        const result = await recordEvent(deps, input);
        log.info('recorded an event', describeResult(result));
        return result;
      } catch (error) {
        if (error instanceof InvalidTaskEventError) {
          log.error('rejected a malformed event', { eventId: error.eventId, reason: error.reason });
        } else {
          log.error('could not record an event; Lambda will retry it', { eventId: eventIdOf(input), error });
        }
        throw error;
      }
    }
    const error = new InvalidTaskEventError(
      'the invocation is neither an SQS batch nor an EventBridge event',
    );
    log.error('rejected a malformed invocation', { reason: error.reason });
    throw error;
  };
}

/**
 * The production dependencies, from the function's environment: the table name, the retention period
 * and the log level. Fails loudly at cold start when the stack did not set them.
 */
export function recorderDepsFromEnv(env: NodeJS.ProcessEnv = process.env): RecorderHandlerDeps {
  const { table, ecs, accounts } = sharedDepsFromEnv(env, 'recorder');
  const logger: Logger = createLogger({ service: 'recorder' }, { level: logLevelEnv(env) });
  return {
    transitions: new DynamoDbTransitionStore(table),
    taskDefinitions: new DynamoDbTaskDefinitionStore(table),
    // Another account's task definitions and service events are read through its read role, as the trace does.
    taskDefinitionSource: new EcsTaskDefinitionSource({ client: ecs, accounts, clock: systemClock }),
    serviceEvents: new DynamoDbServiceEventStore(table),
    serviceEventSource: new CachedServiceEventSource(
      new EcsServiceEventSource({ client: ecs, accounts }),
      systemClock,
    ),
    clock: systemClock,
    logger,
    cache: createRecorderCache(),
    instances: new DynamoDbInstanceStore(table),
  };
}

let coldStartHandler: RecorderHandler | undefined;

/** The Lambda entry point. Built on first invocation, so that importing this module reads no environment. */
export const handler: RecorderHandler = async (input) => {
  coldStartHandler ??= makeRecorderHandler(recorderDepsFromEnv());
  return coldStartHandler(input);
};
