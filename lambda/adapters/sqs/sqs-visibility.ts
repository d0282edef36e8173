/**
 * Changes when SQS delivers a received message again (ChangeMessageVisibility), so that a message that
 * asks for a later delivery comes back after a short delay instead of the queue's whole visibility timeout.
 */
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TracerError } from '../../core/errors.js';

/** SQS allows a visibility timeout of at most 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

export interface SqsVisibilityOptions {
  /** @default new SQSClient({}) */
  readonly client?: SQSClient;
}

/** A received message: the queue it came from (as Lambda's event source mapping names it) and its handle. */
export interface ReceivedMessage {
  readonly eventSourceARN: string;
  readonly receiptHandle: string;
}

/** SQS refused to change a message's visibility after the SDK's retries. */
export class VisibilityChangeError extends TracerError {
  constructor(
    readonly queueUrl: string,
    options: { cause: unknown },
  ) {
    const cause = options.cause;
    const reason = cause instanceof Error ? cause.name : 'unknown error';
    super(`could not change the visibility of a message of ${queueUrl}: ${reason}`, options);
  }
}

/**
 * The queue URL of an SQS queue ARN (`arn:<partition>:sqs:<region>:<account>:<name>`).
 * @example queueUrlFromArn('arn:aws:sqs:eu-west-1:123456789012:q') === 'https://sqs.eu-west-1.amazonaws.com/123456789012/q'
 */
export function queueUrlFromArn(queueArn: string): string {
  const parts = queueArn.split(':');
  const [prefix, partition, service, region, account, name] = parts;
  if (parts.length !== 6 || prefix !== 'arn' || service !== 'sqs' || !region || !account || !name) {
    throw new TracerError(`"${queueArn}" is not an SQS queue ARN`);
  }
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

/**
 * Sets a received message's visibility timeout, counted from now.
 * @example await new SqsVisibility().delay(record, 60)
 */
export class SqsVisibility {
  private readonly client: SQSClient;

  constructor(options: SqsVisibilityOptions = {}) {
    this.client = options.client ?? new SQSClient({});
  }

  /**
   * Makes SQS deliver the message again in `seconds` (clamped to 0 … MAX_VISIBILITY_SECONDS).
   * @throws VisibilityChangeError when SQS refuses (the message then waits its current visibility timeout).
   */
  async delay(message: ReceivedMessage, seconds: number): Promise<void> {
    const queueUrl = queueUrlFromArn(message.eventSourceARN);
    const visibilityTimeout = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(seconds)));
    try {
      await this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message.receiptHandle,
          VisibilityTimeout: visibilityTimeout,
        }),
      );
    } catch (error) {
      throw new VisibilityChangeError(queueUrl, { cause: error });
    }
  }
}
