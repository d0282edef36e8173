import { Aws, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DEFAULT_READ_ROLE_PREFIX, EnvName } from '../lambda/config/env.js';
import { FailureNotifier, type NotificationProps } from './constructs/failure-notifier.js';
import type { LogReadScope } from './constructs/grants.js';
import { OrganizationBus } from './constructs/organization-bus.js';
import {
  type CentralReader,
  centralRoleName,
  validateEventSources,
  validateReadRolePrefix,
  validateRegions,
} from './constructs/organization-names.js';
import { grantAssumeSourceReadRoles, type SourceReadScope } from './constructs/source-read-access.js';
import { TaskStateRecorder } from './constructs/task-state-recorder.js';
import { type ApiAuthorization, type ApiThrottling, TraceApi } from './constructs/trace-api.js';
import { TracerTable } from './constructs/tracer-table.js';

export const DEFAULT_RETENTION_DAYS = 90;
/** Ten years: DynamoDB TTL has no limit, but a longer retention is almost certainly a typo. */
export const MAX_RETENTION_DAYS = 3650;

export interface TracerProps extends LogReadScope {
  /**
   * How long tracer keeps a task's history, in days (DynamoDB TTL), from 1 to 3650.
   * @default 90
   */
  readonly retentionDays?: number;
  /**
   * Record and notify only these clusters, by name or ARN.
   * @default - every cluster of the account in the stack's region
   */
  readonly clusters?: readonly string[];
  /**
   * Who may call the trace API. `none` opens it to anyone who knows the URL, with a synth-time warning.
   * @default 'iam' - SigV4-signed requests of principals allowed execute-api:Invoke
   */
  readonly apiAuthorization?: ApiAuthorization;
  /** @default - 20 requests per second, bursts of 40 */
  readonly throttling?: ApiThrottling;
  /**
   * Failure notifications, or `false` for none.
   * @default - notifications on, with a 30-second settle delay, no subscription and no filters
   */
  readonly notifications?: false | NotificationProps;
  /**
   * What happens to the recorded history when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /**
   * DynamoDB deletion protection on the table: no DeleteTable call succeeds, CloudFormation's included,
   * until it is turned off.
   * @default - on, unless `tableRemovalPolicy` is DESTROY (a test stack that deletes its table)
   */
  readonly tableDeletionProtection?: boolean;
  /**
   * The table's storage class: `STANDARD_INFREQUENT_ACCESS` (Standard-IA) stores for 60% less and writes
   * for 25% more, cheaper for a long retention that is read rarely (the README's cost section compares).
   * @default dynamodb.TableClass.STANDARD
   */
  readonly tableClass?: dynamodb.TableClass;
  /**
   * The most recorder invocations at once (its SQS event source's maximum concurrency), from 2 to 1000.
   * @default 10
   */
  readonly recorderMaxConcurrency?: number;
  /**
   * How long tracer's own logs (functions, API access logs) are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Actions of every tracer alarm, for example an SNS action to paging. They run when an alarm fires.
   * @default - the alarms have no action; they show in the CloudWatch console
   */
  readonly alarmActions?: readonly cloudwatch.IAlarmAction[];
  /**
   * An SNS topic that receives every tracer alarm, both when it fires and when it clears (besides
   * `alarmActions`). A topic encrypted with a customer-managed key must let `cloudwatch.amazonaws.com` use it.
   * @default - no topic
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * The lowest level the functions log at.
   * @default - the handlers' default, info
   */
  readonly logLevel?: TracerLogLevel;
  /**
   * Other accounts whose ECS events tracer records: each runs a `TracerSource` stack that forwards its events
   * to this stack's `tracer` event bus and lets the functions read its logs and tasks through a read role.
   * @default - none: tracer records its own account only
   */
  readonly sourceAccounts?: readonly string[];
  /**
   * An AWS Organizations id: every account of the organization may forward events and be read, with the
   * `TracerSource` template deployed as a service-managed StackSet.
   * @default - no organization
   */
  readonly organizationId?: string;
  /**
   * The regions the source stacks run in: the functions may assume the read role of each of them. Needs
   * `sourceAccounts` or `organizationId`.
   * @default - the stack's own region
   */
  readonly sourceRegions?: readonly string[];
  /**
   * The name prefix of the source accounts' read roles; the role of region R is `<prefix>-<R>`. The source
   * stacks must use the same prefix.
   * @default 'tracer-read'
   */
  readonly readRolePrefix?: string;
}

/** The levels of tracer's structured logs. */
export type TracerLogLevel = 'debug' | 'info' | 'warn' | 'error';
const LOG_LEVELS: readonly TracerLogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * tracer, the recorder and tracer of Amazon ECS tasks: records every task transition to DynamoDB, serves
 * traces from an IAM-authorized API, and publishes the trace of each failed task to SNS.
 *
 * @example
 * const tracer = new Tracer(stack, 'Tracer', { clusters: ['prod'], notifications: { email: 'oncall@example.com' } });
 * tracer.api.grantInvoke(onCallRole);
 */
export class Tracer extends Construct {
  readonly table: dynamodb.Table;
  readonly api: TraceApi;
  /** Undefined when notifications are off. */
  readonly topic: sns.Topic | undefined;
  readonly recorderFunction: lambda.Function;
  readonly queryFunction: lambda.Function;
  /** Undefined when notifications are off. */
  readonly notifierFunction: lambda.Function | undefined;
  readonly recorder: TaskStateRecorder;
  readonly notifier: FailureNotifier | undefined;
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The `tracer` bus that source accounts forward to; undefined when tracer records its own account only. */
  readonly sourceBus: events.EventBus | undefined;

  constructor(scope: Construct, id: string, props: TracerProps = {}) {
    super(scope, id);
    const readRolePrefix = validateReadRolePrefix(
      'readRolePrefix',
      props.readRolePrefix ?? DEFAULT_READ_ROLE_PREFIX,
    );
    const region = Stack.of(this).region;
    const sources = sourceReadScope(props, readRolePrefix, region);
    this.sourceBus =
      sources === undefined
        ? undefined
        : new OrganizationBus(this, 'SourceBus', {
            sourceAccounts: sources.sourceAccounts.length > 0 ? sources.sourceAccounts : undefined,
            organizationId: sources.organizationId,
          }).eventBus;
    // Fixed role names only with sources: their read roles trust exactly these, and a single-account
    // deployment keeps the generated names it always had.
    const roleName = (reader: CentralReader) =>
      sources === undefined ? undefined : centralRoleName(reader, region);
    const retentionDays = validateRetentionDays(props.retentionDays ?? DEFAULT_RETENTION_DAYS);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const alarmTopicAction = props.alarmTopic ? new cloudwatchActions.SnsAction(props.alarmTopic) : undefined;
    const alarmActions = [...(props.alarmActions ?? []), ...(alarmTopicAction ? [alarmTopicAction] : [])];

    this.table = new TracerTable(this, 'Table', {
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
      ...(props.tableDeletionProtection !== undefined
        ? { deletionProtection: props.tableDeletionProtection }
        : {}),
      ...(props.tableClass ? { tableClass: props.tableClass } : {}),
    }).table;

    this.recorder = new TaskStateRecorder(this, 'Recorder', {
      table: this.table,
      retentionDays,
      clusters: props.clusters,
      logRetention,
      alarmActions,
      ...(props.recorderMaxConcurrency !== undefined ? { maxConcurrency: props.recorderMaxConcurrency } : {}),
      sourceBus: this.sourceBus,
      functionRoleName: roleName('recorder'),
    });
    this.recorderFunction = this.recorder.function;

    this.api = new TraceApi(this, 'Api', {
      table: this.table,
      retentionDays,
      clusters: props.clusters,
      authorization: props.apiAuthorization,
      throttling: props.throttling,
      logRegions: props.logRegions,
      logGroupPrefixes: props.logGroupPrefixes,
      logRetention,
      alarmActions,
      functionRoleName: roleName('query'),
    });
    this.queryFunction = this.api.function;

    this.notifier =
      props.notifications === false
        ? undefined
        : new FailureNotifier(this, 'Notifier', {
            ...props.notifications,
            table: this.table,
            retentionDays,
            clusters: props.clusters,
            apiUrl: this.api.url,
            logRegions: props.logRegions,
            logGroupPrefixes: props.logGroupPrefixes,
            logRetention,
            alarmActions,
            sourceBus: this.sourceBus,
            functionRoleName: roleName('notifier'),
          });
    this.topic = this.notifier?.topic;
    this.notifierFunction = this.notifier?.function;
    this.alarms = [...this.recorder.alarms, ...this.api.alarms, ...(this.notifier?.alarms ?? [])];
    // The topic also hears when an alarm clears, so that whoever was paged knows it is over.
    if (alarmTopicAction) for (const alarm of this.alarms) alarm.addOkAction(alarmTopicAction);

    // Every function learns its home (records without an account belong to it) and where to find the read
    // roles; the recorder describes task definitions and services of the account an event came from.
    const readers = [this.recorder.function, this.api.function, this.notifier?.function];
    for (const fn of readers) {
      fn?.addEnvironment(EnvName.HOME_ACCOUNT, Aws.ACCOUNT_ID);
      fn?.addEnvironment(EnvName.READ_ROLE_PREFIX, readRolePrefix);
    }
    if (sources !== undefined) {
      for (const fn of readers)
        if (fn?.role) grantAssumeSourceReadRoles({ grantPrincipal: fn.role, role: fn.role }, sources);
    }

    if (props.logLevel !== undefined) {
      if (!LOG_LEVELS.includes(props.logLevel)) {
        throw new Error(`logLevel must be one of ${LOG_LEVELS.join(', ')}, got "${String(props.logLevel)}"`);
      }
      for (const fn of [this.recorderFunction, this.queryFunction, this.notifierFunction]) {
        fn?.addEnvironment(EnvName.LOG_LEVEL, props.logLevel);
      }
    }
  }
}

/** The source read roles the functions may assume, or undefined when tracer records its own account only. */
function sourceReadScope(
  props: TracerProps,
  readRolePrefix: string,
  ownRegion: string,
): SourceReadScope | undefined {
  const { accounts: sourceAccounts, organizationId } = validateEventSources(props);
  if (sourceAccounts.length === 0 && organizationId === undefined) {
    if (props.sourceRegions !== undefined) {
      throw new Error(
        'sourceRegions needs sourceAccounts or organizationId: it names the regions of the source accounts',
      );
    }
    return undefined;
  }
  const sourceRegions =
    props.sourceRegions === undefined ? [ownRegion] : validateRegions('sourceRegions', props.sourceRegions);
  return { sourceAccounts, organizationId, sourceRegions, readRolePrefix };
}

function validateRetentionDays(retentionDays: number): number {
  if (Token.isUnresolved(retentionDays)) return retentionDays;
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > MAX_RETENTION_DAYS) {
    throw new Error(
      `retentionDays must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, got ${retentionDays}`,
    );
  }
  return retentionDays;
}
