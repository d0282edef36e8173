/**
 * Helpers for driving the recorder handler in tests: SQS batches built from event fixtures, and the
 * production DynamoDB adapters over a dynalite table with fake ECS sources.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { DynamoDbServiceEventStore } from '../../lambda/adapters/dynamodb/dynamodb-service-event-store.js';
import { DynamoDbTaskDefinitionStore } from '../../lambda/adapters/dynamodb/dynamodb-task-definition-store.js';
import { DynamoDbTransitionStore } from '../../lambda/adapters/dynamodb/dynamodb-transition-store.js';
import type { DynamoDbTableOptions } from '../../lambda/adapters/dynamodb/table-options.js';
import type { Logger } from '../../lambda/config/logger.js';
import { silentLogger } from '../../lambda/config/logger.js';
import type { ServiceEvent, TaskDefinitionInfo } from '../../lambda/core/model.js';
import type { RecorderHandlerDeps } from '../../lambda/handlers/recorder.js';
import { createRecorderCache } from '../../lambda/use-cases/record-event.js';
import { FakeServiceEventSource, FakeTaskDefinitionSource } from '../fakes/in-memory-recorder.js';

/** An SQS batch whose record bodies are the given strings (EventBridge events as JSON, or junk). */
export function sqsBatch(bodies: readonly string[], firstMessage = 0): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `message-${firstMessage + index}`,
      receiptHandle: `receipt-${firstMessage + index}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:tracer-events',
      awsRegion: 'us-east-1',
    })),
  };
}

export interface DynamoRecorderOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly nowMs: number;
  readonly retentionDays?: number;
  /** What DescribeTaskDefinition answers; revisions not listed are reported as deleted. */
  readonly taskDefinitions?: ReadonlyMap<string, TaskDefinitionInfo | Error>;
  /** What DescribeServices answers, keyed by `cluster/service`. */
  readonly services?: ReadonlyMap<string, ServiceEvent[] | Error>;
  readonly logger?: Logger;
  readonly concurrency?: number;
}

/** The recorder's production wiring over a dynalite table, with ECS replaced by fakes. */
export function dynamoRecorderDeps(options: DynamoRecorderOptions): RecorderHandlerDeps & {
  readonly taskDefinitionSource: FakeTaskDefinitionSource;
  readonly serviceEventSource: FakeServiceEventSource;
} {
  const clock = { nowMs: () => options.nowMs };
  const table: DynamoDbTableOptions = {
    client: options.client,
    tableName: options.tableName,
    retentionDays: options.retentionDays ?? 90,
    clock,
  };
  return {
    transitions: new DynamoDbTransitionStore(table),
    taskDefinitions: new DynamoDbTaskDefinitionStore(table),
    taskDefinitionSource: new FakeTaskDefinitionSource(new Map(options.taskDefinitions ?? [])),
    serviceEvents: new DynamoDbServiceEventStore(table),
    serviceEventSource: new FakeServiceEventSource(new Map(options.services ?? [])),
    clock,
    logger: options.logger ?? silentLogger,
    cache: createRecorderCache(),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  };
}
