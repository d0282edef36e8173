import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EnvName } from '../../lambda/config/env.js';
import type { NotifySettings } from '../../lambda/config/notify-settings.js';
import {
  AlarmThresholds,
  deadLetterAlarm,
  functionAlarms,
  notificationsNotSentAlarm,
  queueAgeAlarm,
} from './alarms.js';
import { BundledFunction } from './bundled-function.js';
import { ClusterScope } from './ecs-clusters.js';
import { type EcsReadAction, grantEcsRead, grantTraceLogsRead, type LogReadScope } from './grants.js';
import { grantTableAccess, NOTIFIER_TABLE_ACCESS } from './table-access.js';

export const NOTIFIER_ENTRY = 'lambda/handlers/notifier.ts';
export const NOTIFIER_TIMEOUT = Duration.minutes(2);
/**
 * Receives before a notification is dead-lettered. The notifier makes a record that waits (for the
 * recorder, the settle point or another attempt's claim) visible again after a short delay that doubles with
 * each receive, so ten receives ride out about an hour of recorder lag; a message that keeps failing for
 * any other reason still waits the visibility timeout between receives.
 */
export const NOTIFIER_MAX_RECEIVE_COUNT = 10;
/**
 * Concurrent notifier invocations. GetLogEvents has a small account quota (25 requests per second, shared
 * with the trace API and anyone else reading logs); two invocations that read their records one after the
 * other keep a burst of failed tasks from throttling the on-call engineer's own trace requests. Records
 * wait in the queue meanwhile. Two is the lowest value SQS event sources accept.
 */
export const NOTIFIER_MAX_CONCURRENCY = 2;
export const DEFAULT_SETTLE_DELAY = Duration.seconds(30);
/** SQS holds a message back for at most 15 minutes (DelaySeconds / DeliveryDelay). */
export const MAX_SETTLE_DELAY_SECONDS = 900;

/** The failure kinds tracer tells apart (see `classifyFailure`). */
export type FailureKind = NonNullable<NotifySettings['failureKinds']>[number];

/** `text`: a plain-text trace. `chatbot`: the AWS Chatbot custom-notification JSON for Slack and Teams. */
export type NotificationFormat = 'text' | 'chatbot';

/** Which stopped tasks are worth a notification. Names are matched exactly. */
export interface NotificationFilters {
  /** @default - every cluster */
  readonly includeClusters?: readonly string[];
  /** @default - none */
  readonly excludeClusters?: readonly string[];
  /** Service names, without `service:`. @default - every service and standalone task */
  readonly includeServices?: readonly string[];
  /** @default - none */
  readonly excludeServices?: readonly string[];
  /** Task groups such as `service:web` or `family:batch`. @default - every group */
  readonly includeGroups?: readonly string[];
  /** @default - none */
  readonly excludeGroups?: readonly string[];
  /** @default - every failure kind */
  readonly failureKinds?: readonly FailureKind[];
  /** Also notify tasks that stopped without failing. @default false */
  readonly notifyOnEveryStop?: boolean;
  /** Notify Spot interruptions, which are not failures. @default false */
  readonly notifySpotInterruptions?: boolean;
  /**
   * Notify tasks that ECS moved off a drained container instance (`host-drained`), which are not failures:
   * the service scheduler replaces them. @default false
   */
  readonly notifyHostDrains?: boolean;
}

/** The notification settings a user of `Tracer` chooses. */
export interface NotificationProps {
  /**
   * Subscribe this address to the topic (AWS sends a confirmation email first).
   * @default - no subscription
   */
  readonly email?: string;
  /**
   * How long after a task stops its trace is assembled, so that CloudWatch Logs has its last lines.
   * From 0 to 900 seconds, the longest delay an SQS queue allows.
   * @default Duration.seconds(30)
   */
  readonly settleDelay?: Duration;
  /** @default - every failed task of the watched clusters */
  readonly filters?: NotificationFilters;
  /** @default 'text' */
  readonly format?: NotificationFormat;
  /**
   * Stopped tasks handed to one notifier invocation, from 1 to 10.
   * @default 5
   */
  readonly batchSize?: number;
}

export interface FailureNotifierProps extends NotificationProps, LogReadScope {
  /** The table with the recorded tasks and the notification ledger. */
  readonly table: dynamodb.ITable;
  readonly retentionDays: number;
  /**
   * Notify only about these clusters (names or ARNs); the EventBridge rule filters them.
   * @default - every cluster of the account in the stack's region
   */
  readonly clusters?: readonly string[];
  /**
   * The trace API's URL, linked from each notification.
   * @default - notifications carry no link
   */
  readonly apiUrl?: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default - the alarms have no action */
  readonly alarmActions?: readonly cloudwatch.IAlarmAction[];
  /**
   * The bus that source accounts forward their events to: the stopped-task rule is repeated on it.
   * @default - only the default bus of the stack's account and region
   */
  readonly sourceBus?: events.IEventBus;
  /**
   * A fixed name for the function's role, which source accounts' read roles trust.
   * @default - a name CloudFormation generates
   */
  readonly functionRoleName?: string;
}

const NOTIFIER_ECS_READS: readonly EcsReadAction[] = [
  'ecs:DescribeTasks',
  'ecs:DescribeTaskDefinition',
  'ecs:DescribeServices',
];

/**
 * Publishes the trace of each failed task, once, to an SNS topic encrypted with its own KMS key. Stopped tasks
 * wait in an SQS delay queue for the settle delay, so that the trace holds the container's last log lines.
 */
export class FailureNotifier extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  readonly function: lambda.Function;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly rule: events.Rule;
  /** The stopped-task rule on the source bus; undefined without one. */
  readonly sourceBusRule: events.Rule | undefined;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: FailureNotifierProps) {
    super(scope, id);
    const settleSeconds = validateSettleDelay(props.settleDelay ?? DEFAULT_SETTLE_DELAY);
    const batchSize = validateBatchSize(props.batchSize ?? 5);
    const format = props.format ?? 'text';
    if (format !== 'text' && format !== 'chatbot') {
      throw new Error(`format must be 'text' or 'chatbot', got "${String(format)}"`);
    }
    if (props.email !== undefined) validateEmail(props.email);
    const clusters = ClusterScope.of(this, props.clusters);
    const alarmActions = props.alarmActions ?? [];

    this.key = new kms.Key(this, 'TopicKey', {
      description: 'tracer: encrypts failure notifications at rest in SNS',
      enableKeyRotation: true,
      // Only messages in flight are encrypted with it; nothing stored outlives the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'tracer failed ECS tasks',
      masterKey: this.key,
      enforceSSL: true,
    });
    if (props.email !== undefined) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    }

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'DelayQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deliveryDelay: Duration.seconds(settleSeconds),
      visibilityTimeout: Duration.seconds(NOTIFIER_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: NOTIFIER_MAX_RECEIVE_COUNT },
    });

    const notifier = new BundledFunction(this, 'Function', {
      entry: NOTIFIER_ENTRY,
      description: 'tracer: publishes the trace of each failed ECS task once',
      memorySizeMb: 1024,
      timeout: NOTIFIER_TIMEOUT,
      logRetention: props.logRetention,
      roleName: props.functionRoleName,
      environment: {
        [EnvName.TABLE_NAME]: props.table.tableName,
        [EnvName.TOPIC_ARN]: this.topic.topicArn,
        [EnvName.NOTIFY_SETTLE_SECONDS]: String(settleSeconds),
        [EnvName.NOTIFY_FILTERS]: JSON.stringify(toNotifySettings(props.filters)),
        [EnvName.NOTIFY_FORMAT]: format,
        [EnvName.RETENTION_DAYS]: String(props.retentionDays),
        ...(props.apiUrl === undefined ? {} : { [EnvName.API_URL]: props.apiUrl }),
      },
    });
    this.function = notifier.function;
    // Explicit key actions: the topic's own grant adds kms:GenerateDataKey*, a wildcard action.
    this.topic.grants.actions(notifier, ['sns:Publish'], {
      keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    });
    // Reads for the trace; writes only to its ledger (a conditional put makes each task notify once) and to
    // the task definition cache.
    grantTableAccess(notifier, props.table, NOTIFIER_TABLE_ACCESS);
    grantTraceLogsRead(notifier, props);
    grantEcsRead(notifier, clusters, NOTIFIER_ECS_READS);

    this.function.addEventSource(
      // The mapping grants sqs:ChangeMessageVisibility on this queue, which the notifier also calls to bring
      // back a record that asked for a later delivery sooner than the visibility timeout.
      new SqsEventSource(this.queue, {
        batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: NOTIFIER_MAX_CONCURRENCY,
      }),
    );

    const clusterArns = clusters.clusterArns;
    const stoppedTasks: events.EventPattern = {
      source: ['aws.ecs'],
      detailType: ['ECS Task State Change'],
      detail: {
        lastStatus: ['STOPPED'],
        ...(clusterArns === undefined ? {} : { clusterArn: clusterArns }),
      },
    };
    const target = new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue });
    this.rule = new events.Rule(this, 'StoppedTasksRule', {
      description: 'tracer: ECS tasks that reached STOPPED, held back for the settle delay',
      eventPattern: stoppedTasks,
      targets: [target],
    });
    this.sourceBusRule =
      props.sourceBus === undefined
        ? undefined
        : new events.Rule(this, 'StoppedTasksRuleOnSourceBus', {
            description:
              'tracer: ECS tasks of source accounts that reached STOPPED, held back for the settle delay',
            eventBus: props.sourceBus,
            eventPattern: stoppedTasks,
            targets: [target],
          });

    this.alarms = [
      deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue, 'notifier', alarmActions),
      ...functionAlarms(this, this.function, 'notifier', alarmActions),
      notificationsNotSentAlarm(this, 'NotSentAlarm', this.function, alarmActions),
      queueAgeAlarm(
        this,
        'QueueAgeAlarm',
        this.queue,
        'notifier',
        {
          queueName: "the notifier's delay queue",
          maxAge: AlarmThresholds.notifierQueueAge,
          consequence:
            'failure notifications are late. Check the recorder (the notifier waits for it) and the notifier for errors and throttles',
        },
        alarmActions,
      ),
      queueAgeAlarm(
        this,
        'DeadLetterAgeAlarm',
        this.deadLetterQueue,
        'notifier',
        {
          queueName: "the notifier's dead-letter queue",
          maxAge: AlarmThresholds.deadLetterAge,
          consequence: 'dead-lettered notifications expire after 14 days: redrive them before they are lost',
        },
        alarmActions,
      ),
    ];
  }
}

/**
 * The filters as the notifier reads them from its environment (EnvName.NOTIFY_FILTERS); absent and empty
 * lists are left out, so the default is `{}`.
 */
export function toNotifySettings(filters: NotificationFilters = {}): NotifySettings {
  const list = <T extends string>(values: readonly T[] | undefined): T[] | undefined =>
    values === undefined || values.length === 0 ? undefined : [...new Set(values)];
  const settings: NotifySettings = {
    includeClusters: list(filters.includeClusters),
    excludeClusters: list(filters.excludeClusters),
    includeServices: list(filters.includeServices),
    excludeServices: list(filters.excludeServices),
    includeGroups: list(filters.includeGroups),
    excludeGroups: list(filters.excludeGroups),
    failureKinds: list(filters.failureKinds),
    notifyOnEveryStop: filters.notifyOnEveryStop,
    notifySpotInterruptions: filters.notifySpotInterruptions,
    notifyHostDrains: filters.notifyHostDrains,
  };
  return Object.fromEntries(
    Object.entries(settings).filter(([, value]) => value !== undefined),
  ) as NotifySettings;
}

function validateSettleDelay(settleDelay: Duration): number {
  const seconds = settleDelay.toSeconds({ integral: false });
  if (Token.isUnresolved(seconds)) return seconds;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_SETTLE_DELAY_SECONDS) {
    throw new Error(
      `settleDelay must be a whole number of seconds from 0 to ${MAX_SETTLE_DELAY_SECONDS} (the SQS delivery delay limit), got ${seconds} seconds`,
    );
  }
  return seconds;
}

function validateBatchSize(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
    throw new Error(`batchSize must be a whole number from 1 to 10, got ${batchSize}`);
  }
  return batchSize;
}

function validateEmail(email: string): void {
  if (Token.isUnresolved(email)) return;
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    throw new Error(`email must be an email address, got "${email}"`);
  }
}
