import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { TracerError } from '../../core/errors.js';
import { ATTRIBUTE_DATA_TYPE } from '../../core/notification.js';
import type { Notification, Notifier } from '../../use-cases/ports.js';

export interface SnsNotifierOptions {
  readonly client: SNSClient;
  readonly topicArn: string;
}

/** SNS refused or could not take a notification, after the SDK's retries. */
export class NotificationPublishError extends TracerError {
  constructor(
    readonly topicArn: string,
    options: { cause: unknown },
  ) {
    const cause = options.cause;
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`could not publish to ${topicArn}: ${reason}`, options);
  }
}

/**
 * Publishes notifications to an SNS topic: the subject (left out for AWS Chatbot JSON, which Chatbot
 * reads from the message alone), the message and its String attributes for subscription filter policies.
 */
export class SnsNotifier implements Notifier {
  constructor(private readonly options: SnsNotifierOptions) {}

  async publish(notification: Notification): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(notification.attributes)) {
      attributes[name] = { DataType: ATTRIBUTE_DATA_TYPE, StringValue: value };
    }
    try {
      await this.options.client.send(
        new PublishCommand({
          TopicArn: this.options.topicArn,
          Message: notification.body,
          ...(notification.format === 'chatbot' ? {} : { Subject: notification.subject }),
          ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
        }),
      );
    } catch (cause) {
      throw new NotificationPublishError(this.options.topicArn, { cause });
    }
  }
}
