import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRIC_DIMENSION, METRICS_NAMESPACE, MetricName } from '../../lambda/config/metrics.js';

/**
 * The thresholds of tracer's alarms, each with the reason for its value. docs/infrastructure.md lists
 * them for operators.
 */
export const AlarmThresholds = {
  /**
   * Events wait this long in the recorder's queue: traces lag that far behind ECS. A message that keeps
   * failing is received 5 times, 3 minutes apart (the visibility timeout), before it is dead-lettered, so
   * 15 minutes is normal for one bad event; twice that is a backlog.
   */
  recorderQueueAge: Duration.minutes(30),
  /**
   * Stopped tasks wait this long for their failure notification. The notifier's own waits (the settle
   * delay, then 30 s doubling up to 15 min while the recorder catches up) keep a message at most about
   * 90 minutes before it is dead-lettered; an hour late is worth a look either way.
   */
  notifierQueueAge: Duration.hours(1),
  /** Dead-lettered messages expire after 14 days: at 10 days, 4 are left to redrive them. */
  deadLetterAge: Duration.days(10),
  /** 5XX answers of the API in 5 minutes: a few are enough, since the clients already retried them. */
  apiServerErrors: 3,
} as const;

/** Builds an alarm that fires on the first breaching datapoint and treats silence as healthy. */
function alarm(
  scope: Construct,
  id: string,
  props: {
    readonly description: string;
    readonly metric: cloudwatch.IMetric;
    readonly threshold: number;
    readonly comparison?: cloudwatch.ComparisonOperator;
    readonly evaluationPeriods?: number;
    readonly datapointsToAlarm?: number;
  },
  actions: readonly cloudwatch.IAlarmAction[],
): cloudwatch.Alarm {
  const created = new cloudwatch.Alarm(scope, id, {
    alarmDescription: props.description,
    metric: props.metric,
    threshold: props.threshold,
    comparisonOperator: props.comparison ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: props.evaluationPeriods ?? 1,
    ...(props.datapointsToAlarm !== undefined ? { datapointsToAlarm: props.datapointsToAlarm } : {}),
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  created.addAlarmAction(...actions);
  return created;
}

/**
 * Raises an alarm as soon as one message sits in a dead-letter queue: every message there is an event
 * that tracer failed to handle and that an operator should redrive or inspect.
 * @example deadLetterAlarm(this, 'DeadLetterAlarm', dlq, 'recorder', [])
 */
export function deadLetterAlarm(
  scope: Construct,
  id: string,
  queue: sqs.IQueue,
  feature: string,
  actions: readonly cloudwatch.IAlarmAction[],
): cloudwatch.Alarm {
  return alarm(
    scope,
    id,
    {
      description: `tracer ${feature}: messages in the dead-letter queue. Inspect them, fix the cause, then redrive them to the source queue.`,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    },
    actions,
  );
}

/** Which queue an age alarm watches, and what its age means to an operator. */
export interface QueueAge {
  /** The queue, in words: `the recorder's queue`. */
  readonly queueName: string;
  readonly maxAge: Duration;
  /** What a message that old means, and what to do. */
  readonly consequence: string;
}

/**
 * Raises an alarm when the oldest message of a queue is older than `maxAge`: the function behind it is
 * not keeping up (throttled, failing, or starved of concurrency), or a dead-lettered message is about to
 * expire.
 * @example queueAgeAlarm(this, 'QueueAgeAlarm', queue, 'recorder', { queueName: "the recorder's queue", maxAge: AlarmThresholds.recorderQueueAge, consequence: 'traces lag behind ECS' }, [])
 */
export function queueAgeAlarm(
  scope: Construct,
  id: string,
  queue: sqs.IQueue,
  feature: string,
  age: QueueAge,
  actions: readonly cloudwatch.IAlarmAction[],
): cloudwatch.Alarm {
  const { queueName, maxAge, consequence } = age;
  return alarm(
    scope,
    id,
    {
      description: `tracer ${feature}: a message has waited ${maxAge.toHumanString()} or more in ${queueName}; ${consequence}.`,
      metric: queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: maxAge.toSeconds(),
    },
    actions,
  );
}

/**
 * The two alarms of every tracer function, with the construct ids `ErrorsAlarm` and `ThrottlesAlarm`:
 * - errors: an invocation failed as a whole (a crash or a timeout, not a reported batch item failure);
 * - throttles: Lambda throttled the function in two of three 5-minute periods. A single burst is absorbed
 *   by SQS redelivery and the clients' retries; throttling that recurs means the account's (or the
 *   function's) concurrency is exhausted.
 * @example const [errors, throttles] = functionAlarms(this, fn, 'recorder', []);
 */
export function functionAlarms(
  scope: Construct,
  fn: lambda.IFunction,
  feature: string,
  actions: readonly cloudwatch.IAlarmAction[],
): cloudwatch.Alarm[] {
  const fiveMinutes = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
  return [
    alarm(
      scope,
      'ErrorsAlarm',
      {
        description: `tracer ${feature}: the function failed. Its log group has the error with its cause.`,
        metric: fn.metricErrors(fiveMinutes),
        threshold: 1,
      },
      actions,
    ),
    alarm(
      scope,
      'ThrottlesAlarm',
      {
        description: `tracer ${feature}: Lambda keeps throttling the function. Check the account's concurrency (ConcurrentExecutions) and other functions' reserved concurrency.`,
        metric: fn.metricThrottles(fiveMinutes),
        threshold: 1,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      },
      actions,
    ),
  ];
}

/**
 * Raises an alarm when the API's stage answers AlarmThresholds.apiServerErrors or more 5XX in 5 minutes:
 * tracer's own 500s and 503s (AWS throttling, no answer in time) and API Gateway's.
 * @example apiServerErrorsAlarm(this, 'ServerErrorsAlarm', restApi.deploymentStage, [])
 */
export function apiServerErrorsAlarm(
  scope: Construct,
  id: string,
  stage: apigateway.Stage,
  actions: readonly cloudwatch.IAlarmAction[],
): cloudwatch.Alarm {
  return alarm(
    scope,
    id,
    {
      description: `tracer trace API: ${AlarmThresholds.apiServerErrors} or more 5XX answers in 5 minutes. The query function's log has each failed request with its request id; 503 Throttled means DynamoDB or another AWS API kept throttling.`,
      metric: stage.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: AlarmThresholds.apiServerErrors,
    },
    actions,
  );
}

/**
 * Raises an alarm on the first failure notification that could not be claimed or sent (the notifier's
 * `NotificationsNotSent` metric, from its log lines): on-call engineers may not have heard of a failed
 * task. SQS delivers the record again, so one alarm may clear on its own; many mean SNS, its KMS key or the
 * table is failing.
 * @example notificationsNotSentAlarm(this, 'NotSentAlarm', notifierFunction, [])
 */
export function notificationsNotSentAlarm(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  actions: readonly cloudwatch.IAlarmAction[],
): cloudwatch.Alarm {
  return alarm(
    scope,
    id,
    {
      description:
        'tracer notifier: a failure notification could not be claimed or sent. The notifier log lines with NotificationsNotSent say why; SQS delivers the record again.',
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: MetricName.NOTIFICATIONS_NOT_SENT,
        dimensionsMap: { [METRIC_DIMENSION]: fn.functionName },
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 1,
    },
    actions,
  );
}
