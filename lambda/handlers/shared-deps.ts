/**
 * What the recorder, the trace API and the notifier build the same way from their environment: the table
 * (name, retention, clock) and the SDK clients, created the standard way so that AWS_REGION and
 * AWS_ENDPOINT_URL_* apply. Tasks of other accounts are read through those accounts' read roles
 * (EnvName.HOME_ACCOUNT, EnvName.READ_ROLE_PREFIX), with credentials from STS (AWS_ENDPOINT_URL_STS applies).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { AccountClients } from '../adapters/account-clients.js';
import { withDomainErrors } from '../adapters/dynamodb/dynamodb-errors.js';
import type { DynamoDbTableOptions } from '../adapters/dynamodb/table-options.js';
import { ReadRoleCredentials, stsAssumeRole } from '../adapters/sts/read-role-credentials.js';
import { systemClock } from '../adapters/system-clock.js';
import {
  DEFAULT_READ_ROLE_PREFIX,
  EnvName,
  homeAccountEnv,
  homeScopeEnv,
  optionalEnv,
  requireEnv,
  retentionDaysEnv,
} from '../config/env.js';
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
  /** The ECS client of the function's own account and region. */
  readonly ecs: ECSClient;
  /** The ECS clients of each task's account; `withLogs` adds its CloudWatch Logs clients. */
  readonly accounts: AccountClients;
  readonly retentionDays: number;
  /** The stack's account and region: where a cluster named without them, and records kept without them, belong. */
  readonly home: HomeScope;
}

/** An IAM role name holds at most 64 of these characters; the prefix leaves room for `-<region>`. */
const ROLE_PREFIX = /^[\w+=,.@-]{1,48}$/;

/**
 * The clients of each task's account: the stack's own (EnvName.HOME_ACCOUNT) with the function's
 * credentials, any other through its read role (EnvName.READ_ROLE_PREFIX), as the session `tracer-<function>`.
 * @throws Error for a home account that is not 12 digits, or a prefix that cannot start an IAM role name.
 * @example const accounts = accountClientsFromEnv(process.env, 'notifier');
 */
export function accountClientsFromEnv(env: NodeJS.ProcessEnv, functionRole: string): AccountClients {
  const homeAccount = homeAccountEnv(env);
  const readRolePrefix = optionalEnv(EnvName.READ_ROLE_PREFIX, env)?.trim() ?? DEFAULT_READ_ROLE_PREFIX;
  if (!ROLE_PREFIX.test(readRolePrefix)) {
    throw new Error(
      `environment variable ${EnvName.READ_ROLE_PREFIX} must be 1 to 48 characters of letters, digits and +=,.@_-, got "${readRolePrefix}"`,
    );
  }
  const functionName = env.AWS_LAMBDA_FUNCTION_NAME;
  const credentials = new ReadRoleCredentials({
    assume: stsAssumeRole({
      sessionName: functionName ? `tracer-${functionRole}-${functionName}` : `tracer-${functionRole}`,
    }),
    clock: systemClock,
  });
  const homeRegion = env.AWS_REGION;
  return new AccountClients({
    ...(homeAccount !== undefined ? { homeAccount } : {}),
    ...(homeRegion ? { homeRegion } : {}),
    readRolePrefix,
    credentials: (roleArn) => credentials.credentials(roleArn),
    createEcs: (access) => new ECSClient({ maxAttempts: ECS_MAX_ATTEMPTS, ...access }),
  });
}

/**
 * The table options and the clients, from EnvName.TABLE_NAME, EnvName.RETENTION_DAYS and the account
 * settings (accountClientsFromEnv). `functionRole` names the function in the read roles' sessions.
 * @throws MissingEnvError without a table name; Error for a retention below one day or a bad account setting.
 * @example const { table, ecs } = sharedDepsFromEnv(process.env, 'recorder');
 */
export function sharedDepsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  functionRole = 'function',
): SharedDeps {
  const tableName = requireEnv(EnvName.TABLE_NAME, env);
  const retentionDays = retentionDaysEnv(env);
  const accounts = accountClientsFromEnv(env, functionRole);
  const home = homeScopeEnv(env);
  return {
    table: {
      client: withDomainErrors(new DynamoDBClient({ maxAttempts: DYNAMODB_MAX_ATTEMPTS })),
      tableName,
      retentionDays,
      clock: systemClock,
      home,
    },
    ecs: accounts.ecs(),
    accounts,
    retentionDays,
    home,
  };
}
