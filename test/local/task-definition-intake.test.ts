import { describe, expect, it } from 'vitest';
import {
  InvalidTaskDefinitionError,
  parseTaskDefinitions,
} from '../../lambda/local/task-definition-intake.js';

const ARN = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7';
const AT = '2024-06-01T00:00:00.000Z';

const describeOutput = {
  taskDefinition: {
    taskDefinitionArn: ARN,
    containerDefinitions: [
      {
        name: 'web',
        essential: true,
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': '/ecs/web',
            'awslogs-stream-prefix': 'ecs',
            'awslogs-region': 'eu-west-1',
          },
        },
      },
      { name: 'router', essential: false, logConfiguration: { logDriver: 'awsfirelens', options: {} } },
      { name: 'sidecar' },
    ],
  },
};

describe('parseTaskDefinitions', () => {
  it('reads what aws ecs describe-task-definition prints into the log configuration tracer keeps', () => {
    expect(parseTaskDefinitions(describeOutput, AT)).toEqual([
      {
        status: 'described',
        taskDefinitionArn: ARN,
        describedAt: AT,
        containers: [
          {
            containerName: 'web',
            logDriver: 'awslogs',
            logGroup: '/ecs/web',
            streamPrefix: 'ecs',
            region: 'eu-west-1',
            logOptions: {
              'awslogs-group': '/ecs/web',
              'awslogs-stream-prefix': 'ecs',
              'awslogs-region': 'eu-west-1',
            },
            essential: true,
          },
          { containerName: 'router', logDriver: 'awsfirelens', logOptions: {}, essential: false },
          { containerName: 'sidecar', essential: true },
        ],
      },
    ]);
  });

  it('reads a bare task definition and an array of them', () => {
    // Act
    const infos = parseTaskDefinitions([describeOutput.taskDefinition, describeOutput], AT);

    // Assess
    expect(infos.map((info) => info.taskDefinitionArn)).toEqual([ARN, ARN]);
  });

  it.each<[string, unknown, string[]]>([
    ['an empty array', [], ['the body is an empty array']],
    ['a number', 7, ['expected a task definition, as aws ecs describe-task-definition prints it']],
    [
      'a family without its revision',
      {
        taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web',
        containerDefinitions: [{ name: 'a' }],
      },
      ['taskDefinitionArn must be a task definition ARN with its revision'],
    ],
    [
      'no containers',
      { taskDefinitionArn: ARN, containerDefinitions: [] },
      ['containerDefinitions must list the containers'],
    ],
    [
      'a container without a name',
      [{ taskDefinitionArn: ARN, containerDefinitions: [{ image: 'x' }] }],
      ['item 1: containerDefinitions[0] must have a name'],
    ],
  ])('rejects %s', (_name, body, problems) => {
    // Act
    let error: unknown;
    try {
      parseTaskDefinitions(body, AT);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(InvalidTaskDefinitionError);
    expect((error as InvalidTaskDefinitionError).problems).toEqual(problems);
  });
});
