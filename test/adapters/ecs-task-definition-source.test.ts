import {
  AccessDeniedException,
  ClientException,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ServerException,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EcsTaskDefinitionSource } from '../../lambda/adapters/ecs/ecs-task-definition-source.js';

const ARN = 'arn:aws:ecs:eu-central-1:111111111111:task-definition/example-api-v1:20';
const NOW = '2024-03-10T12:00:00.000Z';

const ecs = mockClient(ECSClient);
const source = new EcsTaskDefinitionSource({
  client: new ECSClient({ region: 'eu-central-1' }),
  clock: { nowMs: () => Date.parse(NOW) },
});

beforeEach(() => {
  ecs.reset();
});

describe('EcsTaskDefinitionSource', () => {
  it('reads each container log configuration and essential flag', async () => {
    // Prepare
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: ARN }).resolves({
      taskDefinition: {
        taskDefinitionArn: ARN,
        containerDefinitions: [
          {
            name: 'envoy',
            essential: false,
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': '/ecs/example-api-v1',
                'awslogs-stream-prefix': 'envoy',
                'awslogs-region': 'eu-central-1',
                'awslogs-create-group': 'true',
              },
            },
          },
          {
            name: 'app',
            logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'cloudwatch' } },
          },
          { name: 'init' },
        ],
      },
    });

    // Act
    const info = await source.describeTaskDefinition(ARN);

    // Assess
    expect(info).toEqual({
      status: 'described',
      taskDefinitionArn: ARN,
      describedAt: NOW,
      containers: [
        {
          containerName: 'envoy',
          logDriver: 'awslogs',
          logGroup: '/ecs/example-api-v1',
          streamPrefix: 'envoy',
          region: 'eu-central-1',
          logOptions: {
            'awslogs-group': '/ecs/example-api-v1',
            'awslogs-stream-prefix': 'envoy',
            'awslogs-region': 'eu-central-1',
            'awslogs-create-group': 'true',
          },
          essential: false,
        },
        {
          containerName: 'app',
          logDriver: 'awsfirelens',
          logOptions: { Name: 'cloudwatch' },
          essential: true,
        },
        { containerName: 'init', essential: true },
      ],
    });
  });

  it('keeps the FireLens router configuration and the log options, but never a credential or a secret reference', async () => {
    // Prepare: the AWS documentation's Datadog example, with the API key in the options.
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: ARN }).resolves({
      taskDefinition: {
        taskDefinitionArn: ARN,
        containerDefinitions: [
          {
            name: 'log_router',
            firelensConfiguration: { type: 'fluentbit', options: { 'enable-ecs-log-metadata': 'true' } },
            logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/firelens' } },
          },
          {
            name: 'app',
            logConfiguration: {
              logDriver: 'awsfirelens',
              options: {
                Name: 'datadog',
                apikey: 'dd0123456789abcdef0123456789abcd',
                Host: 'http-intake.logs.datadoghq.com',
                dd_service: 'checkout',
              },
              secretOptions: [
                {
                  name: 'http_passwd',
                  valueFrom: 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:dd-Ab12Cd',
                },
              ],
            },
          },
        ],
      },
    });

    // Act
    const info = await source.describeTaskDefinition(ARN);

    // Assess
    expect(info.status === 'described' && info.containers).toEqual([
      {
        containerName: 'log_router',
        logDriver: 'awslogs',
        logGroup: '/ecs/firelens',
        logOptions: { 'awslogs-group': '/ecs/firelens' },
        firelensConfiguration: { type: 'fluentbit', options: { 'enable-ecs-log-metadata': 'true' } },
        essential: true,
      },
      {
        containerName: 'app',
        logDriver: 'awsfirelens',
        logOptions: {
          Name: 'datadog',
          apikey: '[REDACTED]',
          Host: 'http-intake.logs.datadoghq.com',
          dd_service: 'checkout',
        },
        secretOptionNames: ['http_passwd'],
        essential: true,
      },
    ]);
    expect(JSON.stringify(info)).not.toMatch(/dd0123456789|secretsmanager/);
  });

  it.each([
    [
      'a deleted revision',
      new ClientException({ message: 'Unable to describe task definition.', $metadata: {} }),
      'ClientException: Unable to describe task definition.',
    ],
    [
      'denied access',
      new AccessDeniedException({
        message: 'User is not authorized to perform ecs:DescribeTaskDefinition',
        $metadata: {},
      }),
      'AccessDeniedException: User is not authorized to perform ecs:DescribeTaskDefinition',
    ],
  ])('records %s as unavailable with the reason', async (_label, error, reason) => {
    ecs.on(DescribeTaskDefinitionCommand).rejects(error);

    const info = await source.describeTaskDefinition(ARN);

    expect(info).toEqual({ status: 'unavailable', taskDefinitionArn: ARN, reason, describedAt: NOW });
  });

  it('records an empty answer as unavailable', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves({});

    const info = await source.describeTaskDefinition(ARN);

    expect(info).toMatchObject({ status: 'unavailable', reason: 'ECS returned no task definition' });
  });

  it.each([
    ['throttling', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })],
    ['a server error', new ServerException({ message: 'internal error', $metadata: {} })],
    ['a network fault', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
  ])('rejects on %s so that the revision is described again later', async (_label, error) => {
    ecs.on(DescribeTaskDefinitionCommand).rejects(error);

    await expect(source.describeTaskDefinition(ARN)).rejects.toThrow(error.message);
  });
});
