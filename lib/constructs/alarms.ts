import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

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
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: `tracer ${feature}: messages in the dead-letter queue. Inspect them, fix the cause, then redrive them to the source queue.`,
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: cloudwatch.Stats.MAXIMUM,
    }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(...actions);
  return alarm;
}

/**
 * Raises an alarm when a function invocation fails as a whole (a crash or a timeout, not a reported
 * batch item failure).
 * @example functionErrorsAlarm(this, 'ErrorsAlarm', fn, 'recorder', [])
 */
export function functionErrorsAlarm(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  feature: string,
  actions: readonly cloudwatch.IAlarmAction[],
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: `tracer ${feature}: the function failed. Its log group has the error with its cause.`,
    metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(...actions);
  return alarm;
}
