import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EnvName } from '../../lambda/config/env.js';
import {
  RECORDER_DEFAULT_MAX_CONCURRENCY,
  TaskStateRecorder,
} from '../../lib/constructs/task-state-recorder.js';
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

function synthRecorder(clusters?: readonly string[], retentionDays = 45) {
  return synth(
    (stack) => {
      const table = new TracerTable(stack, 'Table').table;
      return new TaskStateRecorder(stack, 'Recorder', { table, retentionDays, clusters });
    },
    { stackProps: { env: KNOWN_ENV } },
  );
}

describe('TaskStateRecorder without a cluster filter', () => {
  // GIVEN
  const { template } = synthRecorder();

  it('has one rule for task state changes, service actions and deployment state changes of every cluster', () => {
    // THEN
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change', 'ECS Service Action', 'ECS Deployment State Change'],
      },
    });
  });

  it('sends the events to the queue, with the dead-letter queue for events it cannot deliver', () => {
    const queue = logicalIdOf(template, 'AWS::SQS::Queue', 'RecorderQueue');
    const dlq = logicalIdOf(template, 'AWS::SQS::Queue', 'RecorderDeadLetterQueue');
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [queue, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        },
      ],
    });
  });

  it('encrypts both queues and refuses plain-HTTP access', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    for (const prefix of ['RecorderQueue', 'RecorderDeadLetterQueue']) {
      const queue = logicalIdOf(template, 'AWS::SQS::Queue', prefix);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('dead-letters a message after five receives and keeps it for 14 days', () => {
    const dlq = logicalIdOf(template, 'AWS::SQS::Queue', 'RecorderDeadLetterQueue');
    expect(propertiesOf(template, 'AWS::SQS::Queue', 'RecorderQueue')).toMatchObject({
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
      VisibilityTimeout: 180,
    });
    expect(propertiesOf(template, 'AWS::SQS::Queue', 'RecorderDeadLetterQueue')).toMatchObject({
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('feeds the recorder batches of 10 with partial batch failures, at most 10 invocations at once', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', 'RecorderQueue'), 'Arn'] },
      ScalingConfig: { MaximumConcurrency: RECORDER_DEFAULT_MAX_CONCURRENCY },
    });
    expect(RECORDER_DEFAULT_MAX_CONCURRENCY).toBe(10);
  });

  it('alarms when an event has waited 30 minutes in the queue, or a dead-lettered one 10 days', () => {
    expectQueueAgeAlarm(template, 'RecorderQueue', 1800);
    expectQueueAgeAlarm(template, 'RecorderDeadLetterQueue', 864_000);
  });

  it('alarms when Lambda throttles the recorder in two of three 5-minute periods', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Throttles',
      Namespace: 'AWS/Lambda',
      Dimensions: [
        {
          Name: 'FunctionName',
          Value: { Ref: logicalIdOf(template, 'AWS::Lambda::Function', 'RecorderFunction') },
        },
      ],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms on the first message in the dead-letter queue and on recorder errors', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: {
            'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', 'RecorderDeadLetterQueue'), 'QueueName'],
          },
        },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [
        {
          Name: 'FunctionName',
          Value: { Ref: logicalIdOf(template, 'AWS::Lambda::Function', 'RecorderFunction') },
        },
      ],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
  });

  it('writes only task items, the cluster registry, task definitions and service events, and never deletes', () => {
    expect(tableGrants(template, 'RecorderFunction')).toEqual([
      { actions: ['dynamodb:GetItem'], resources: ['table'] },
      { actions: ['dynamodb:UpdateItem'], resources: ['table'], leadingKeys: ['CLUSTERS', 'T#*'] },
      { actions: ['dynamodb:PutItem'], resources: ['table'], leadingKeys: ['TD#*'] },
      { actions: ['dynamodb:BatchWriteItem'], resources: ['table'], leadingKeys: ['S#*'] },
    ]);
  });

  it('tells the recorder its table and retention through the shared variable names', () => {
    expect(environmentOf(template, 'RecorderFunction')).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      [EnvName.TABLE_NAME]: { Ref: logicalIdOf(template, 'AWS::DynamoDB::Table', 'Table') },
      [EnvName.RETENTION_DAYS]: '45',
    });
  });

  it('lets the recorder write and read the table, describe task definitions and services, and consume its queue', () => {
    expect(allowedActions(template, 'RecorderFunction')).toEqual(
      [
        'dynamodb:BatchWriteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'ecs:DescribeServices',
        'ecs:DescribeTaskDefinition',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ].sort(),
    );
  });

  it('grants "*" only to DescribeTaskDefinition, which supports no resource-level permissions', () => {
    const wildcard = functionStatements(template, 'RecorderFunction').filter((s) => s.Resource === '*');
    expect(wildcard).toEqual([{ Action: 'ecs:DescribeTaskDefinition', Effect: 'Allow', Resource: '*' }]);
  });
});

describe('TaskStateRecorder with a cluster filter', () => {
  // GIVEN a stack in a known account and region, watching one cluster by name and one by ARN
  const { template } = synthRecorder(['prod', 'arn:aws:ecs:eu-west-1:111122223333:cluster/batch']);

  it('matches task state changes and service actions by cluster ARN', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change', 'ECS Service Action'],
        detail: {
          clusterArn: [
            'arn:aws:ecs:eu-west-1:111122223333:cluster/prod',
            'arn:aws:ecs:eu-west-1:111122223333:cluster/batch',
          ],
        },
      },
    });
  });

  it('matches deployment state changes, which carry no clusterArn, by the service ARN prefix of each cluster', () => {
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecs'],
        'detail-type': ['ECS Deployment State Change'],
        resources: [
          { prefix: 'arn:aws:ecs:eu-west-1:111122223333:service/prod/' },
          { prefix: 'arn:aws:ecs:eu-west-1:111122223333:service/batch/' },
        ],
        detail: Match.absent(),
      },
    });
  });

  it('limits DescribeServices to the services of the watched clusters', () => {
    const statement = functionStatements(template, 'RecorderFunction').find(
      (s) => s.Action === 'ecs:DescribeServices',
    );
    expect([...((statement?.Resource as string[] | undefined) ?? [])].sort()).toEqual([
      'arn:aws:ecs:eu-west-1:111122223333:service/batch/*',
      'arn:aws:ecs:eu-west-1:111122223333:service/prod/*',
    ]);
  });
});

it('rejects a cluster that is neither a name nor a cluster ARN', () => {
  expect(() => synthRecorder(['prod', 'not a cluster'])).toThrow(
    'clusters: "not a cluster" is neither a cluster name',
  );
});

describe('TaskStateRecorder maximum concurrency', () => {
  function synthWith(maxConcurrency: number) {
    return synth((stack) => {
      const table = new TracerTable(stack, 'Table').table;
      return new TaskStateRecorder(stack, 'Recorder', { table, retentionDays: 90, maxConcurrency });
    });
  }

  it.each([2, 250, 1000])('sets the event source mapping to %s invocations at once when asked', (value) => {
    synthWith(value).template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: value },
    });
  });

  it.each([1, 1001, 2.5, 0, -3])('rejects %s, naming the limits and the value', (value) => {
    expect(() => synthWith(value)).toThrow(
      `maxConcurrency must be a whole number from 2 to 1000 (the limits of an SQS event source), got ${value}`,
    );
  });
});
