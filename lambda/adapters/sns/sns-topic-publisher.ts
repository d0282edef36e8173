import { SNSClient } from '@aws-sdk/client-sns';
import type { Notification, Notifier } from '../../use-cases/ports.js';
import { SnsNotifier } from './sns-notifier.js';

/** The region of a topic ARN: SNS only accepts a Publish in the topic's own region. */
function regionOfTopic(topicArn: string): string | undefined {
  return /^arn:[^:]+:sns:([^:]+):/.exec(topicArn)?.[1];
}

/**
 * Publishes to one SNS topic from a person's machine (`tracer --sns`): the client talks to the topic's
 * region with the chosen profile, and the publishing itself is the notifier's.
 */
export class SnsTopicPublisher implements Notifier {
  private readonly client: SNSClient;
  private readonly notifier: SnsNotifier;

  constructor(options: {
    readonly topicArn: string;
    /** @default - AWS_PROFILE, then the default chain */
    readonly profile?: string;
    /** @default - a client for the topic's region */
    readonly client?: SNSClient;
  }) {
    const region = regionOfTopic(options.topicArn);
    this.client =
      options.client ??
      new SNSClient({
        ...(options.profile ? { profile: options.profile } : {}),
        ...(region ? { region } : {}),
      });
    this.notifier = new SnsNotifier({ client: this.client, topicArn: options.topicArn });
  }

  publish(notification: Notification): Promise<void> {
    return this.notifier.publish(notification);
  }

  /** Closes the client's connections. */
  destroy(): void {
    this.client.destroy();
  }
}
