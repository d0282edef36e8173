/**
 * The CloudWatch Logs and ECS clients that read a task's account. The stack's own account is read with
 * the function's own credentials, by clients built the standard way (AWS_REGION, AWS_ENDPOINT_URL_* and the
 * credential chain apply, as for every other client of the function). Another account is read through its
 * read role for the task's region (core/read-role.ts), whose credentials come from `ReadRoleCredentials`.
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { type ReadScope, readRoleArn } from '../core/read-role.js';
import type { TemporaryCredentials } from './sts/read-role-credentials.js';

/** What the log and ECS adapters ask of the account routing. */
export interface AccountClientSource {
  /**
   * The role assumed to read `scope`, or undefined when the function's own credentials read it.
   * @example clients.readRoleOf({ account: '222233334444', region: 'us-west-2' }) // 'arn:aws:iam::222233334444:role/tracer-read-us-west-2'
   */
  readRoleOf(scope: ReadScope | undefined): string | undefined;
  /** The ECS client of the task's account and region; the function's own without a scope. */
  ecs(scope?: ReadScope): ECSClient;
  /**
   * The CloudWatch Logs client of the task's account, in the logs' region (`awslogs-region`, a FireLens
   * output's `region`), else the task's.
   */
  logs(scope: ReadScope | undefined, region: string | undefined): CloudWatchLogsClient;
}

export interface AccountClientsOptions {
  /**
   * The stack's account, read with the function's own credentials.
   * @default - every account is read with the function's own credentials (a stack without source accounts)
   */
  readonly homeAccount?: string;
  /** The function's region (AWS_REGION): clients of it are built without a region, as before. @default - none */
  readonly homeRegion?: string;
  /** The read roles' name prefix (`<prefix>-<region>`). */
  readonly readRolePrefix: string;
  /** The read roles' credentials, e.g. `ReadRoleCredentials.credentials`. */
  readonly credentials: (roleArn: string) => Promise<TemporaryCredentials>;
  /** Builds an ECS client, e.g. `(access) => new ECSClient({ maxAttempts: 5, ...access })`. */
  readonly createEcs: (access: ClientAccess) => ECSClient;
  /**
   * Builds a CloudWatch Logs client. A function that reads no logs leaves it out, and with it the client's
   * code from its bundle.
   * @default - `logs` fails; see `withLogs`
   */
  readonly createLogs?: (access: ClientAccess) => CloudWatchLogsClient;
}

/** What a client of one account and region is built with: absent fields keep the SDK's defaults. */
export interface ClientAccess {
  readonly region?: string;
  readonly credentials?: () => Promise<TemporaryCredentials>;
}

/**
 * Clients per account, role and region, created on first use and kept for the life of the container.
 * @example const ecs = new AccountClients(options).ecs({ account: '222233334444', region: 'us-west-2' });
 */
export class AccountClients implements AccountClientSource {
  private readonly logsClients = new Map<string, CloudWatchLogsClient>();

  constructor(
    private readonly options: AccountClientsOptions,
    private readonly ecsClients = new Map<string, ECSClient>(),
  ) {}

  /** The same accounts and ECS clients, with CloudWatch Logs clients built by `createLogs`. */
  withLogs(createLogs: (access: ClientAccess) => CloudWatchLogsClient): AccountClients {
    return new AccountClients({ ...this.options, createLogs }, this.ecsClients);
  }

  readRoleOf(scope: ReadScope | undefined): string | undefined {
    const home = this.options.homeAccount;
    if (!scope || home === undefined || scope.account === home) return undefined;
    return readRoleArn(scope, this.options.readRolePrefix);
  }

  ecs(scope?: ReadScope): ECSClient {
    const role = this.readRoleOf(scope);
    const region = this.regionOf(scope?.region, role);
    const key = `${role ?? ''}\n${region ?? ''}`;
    let client = this.ecsClients.get(key);
    if (!client) {
      client = this.options.createEcs(this.access(role, region));
      this.ecsClients.set(key, client);
    }
    return client;
  }

  logs(scope: ReadScope | undefined, region: string | undefined): CloudWatchLogsClient {
    const role = this.readRoleOf(scope);
    // The logs' own region is used as given, as it always was; else the task's.
    const logRegion = region ?? this.regionOf(scope?.region, role);
    const key = `${role ?? ''}\n${logRegion ?? ''}`;
    let client = this.logsClients.get(key);
    if (!client) {
      const create = this.options.createLogs;
      if (!create) throw new Error('these account clients were built without CloudWatch Logs (withLogs)');
      client = create(this.access(role, logRegion));
      this.logsClients.set(key, client);
    }
    return client;
  }

  /** The function's own region is left to AWS_REGION; a role's client always names its region. */
  private regionOf(region: string | undefined, role: string | undefined): string | undefined {
    if (region === undefined) return undefined;
    return role === undefined && region === this.options.homeRegion ? undefined : region;
  }

  private access(role: string | undefined, region: string | undefined): ClientAccess {
    const credentials = this.options.credentials;
    return {
      ...(region ? { region } : {}),
      ...(role ? { credentials: () => credentials(role) } : {}),
    };
  }
}
