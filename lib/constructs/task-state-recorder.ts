import { Duration, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EnvName } from '../../lambda/config/env.js';
import { AlarmThresholds, deadLetterAlarm, functionAlarms, queueAgeAlarm } from './alarms.js';
import { BundledFunction } from './bundled-function.js';
import { ClusterScope } from './ecs-clusters.js';
import { grantEcsRead } from './grants.js';
import { grantTableAccess, RECORDER_TABLE_ACCESS } from './table-access.js';

export const RECORDER_ENTRY = 'lambda/handlers/recorder.ts';
export const RECORDER_TIMEOUT = Duration.seconds(30);
export const RECORDER_MAX_RECEIVE_COUNT = 5;
/**
 * Recorder invocations at once by default. One invocation records a batch of 10 events 8 at a time, about
 * a hundred events a second; ten of them absorb a deployment of thousands of tasks while a burst (a
 * cluster draining, a crash loop) waits in the queue instead of taking the account's Lambda concurrency
 * and ECS's Describe* rate from everything else.
 */
export const RECORDER_DEFAULT_MAX_CONCURRENCY = 10;
/** The range SQS event sources accept for their maximum concurrency. */
export const MAX_CONCURRENCY_RANGE = { min: 2, max: 1000 } as const;

/** The ECS events tracer records; `ECS Deployment State Change` events name their service but not the cluster. */
export const TASK_DETAIL_TYPES = ['ECS Task State Change', 'ECS Service Action'] as const;
export const DEPLOYMENT_DETAIL_TYPE = 'ECS Deployment State Change';

export interface TaskStateRecorderProps {
  /** The table the transitions are written to. */
  readonly table: dynamodb.ITable;
  /** How long recorded items live, written as their TTL. */
  readonly retentionDays: number;
  /**
   * Record only these clusters (names or ARNs).
   * @default - every cluster of the account in the stack's region
   */
  readonly clusters?: readonly string[];
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default - the alarms have no action */
  readonly alarmActions?: readonly cloudwatch.IAlarmAction[];
  /**
   * The most recorder invocations that run at once (the SQS event source's maximum concurrency), from 2
   * to 1000. Events beyond what they handle wait in the queue.
   * @default RECORDER_DEFAULT_MAX_CONCURRENCY (10)
   */
  readonly maxConcurrency?: number;
}

/**
 * Records every ECS task transition, service action and deployment state change: EventBridge rules put the
 * events on an encrypted SQS queue, the recorder function writes them to the table in batches, and what
 * cannot be delivered or processed ends in a dead-letter queue watched by an alarm.
 */
export class TaskStateRecorder extends Construct {
  readonly function: lambda.Function;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly rules: readonly events.Rule[];
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: TaskStateRecorderProps) {
    super(scope, id);
    const clusters = ClusterScope.of(this, props.clusters);
    const alarmActions = props.alarmActions ?? [];
    const maxConcurrency = validateMaxConcurrency(props.maxConcurrency ?? RECORDER_DEFAULT_MAX_CONCURRENCY);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda's advice: six times the function timeout, so that retries of a slow batch do not overlap.
      visibilityTimeout: Duration.seconds(RECORDER_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: RECORDER_MAX_RECEIVE_COUNT },
    });

    const recorder = new BundledFunction(this, 'Function', {
      entry: RECORDER_ENTRY,
      description: 'tracer: records ECS task state changes, service actions and deployments',
      memorySizeMb: 512,
      timeout: RECORDER_TIMEOUT,
      logRetention: props.logRetention,
      environment: {
        [EnvName.TABLE_NAME]: props.table.tableName,
        [EnvName.RETENTION_DAYS]: String(props.retentionDays),
      },
    });
    this.function = recorder.function;
    grantTableAccess(recorder, props.table, RECORDER_TABLE_ACCESS);
    // The first sighting of a task definition revision stores its log configuration; service events are
    // stored when a task stops, because DescribeServices keeps only the last 100.
    grantEcsRead(recorder, clusters, ['ecs:DescribeTaskDefinition', 'ecs:DescribeServices']);

    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        // Up to 10 s to fill a batch: on a quiet account each invocation, SQS receive and delete then serves
        // most of 10 events instead of one or two, which is most of the recorder's SQS and Lambda bill (see
        // the README's cost section). The notifier has its own queue and settle delay, so nothing waits on it.
        maxBatchingWindow: Duration.seconds(10),
        reportBatchItemFailures: true,
        maxConcurrency,
      }),
    );

    const target = new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue });
    const clusterArns = clusters.clusterArns;
    const servicePrefixes = clusters.serviceArnPrefixes;
    if (clusterArns === undefined || servicePrefixes === undefined) {
      this.rules = [
        new events.Rule(this, 'EcsEventsRule', {
          description: 'tracer: every ECS task state change, service action and deployment state change',
          eventPattern: { source: ['aws.ecs'], detailType: [...TASK_DETAIL_TYPES, DEPLOYMENT_DETAIL_TYPE] },
          targets: [target],
        }),
      ];
    } else {
      this.rules = [
        new events.Rule(this, 'EcsEventsRule', {
          description: 'tracer: task state changes and service actions of the watched clusters',
          eventPattern: {
            source: ['aws.ecs'],
            detailType: [...TASK_DETAIL_TYPES],
            detail: { clusterArn: clusterArns },
          },
          targets: [target],
        }),
        // Deployment events carry no clusterArn: their service ARN (resources) names the cluster.
        new events.Rule(this, 'DeploymentEventsRule', {
          description: 'tracer: deployment state changes of the services of the watched clusters',
          eventPattern: {
            source: ['aws.ecs'],
            detailType: [DEPLOYMENT_DETAIL_TYPE],
            resources: events.Match.anyOf(...servicePrefixes.map((prefix) => events.Match.prefix(prefix))),
          },
          targets: [target],
        }),
      ];
    }

    this.alarms = [
      deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue, 'recorder', alarmActions),
      ...functionAlarms(this, this.function, 'recorder', alarmActions),
      queueAgeAlarm(
        this,
        'QueueAgeAlarm',
        this.queue,
        'recorder',
        {
          queueName: "the recorder's queue",
          maxAge: AlarmThresholds.recorderQueueAge,
          consequence:
            'traces lag behind ECS. Check the recorder for errors and throttles, or raise its maxConcurrency',
        },
        alarmActions,
      ),
      queueAgeAlarm(
        this,
        'DeadLetterAgeAlarm',
        this.deadLetterQueue,
        'recorder',
        {
          queueName: "the recorder's dead-letter queue",
          maxAge: AlarmThresholds.deadLetterAge,
          consequence: 'dead-lettered events expire after 14 days: redrive them before they are lost',
        },
        alarmActions,
      ),
    ];
  }
}

/**
 * Checks a maximum concurrency against what SQS event sources accept.
 * @throws Error naming the limits and the value.
 */
export function validateMaxConcurrency(maxConcurrency: number): number {
  if (Token.isUnresolved(maxConcurrency)) return maxConcurrency;
  const { min, max } = MAX_CONCURRENCY_RANGE;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < min || maxConcurrency > max) {
    throw new Error(
      `maxConcurrency must be a whole number from ${min} to ${max} (the limits of an SQS event source), got ${maxConcurrency}`,
    );
  }
  return maxConcurrency;
}
