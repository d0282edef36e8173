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
/** Container instance events carry `detail.clusterArn`, so they are scoped like task events. */
export const CONTAINER_INSTANCE_DETAIL_TYPE = 'ECS Container Instance State Change';
/**
 * EC2's notices about an instance; they name only the EC2 instance, so their rule takes the region's
 * every one, and traces show those of instances that a recorded container instance runs on.
 */
export const EC2_INSTANCE_DETAIL_TYPES = [
  'EC2 Spot Instance Interruption Warning',
  'EC2 Instance Rebalance Recommendation',
] as const;

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
  /**
   * The bus that source accounts forward their events to: every rule is repeated on it, so that events of
   * other accounts and regions are recorded like the stack's own.
   * @default - only the default bus of the stack's account and region
   */
  readonly sourceBus?: events.IEventBus;
  /**
   * A fixed name for the function's role, which source accounts' read roles trust.
   * @default - a name CloudFormation generates
   */
  readonly functionRoleName?: string;
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
      roleName: props.functionRoleName,
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
    this.rules = recordingRules(clusters).flatMap(({ id, description, eventPattern }) => [
      new events.Rule(this, id, { description, eventPattern, targets: [target] }),
      ...(props.sourceBus === undefined
        ? []
        : [
            new events.Rule(this, `${id}OnSourceBus`, {
              description: `${description}, forwarded by source accounts`,
              eventBus: props.sourceBus,
              eventPattern,
              targets: [target],
            }),
          ]),
    ]);

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

interface RuleSpec {
  readonly id: string;
  readonly description: string;
  readonly eventPattern: events.EventPattern;
}

/** The recorder's rules: what they match does not depend on the bus they listen on. */
function recordingRules(clusters: ClusterScope): RuleSpec[] {
  const clusterArns = clusters.clusterArns;
  const servicePrefixes = clusters.serviceArnPrefixes;
  const ecsRules: RuleSpec[] =
    clusterArns === undefined || servicePrefixes === undefined
      ? [
          {
            id: 'EcsEventsRule',
            description:
              'tracer: every ECS task state change, service action, deployment and container instance state change',
            eventPattern: {
              source: ['aws.ecs'],
              detailType: [...TASK_DETAIL_TYPES, DEPLOYMENT_DETAIL_TYPE, CONTAINER_INSTANCE_DETAIL_TYPE],
            },
          },
        ]
      : [
          {
            id: 'EcsEventsRule',
            description:
              'tracer: task state changes, service actions and container instance state changes of the watched clusters',
            eventPattern: {
              source: ['aws.ecs'],
              detailType: [...TASK_DETAIL_TYPES, CONTAINER_INSTANCE_DETAIL_TYPE],
              detail: { clusterArn: clusterArns },
            },
          },
          // Deployment events carry no clusterArn: their service ARN (resources) names the cluster.
          {
            id: 'DeploymentEventsRule',
            description: 'tracer: deployment state changes of the services of the watched clusters',
            eventPattern: {
              source: ['aws.ecs'],
              detailType: [DEPLOYMENT_DETAIL_TYPE],
              resources: events.Match.anyOf(...servicePrefixes.map((prefix) => events.Match.prefix(prefix))),
            },
          },
        ];
  return [
    ...ecsRules,
    {
      id: 'Ec2InstanceEventsRule',
      description:
        'tracer: EC2 Spot interruption warnings and rebalance recommendations (the host side of EC2 tasks)',
      eventPattern: { source: ['aws.ec2'], detailType: [...EC2_INSTANCE_DETAIL_TYPES] },
    },
  ];
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
