import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NotificationPublishError, SnsNotifier } from '../../lambda/adapters/sns/sns-notifier.js';
import { SnsFake } from '../fakes/sns-query-fake.js';

const TOPIC_ARN = 'arn:aws:sns:ap-northeast-1:123456789012:tracer-failures';

describe('SnsNotifier', () => {
  const fake = new SnsFake();
  let client: SNSClient;
  let notifier: SnsNotifier;

  beforeAll(async () => {
    const endpoint = await fake.start();
    client = new SNSClient({
      endpoint,
      region: 'ap-northeast-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    notifier = new SnsNotifier({ client, topicArn: TOPIC_ARN });
  });

  afterAll(async () => {
    client.destroy();
    await fake.stop();
  });

  beforeEach(() => {
    fake.requests.length = 0;
    fake.fault = undefined;
  });

  it('publishes the subject, the body and the String attributes to the topic', async () => {
    // Prepare
    const body = 'Image pull failed: 日本語 and 🚀\n\n2021-11-27T02:29:15.055+09:00\tTASK\tCreated\n';

    // Act
    await notifier.publish({
      subject: 'Tracer: 9f654c76cde14c7c85cf54dce087658a on default (image-pull)',
      body,
      attributes: { cluster: 'default', group: 'family:nginx', failureKind: 'image-pull' },
      format: 'text',
    });

    // Assess
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request?.params.get('Action')).toBe('Publish');
    expect(request?.params.get('TopicArn')).toBe(TOPIC_ARN);
    expect(request?.params.get('Subject')).toBe(
      'Tracer: 9f654c76cde14c7c85cf54dce087658a on default (image-pull)',
    );
    expect(request?.params.get('Message')).toBe(body);
    expect(request?.attributes).toEqual({
      cluster: { dataType: 'String', stringValue: 'default' },
      group: { dataType: 'String', stringValue: 'family:nginx' },
      failureKind: { dataType: 'String', stringValue: 'image-pull' },
    });
  });

  it('publishes Chatbot JSON without a subject', async () => {
    const json = JSON.stringify({ version: '1.0', source: 'custom', content: { description: 'x' } });

    await notifier.publish({
      subject: 'Tracer: t on c',
      body: json,
      attributes: { cluster: 'c' },
      format: 'chatbot',
    });

    expect(fake.requests[0]?.params.has('Subject')).toBe(false);
    expect(fake.requests[0]?.params.get('Message')).toBe(json);
  });

  it('sends no attribute entries when there are none', async () => {
    await notifier.publish({ subject: 's', body: 'b', attributes: {} });

    expect([...(fake.requests[0]?.params.keys() ?? [])].some((k) => k.startsWith('MessageAttributes'))).toBe(
      false,
    );
    expect(fake.requests[0]?.params.get('Subject')).toBe('s');
  });

  it('rejects with the topic and the SNS error when SNS refuses', async () => {
    fake.fault = { status: 400, code: 'InvalidParameter', message: 'Invalid parameter: Subject' };

    const attempt = notifier.publish({ subject: 's', body: 'b', attributes: {} });

    await expect(attempt).rejects.toBeInstanceOf(NotificationPublishError);
    await expect(attempt).rejects.toThrow(
      `could not publish to ${TOPIC_ARN}: InvalidParameterException: Invalid parameter: Subject`,
    );
  });

  it('rejects when the topic does not exist, keeping the cause', async () => {
    fake.fault = { status: 404, code: 'NotFound', message: 'Topic does not exist' };

    const error = await notifier
      .publish({ subject: 's', body: 'b', attributes: {} })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotificationPublishError);
    expect((error as NotificationPublishError).cause).toMatchObject({ name: 'NotFoundException' });
  });
});
