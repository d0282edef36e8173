import { RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EnvName } from '../lambda/config/env.js';
import { FailureNotifier, type NotificationProps } from './constructs/failure-notifier.js';
import type { LogReadScope } from './constructs/grants.js';
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

  constructor(scope: Construct, id: string, props: TracerProps = {}) {
    super(scope, id);
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
          });
    this.topic = this.notifier?.topic;
    this.notifierFunction = this.notifier?.function;
    this.alarms = [...this.recorder.alarms, ...this.api.alarms, ...(this.notifier?.alarms ?? [])];
    // The topic also hears when an alarm clears, so that whoever was paged knows it is over.
    if (alarmTopicAction) for (const alarm of this.alarms) alarm.addOkAction(alarmTopicAction);

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

function validateRetentionDays(retentionDays: number): number {
  if (Token.isUnresolved(retentionDays)) return retentionDays;
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > MAX_RETENTION_DAYS) {
    throw new Error(
      `retentionDays must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, got ${retentionDays}`,
    );
  }
  return retentionDays;
}
