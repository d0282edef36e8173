/**
 * The tracer table as the target of `tracer import`: the recorder's use case over the DynamoDB adapters,
 * with ECS for the task definitions' log configuration, exactly as the recorder Lambda is wired.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { withDomainErrors } from '../adapters/dynamodb/dynamodb-errors.js';
import { DynamoDbInstanceStore } from '../adapters/dynamodb/dynamodb-instance-store.js';
import { DynamoDbServiceEventStore } from '../adapters/dynamodb/dynamodb-service-event-store.js';
import { DynamoDbTaskDefinitionStore } from '../adapters/dynamodb/dynamodb-task-definition-store.js';
import { DynamoDbTransitionStore } from '../adapters/dynamodb/dynamodb-transition-store.js';
import type { DynamoDbTableOptions } from '../adapters/dynamodb/table-options.js';
import { EcsServiceEventSource } from '../adapters/ecs/ecs-service-event-source.js';
import { EcsTaskDefinitionSource } from '../adapters/ecs/ecs-task-definition-source.js';
import { systemClock } from '../adapters/system-clock.js';
import { createLogger, type Logger, type LogLevel, silentLogger } from '../config/logger.js';
import { createRecorderCache } from '../use-cases/record-event.js';
import { RecorderEventSink } from './event-sinks.js';
import type { AwsSettings, ImportSourceSpec, ImportTargetSpec, Opened } from './import-command.js';
import { OfflineServiceEventSource } from './offline-ecs.js';

/**
 * Opens the table sink. Service events are copied from DescribeServices only for `--ecs`: ECS keeps a
 * service's last 100 events, which hold nothing about the older tasks of a log group or a file.
 * @example const { value: sink, close } = await openTableSink({ kind: 'table', tableName: 't', retentionDays: 90 }, context);
 */
export async function openTableSink(
  spec: Extract<ImportTargetSpec, { kind: 'table' }>,
  context: { readonly aws: AwsSettings; readonly source: ImportSourceSpec; readonly logLevel?: LogLevel },
): Promise<Opened<RecorderEventSink>> {
  const dynamodb = withDomainErrors(new DynamoDBClient({ ...context.aws, maxAttempts: 8 }));
  const ecs = new ECSClient({ ...context.aws, maxAttempts: 8 });
  const table: DynamoDbTableOptions = {
    client: dynamodb,
    tableName: spec.tableName,
    retentionDays: spec.retentionDays,
    clock: systemClock,
  };
  const sink = new RecorderEventSink({
    transitions: new DynamoDbTransitionStore(table),
    taskDefinitions: new DynamoDbTaskDefinitionStore(table),
    taskDefinitionSource: new EcsTaskDefinitionSource({ client: ecs, clock: systemClock }),
    serviceEvents: new DynamoDbServiceEventStore(table),
    serviceEventSource:
      context.source.kind === 'ecs'
        ? new EcsServiceEventSource({ client: ecs })
        : new OfflineServiceEventSource(),
    clock: systemClock,
    logger: importLogger(context.logLevel),
    cache: createRecorderCache(),
    instances: new DynamoDbInstanceStore(table),
  });
  return {
    value: sink,
    close: () => {
      dynamodb.destroy();
      ecs.destroy();
    },
  };
}

/** The recorder's warnings during an import, as JSON lines on stderr, when TRACER_LOG_LEVEL asks for them. */
function importLogger(level: LogLevel | undefined): Logger {
  return level === undefined
    ? silentLogger
    : createLogger(
        { service: 'tracer-import' },
        { level, write: (line) => process.stderr.write(`${line}\n`) },
      );
}
