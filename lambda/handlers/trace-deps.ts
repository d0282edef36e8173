/**
 * The trace's production dependencies, shared by the trace API and the notifier: recorded history first,
 * ECS for task definitions and service events it does not hold (DescribeServices answers kept for a few
 * seconds per service), CloudWatch Logs for container logs; each in the task's own account (`accounts`).
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  CLOUDWATCH_LOGS_MAX_ATTEMPTS,
  CloudWatchLogSource,
} from '../adapters/cloudwatch-logs/cloudwatch-log-source.js';
import { DynamoDbInstanceStore } from '../adapters/dynamodb/dynamodb-instance-store.js';
import { DynamoDbServiceEventStore } from '../adapters/dynamodb/dynamodb-service-event-store.js';
import { DynamoDbTaskDefinitionStore } from '../adapters/dynamodb/dynamodb-task-definition-store.js';
import { DynamoDbTaskHistory } from '../adapters/dynamodb/dynamodb-task-history.js';
import { EcsServiceEventSource } from '../adapters/ecs/ecs-service-event-source.js';
import { EcsTaskDefinitionSource } from '../adapters/ecs/ecs-task-definition-source.js';
import { systemClock } from '../adapters/system-clock.js';
import type { BuildTraceDeps } from '../use-cases/build-trace.js';
import { CachedServiceEventSource } from '../use-cases/service-event-cache.js';
import type { SharedDeps } from './shared-deps.js';

/**
 * Builds the recorded-trace dependencies over the shared table and ECS client. No live ECS fallback:
 * the caller adds one where a never-recorded task may be asked for.
 * @example const deps = { ...recordedTraceDeps(sharedDepsFromEnv(env)), live: new EcsLiveTaskSource(ecs) };
 */
export function recordedTraceDeps({ table, ecs, accounts }: SharedDeps): BuildTraceDeps {
  return {
    history: new DynamoDbTaskHistory(table),
    taskDefinitions: new DynamoDbTaskDefinitionStore(table),
    taskDefinitionSource: new EcsTaskDefinitionSource({ client: ecs, accounts, clock: systemClock }),
    serviceEvents: new DynamoDbServiceEventStore(table),
    serviceEventSource: new CachedServiceEventSource(
      new EcsServiceEventSource({ client: ecs, accounts }),
      systemClock,
    ),
    logs: new CloudWatchLogSource({
      accounts: accounts.withLogs(
        (access) => new CloudWatchLogsClient({ maxAttempts: CLOUDWATCH_LOGS_MAX_ATTEMPTS, ...access }),
      ),
    }),
    instances: new DynamoDbInstanceStore(table),
    clock: systemClock,
  };
}
