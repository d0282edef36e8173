/**
 * What the recorder, the trace API and the notifier build the same way from their environment: the table
 * (name, retention, clock) and the SDK clients, created the standard way so that AWS_REGION and
 * AWS_ENDPOINT_URL_* apply.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { withDomainErrors } from '../adapters/dynamodb/dynamodb-errors.js';
import type { DynamoDbTableOptions } from '../adapters/dynamodb/table-options.js';
import { systemClock } from '../adapters/system-clock.js';
import { EnvName, homeScopeEnv, requireEnv, retentionDaysEnv } from '../config/env.js';
import type { HomeScope } from '../core/cluster-id.js';

/**
 * DynamoDB attempts per call: the SDK retries throttling with backoff, and more attempts ride out a burst of
 * task launches or stopped tasks.
 */
export const DYNAMODB_MAX_ATTEMPTS = 8;
/** ECS attempts per call: Describe* calls share the account's ECS API rate limit with deployments. */
export const ECS_MAX_ATTEMPTS = 5;

export interface SharedDeps {
  readonly table: DynamoDbTableOptions;
  readonly ecs: ECSClient;
  readonly retentionDays: number;
  /** The stack's account and region: where a cluster named without them, and records kept without them, belong. */
  readonly home: HomeScope;
}

/**
 * The table options and the ECS client, from EnvName.TABLE_NAME and EnvName.RETENTION_DAYS, and the home
 * scope from EnvName.HOME_ACCOUNT and AWS_REGION (see homeScopeEnv).
 * @throws MissingEnvError without a table name; Error for a retention below one day.
 * @example const { table, ecs } = sharedDepsFromEnv(process.env);
 */
export function sharedDepsFromEnv(env: NodeJS.ProcessEnv = process.env): SharedDeps {
  const tableName = requireEnv(EnvName.TABLE_NAME, env);
  const retentionDays = retentionDaysEnv(env);
  const home = homeScopeEnv(env);
  return {
    table: {
      client: withDomainErrors(new DynamoDBClient({ maxAttempts: DYNAMODB_MAX_ATTEMPTS })),
      tableName,
      retentionDays,
      clock: systemClock,
      home,
    },
    ecs: new ECSClient({ maxAttempts: ECS_MAX_ATTEMPTS }),
    retentionDays,
    home,
  };
}
