/**
 * tracer's custom CloudWatch metrics, written in the Embedded Metric Format (EMF): fields of a JSON log
 * line that CloudWatch Logs turns into metric data points. No PutMetricData call, so no IAM permission and
 * no latency. The names are shared with the CDK alarms that watch them (lib/constructs/alarms.ts).
 */

/** The namespace of tracer's own metrics. */
export const METRICS_NAMESPACE = 'tracer';

/** Each metric is reported per function, so that two tracer stacks in one account keep apart. */
export const METRIC_DIMENSION = 'FunctionName';

export const MetricName = {
  /**
   * A failure notification that could not be claimed or sent on this delivery: the ledger or SNS failed
   * after the SDK's retries, or the invocation ran out of time with the record in hand. SQS delivers it
   * again; the dead-letter queue gets it after the receive count.
   */
  NOTIFICATIONS_NOT_SENT: 'NotificationsNotSent',
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/**
 * The EMF fields of one count, to merge into a structured log line.
 * @example logger.error('could not notify', { ...countMetric(MetricName.NOTIFICATIONS_NOT_SENT, fn, Date.now()) })
 */
export function countMetric(
  name: MetricName,
  functionName: string,
  timestampMs: number,
  count = 1,
): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [[METRIC_DIMENSION]],
          Metrics: [{ Name: name, Unit: 'Count' }],
        },
      ],
    },
    [METRIC_DIMENSION]: functionName,
    [name]: count,
  };
}
