import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EnvName } from '../../lambda/config/env.js';
import { METRIC_DIMENSION, METRICS_NAMESPACE, MetricName } from '../../lambda/config/metrics.js';
import { parseNotifySettings } from '../../lambda/config/notify-settings.js';
import {
  FailureNotifier,
  type FailureNotifierProps,
  toNotifySettings,
} from '../../lib/constructs/failure-notifier.js';
import { TracerTable } from '../../lib/constructs/tracer-table.js';
import {
  allowedActions,
  environmentOf,
  expectQueueAgeAlarm,
  functionStatements,
  KNOWN_ENV,
  logicalIdOf,
  propertiesOf,
  synth,
  tableGrants,
} from './support.js';

function synthNotifier(props: Partial<FailureNotifierProps> = {}) {
  return synth(
    (stack) => {
      const table = new TracerTable(stack, 'Table').table;
      return new FailureNotifier(stack, 'Notifier', { table, retentionDays: 60, ...props });
    },
    { stackProps: { env: KNOWN_ENV } },
  );
}

describe('FailureNotifier with the defaults', () => {
  // GIVEN
  const { template } = synthNotifier({ apiUrl: 'https://example.execute-api.eu-west-1.amazonaws.com/prod/' });
  const key = logicalIdOf(template, 'AWS::KMS::Key', 'NotifierTopicKey');

  it('encrypts the topic with its own rotating KMS key', () => {
    // THEN
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
  });

  it('refuses publishing over plain HTTP', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sns:Publish',
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('subscribes nobody unless an email is given', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('hands tasks that reached STOPPED to the delay queue, with the dead-letter queue for undeliverable events', () => {
    const queue = logicalIdOf(template, 'AWS::SQS::Queue', 'NotifierDelayQueue');
    const dlq = logicalIdOf(template, 'AWS::SQS::Queue', 'NotifierDeadLetterQueue');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change'],
        detail: { lastStatus: ['STOPPED'] },
      },
      Targets: [
        { Arn: { 'Fn::GetAtt': [queue, 'Arn'] }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
      ],
    });
  });

  it('holds each stopped task back for the 30-second settle delay', () => {
    expect(propertiesOf(template, 'AWS::SQS::Queue', 'NotifierDelayQueue')).toMatchObject({
      DelaySeconds: 30,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 720,
    });
  });

  it('dead-letters a task after ten receives, keeps it 14 days and alarms on it', () => {
    const dlq = logicalIdOf(template, 'AWS::SQS::Queue', 'NotifierDeadLetterQueue');
    expect(propertiesOf(template, 'AWS::SQS::Queue', 'NotifierDelayQueue')).toMatchObject({
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 10 },
      VisibilityTimeout: 720,
    });
    expect(propertiesOf(template, 'AWS::SQS::Queue', 'NotifierDeadLetterQueue')).toMatchObject({
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
    });
  });

  it('alarms when a stopped task has waited an hour for its notification, or a dead-lettered one 10 days', () => {
    expectQueueAgeAlarm(template, 'NotifierDelayQueue', 3600);
    expectQueueAgeAlarm(template, 'NotifierDeadLetterQueue', 864_000);
  });

  it('alarms on the first notification that could not be claimed or sent, from the notifier’s EMF metric', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: MetricName.NOTIFICATIONS_NOT_SENT,
      Namespace: METRICS_NAMESPACE,
      Dimensions: [
        {
          Name: METRIC_DIMENSION,
          Value: { Ref: logicalIdOf(template, 'AWS::Lambda::Function', 'NotifierFunction') },
        },
      ],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms when Lambda keeps throttling the notifier', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Throttles',
      Namespace: 'AWS/Lambda',
      Dimensions: [
        {
          Name: 'FunctionName',
          Value: { Ref: logicalIdOf(template, 'AWS::Lambda::Function', 'NotifierFunction') },
        },
      ],
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 1,
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
  });

  it('feeds the notifier batches of 5 with partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('runs at most two notifiers at once, to spare the GetLogEvents quota', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('lets the notifier change the visibility of its own queue’s messages only', () => {
    const queue = logicalIdOf(template, 'AWS::SQS::Queue', 'NotifierDelayQueue');
    const statement = functionStatements(template, 'NotifierFunction').find((s) =>
      ([] as unknown[]).concat(s.Action).includes('sqs:ChangeMessageVisibility'),
    );
    expect(statement).toMatchObject({ Effect: 'Allow', Resource: { 'Fn::GetAtt': [queue, 'Arn'] } });
  });

  it('writes only its ledger items and task definitions, and reads the table without its indexes', () => {
    expect(tableGrants(template, 'NotifierFunction')).toEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: ['table'] },
      { actions: ['dynamodb:PutItem'], resources: ['table'], leadingKeys: ['N#*', 'TD#*'] },
      { actions: ['dynamodb:UpdateItem'], resources: ['table'], leadingKeys: ['N#*'] },
    ]);
  });

  it("reads log streams in the stack's own region and account only", () => {
    const statements = functionStatements(template, 'NotifierFunction');
    expect(statements).toContainEqual({
      Action: 'logs:GetLogEvents',
      Effect: 'Allow',
      Resource: 'arn:aws:logs:eu-west-1:111122223333:log-group:*:log-stream:*',
    });
    expect(statements).toContainEqual({
      Action: 'logs:DescribeLogGroups',
      Effect: 'Allow',
      Resource: 'arn:aws:logs:eu-west-1:111122223333:log-group:*',
    });
  });

  it('tells the notifier its table, topic, settle delay, filters, format, retention and the API URL', () => {
    expect(environmentOf(template, 'NotifierFunction')).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      [EnvName.TABLE_NAME]: { Ref: logicalIdOf(template, 'AWS::DynamoDB::Table', 'Table') },
      [EnvName.TOPIC_ARN]: { Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'NotifierTopic') },
      [EnvName.NOTIFY_SETTLE_SECONDS]: '30',
      [EnvName.NOTIFY_FILTERS]: '{}',
      [EnvName.NOTIFY_FORMAT]: 'text',
      [EnvName.RETENTION_DAYS]: '60',
      [EnvName.API_URL]: 'https://example.execute-api.eu-west-1.amazonaws.com/prod/',
    });
  });

  it('lets the notifier publish with the key, keep its ledger, read logs and ECS, and consume its queue', () => {
    expect(allowedActions(template, 'NotifierFunction')).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'ecs:DescribeServices',
        'ecs:DescribeTaskDefinition',
        'ecs:DescribeTasks',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:DescribeLogGroups',
        'logs:GetLogEvents',
        'logs:PutLogEvents',
        'sns:Publish',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ].sort(),
    );
  });

  it('scopes publishing to the topic and the key actions to its key', () => {
    const statements = functionStatements(template, 'NotifierFunction');
    expect(statements).toContainEqual({
      Action: 'sns:Publish',
      Effect: 'Allow',
      Resource: { Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'NotifierTopic') },
    });
    expect(statements).toContainEqual({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [key, 'Arn'] },
    });
  });
});

describe('FailureNotifier settings', () => {
  it('subscribes the given email address', () => {
    const { template } = synthNotifier({ email: 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('uses the given settle delay, batch size and format', () => {
    const { template } = synthNotifier({
      settleDelay: Duration.minutes(15),
      batchSize: 10,
      format: 'chatbot',
    });
    expect(propertiesOf(template, 'AWS::SQS::Queue', 'NotifierDelayQueue')).toMatchObject({
      DelaySeconds: 900,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10 });
    expect(environmentOf(template, 'NotifierFunction')).toMatchObject({
      [EnvName.NOTIFY_SETTLE_SECONDS]: '900',
      [EnvName.NOTIFY_FORMAT]: 'chatbot',
    });
  });

  it('takes a zero settle delay', () => {
    const { template } = synthNotifier({ settleDelay: Duration.seconds(0) });
    expect(propertiesOf(template, 'AWS::SQS::Queue', 'NotifierDelayQueue')).toMatchObject({
      DelaySeconds: 0,
    });
  });

  it('passes the filters as JSON that the notifier parses back to the same settings', () => {
    // GIVEN
    const filters = {
      includeClusters: ['prod'],
      excludeServices: ['canary', 'canary'],
      includeGroups: ['family:batch'],
      failureKinds: ['image-pull', 'out-of-memory'] as const,
      notifyOnEveryStop: false,
      notifySpotInterruptions: true,
      excludeClusters: [],
    };
    // WHEN
    const { template } = synthNotifier({ filters: { ...filters, failureKinds: [...filters.failureKinds] } });
    const json = environmentOf(template, 'NotifierFunction')[EnvName.NOTIFY_FILTERS] as string;
    // THEN
    expect(parseNotifySettings(json)).toEqual({
      includeClusters: ['prod'],
      excludeServices: ['canary'],
      includeGroups: ['family:batch'],
      failureKinds: ['image-pull', 'out-of-memory'],
      notifyOnEveryStop: false,
      notifySpotInterruptions: true,
    });
  });

  it('leaves out the API URL when there is no API', () => {
    const { template } = synthNotifier();
    expect(environmentOf(template, 'NotifierFunction')).not.toHaveProperty(EnvName.API_URL);
  });

  it('matches only stopped tasks of the watched clusters', () => {
    const { template } = synthNotifier({ clusters: ['prod'] });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        detail: { lastStatus: ['STOPPED'], clusterArn: ['arn:aws:ecs:eu-west-1:111122223333:cluster/prod'] },
      },
    });
  });

  it.each([
    [Duration.seconds(901), 'got 901 seconds'],
    [Duration.minutes(16), 'got 960 seconds'],
    [Duration.millis(1500), 'got 1.5 seconds'],
  ])('rejects a settle delay of %s, naming the SQS limit and the value', (settleDelay, got) => {
    expect(() => synthNotifier({ settleDelay })).toThrow(
      `settleDelay must be a whole number of seconds from 0 to 900 (the SQS delivery delay limit), ${got}`,
    );
  });

  it.each([0, 11, 2.5])('rejects a batch size of %s', (batchSize) => {
    expect(() => synthNotifier({ batchSize })).toThrow(
      `batchSize must be a whole number from 1 to 10, got ${batchSize}`,
    );
  });

  it('rejects an email that is not an address', () => {
    expect(() => synthNotifier({ email: 'oncall' })).toThrow('email must be an email address, got "oncall"');
  });

  it('rejects a format other than text or chatbot', () => {
    expect(() => synthNotifier({ format: 'html' as unknown as 'text' })).toThrow(
      `format must be 'text' or 'chatbot', got "html"`,
    );
  });
});

describe('toNotifySettings', () => {
  it('is empty without filters', () => {
    expect(toNotifySettings()).toEqual({});
  });

  it('drops empty lists and keeps explicit booleans', () => {
    expect(toNotifySettings({ includeClusters: [], notifyOnEveryStop: true })).toEqual({
      notifyOnEveryStop: true,
    });
  });
});
