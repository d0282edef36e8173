import { DescribeTasksCommand, ECSClient, type Task } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EcsLiveTaskSource,
  LIVE_EVENT_ID,
  toTaskSummary,
} from '../../lambda/adapters/ecs/ecs-live-task-source.js';
import { AccessDeniedError, ReadRoleError, ThrottledError } from '../../lambda/core/errors.js';

const ecs = mockClient(ECSClient);
const TASK_ID = '834a5628bef14f2dbb81c7bc0b272160';
const TASK_ARN = `arn:aws:ecs:ap-northeast-1:123456789012:task/default/${TASK_ID}`;

/** A DescribeTasks answer for the replaced service task of the reference examples. */
function stoppedTask(overrides: Partial<Task> = {}): Task {
  return {
    taskArn: TASK_ARN,
    clusterArn: 'arn:aws:ecs:ap-northeast-1:123456789012:cluster/default',
    taskDefinitionArn: 'arn:aws:ecs:ap-northeast-1:123456789012:task-definition/nginx-local:3',
    group: 'service:nginx-local',
    launchType: 'FARGATE',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    version: 6,
    stopCode: 'ServiceSchedulerInitiated',
    stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/8709920613704280865)',
    createdAt: new Date('2021-12-03T02:06:21.633Z'),
    connectivityAt: new Date('2021-12-03T02:06:24.906Z'),
    pullStartedAt: new Date('2021-12-03T02:06:39.602Z'),
    pullStoppedAt: new Date('2021-12-03T02:06:46.366Z'),
    startedAt: new Date('2021-12-03T02:06:46.768Z'),
    stoppingAt: new Date('2021-12-03T02:22:28.910Z'),
    executionStoppedAt: new Date('2021-12-03T02:22:40.527Z'),
    stoppedAt: new Date('2021-12-03T02:23:04.873Z'),
    containers: [
      {
        name: 'nginx',
        image: 'nginx:1.21.4',
        lastStatus: 'STOPPED',
        exitCode: 0,
        runtimeId: `${TASK_ID}-1`,
        healthStatus: 'UNKNOWN',
      },
    ],
    ...overrides,
  };
}

function awsError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

afterEach(() => {
  ecs.reset();
});

describe('EcsLiveTaskSource of a cluster in another account', () => {
  const SOURCE_CLUSTER = 'arn:aws:ecs:ap-northeast-1:222233334444:cluster/default';
  const ROLE = 'arn:aws:iam::222233334444:role/tracer-read-ap-northeast-1';
  const own = new ECSClient({ region: 'us-east-1' });
  const theirs = new ECSClient({ region: 'ap-northeast-1' });
  const accounts = {
    ecs: (scope?: { account: string }) => (scope?.account === '222233334444' ? theirs : own),
    readRoleOf: (scope?: { account: string }) => (scope?.account === '222233334444' ? ROLE : undefined),
  };

  it('describes the task with the client of the account and region its cluster ARN names', async () => {
    // Prepare
    const clients: unknown[] = [];
    ecs.on(DescribeTasksCommand).callsFake((_input, getClient) => {
      clients.push(getClient());
      return { tasks: [stoppedTask({ clusterArn: SOURCE_CLUSTER })], failures: [] };
    });

    // Act
    const summary = await new EcsLiveTaskSource(own, accounts).describeTask(SOURCE_CLUSTER, TASK_ID);

    // Assess
    expect(clients).toEqual([theirs]);
    expect(ecs.commandCalls(DescribeTasksCommand)[0]?.args[0].input.cluster).toBe(SOURCE_CLUSTER);
    expect(summary?.clusterName).toBe('default');
  });

  it('describes a recorded cluster of another account by ARN with its client, and the home cluster by name with its own', async () => {
    // Prepare
    const clients: unknown[] = [];
    ecs.on(DescribeTasksCommand).callsFake((_input, getClient) => {
      clients.push(getClient());
      return { tasks: [stoppedTask({ clusterArn: SOURCE_CLUSTER })], failures: [] };
    });
    const source = new EcsLiveTaskSource(own, accounts);

    // Act
    await source.describeTask(
      { account: '222233334444', region: 'ap-northeast-1', name: 'default' },
      TASK_ID,
    );
    await source.describeTask({ account: '111122223333', region: 'us-east-1', name: 'default' }, TASK_ID);

    // Assess
    expect(clients).toEqual([theirs, own]);
    expect(ecs.commandCalls(DescribeTasksCommand).map((call) => call.args[0].input.cluster)).toEqual([
      SOURCE_CLUSTER,
      'default',
    ]);
  });

  it('fails with a ReadRoleError naming the role when the read role may not describe tasks', async () => {
    // Prepare
    ecs
      .on(DescribeTasksCommand)
      .rejects(awsError('AccessDeniedException', 'User: arn:aws:sts::1:assumed-role/x'));

    // Act
    const error = await new EcsLiveTaskSource(own, accounts)
      .describeTask(SOURCE_CLUSTER, TASK_ID)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ReadRoleError);
    expect((error as ReadRoleError).message).toBe(`the read role ${ROLE} was denied (AccessDeniedException)`);
  });
});

describe('EcsLiveTaskSource', () => {
  it('describes one task and maps it to a summary with ISO timestamps', async () => {
    // Prepare
    ecs.on(DescribeTasksCommand).resolves({ tasks: [stoppedTask()], failures: [] });

    // Act
    const summary = await new EcsLiveTaskSource(new ECSClient({})).describeTask('default', TASK_ID);

    // Assess
    expect(ecs.commandCalls(DescribeTasksCommand)[0]?.args[0].input).toEqual({
      cluster: 'default',
      tasks: [TASK_ID],
    });
    expect(summary).toEqual({
      eventId: LIVE_EVENT_ID,
      eventTime: '2021-12-03T02:23:04.873Z',
      region: 'ap-northeast-1',
      account: '123456789012',
      clusterArn: 'arn:aws:ecs:ap-northeast-1:123456789012:cluster/default',
      clusterName: 'default',
      taskArn: TASK_ARN,
      taskId: TASK_ID,
      version: 6,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/8709920613704280865)',
      group: 'service:nginx-local',
      launchType: 'FARGATE',
      taskDefinitionArn: 'arn:aws:ecs:ap-northeast-1:123456789012:task-definition/nginx-local:3',
      createdAt: '2021-12-03T02:06:21.633Z',
      connectivityAt: '2021-12-03T02:06:24.906Z',
      pullStartedAt: '2021-12-03T02:06:39.602Z',
      pullStoppedAt: '2021-12-03T02:06:46.366Z',
      startedAt: '2021-12-03T02:06:46.768Z',
      stoppingAt: '2021-12-03T02:22:28.910Z',
      executionStoppedAt: '2021-12-03T02:22:40.527Z',
      stoppedAt: '2021-12-03T02:23:04.873Z',
      containers: [
        {
          name: 'nginx',
          image: 'nginx:1.21.4',
          lastStatus: 'STOPPED',
          exitCode: 0,
          runtimeId: `${TASK_ID}-1`,
          healthStatus: 'UNKNOWN',
        },
      ],
    });
  });

  it('returns undefined for a task ECS reports MISSING', async () => {
    ecs.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: TASK_ARN, reason: 'MISSING' }] });
    await expect(
      new EcsLiveTaskSource(new ECSClient({})).describeTask('default', TASK_ID),
    ).resolves.toBeUndefined();
  });

  it.each(['ClusterNotFoundException', 'InvalidParameterException'])(
    'returns undefined when ECS answers %s',
    async (name) => {
      ecs.on(DescribeTasksCommand).rejects(awsError(name));
      await expect(
        new EcsLiveTaskSource(new ECSClient({})).describeTask('gone', TASK_ID),
      ).resolves.toBeUndefined();
    },
  );

  it.each([
    [
      'AccessDeniedException',
      AccessDeniedError,
      /tracer may not describe tasks in cluster default \(ecs:DescribeTasks\)/,
    ],
    ['ThrottlingException', ThrottledError, /ECS kept throttling DescribeTasks/],
  ])('fails with a named error when ECS answers %s', async (name, errorClass, message) => {
    ecs.on(DescribeTasksCommand).rejects(awsError(name));
    const failure = new EcsLiveTaskSource(new ECSClient({})).describeTask('default', TASK_ID);
    await expect(failure).rejects.toBeInstanceOf(errorClass);
    await expect(failure).rejects.toThrow(message);
  });

  it('rethrows what it cannot name', async () => {
    ecs.on(DescribeTasksCommand).rejects(awsError('ServerException', 'internal'));
    await expect(new EcsLiveTaskSource(new ECSClient({})).describeTask('default', TASK_ID)).rejects.toThrow(
      'internal',
    );
  });
});

describe('toTaskSummary', () => {
  it('redacts and bounds reasons', () => {
    const summary = toTaskSummary(
      stoppedTask({
        stoppedReason: `CannotPullContainerError: https://bucket.s3.amazonaws.com/layer?X-Amz-Signature=abc ${'x'.repeat(5000)}`,
        containers: [{ name: 'nginx', reason: 'password=hunter2' }],
      }),
      'default',
    );
    expect(summary?.stoppedReason).toContain('X-Amz-Signature=[REDACTED]');
    expect(summary?.stoppedReason?.length).toBeLessThanOrEqual(4096);
    expect(summary?.containers[0]?.reason).toBe('password=[REDACTED]');
  });

  it('takes the cluster from an old-format task ARN’s request when ECS names none', () => {
    const summary = toTaskSummary(
      stoppedTask({
        taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/037d58fc-e5f6-4e95-ac1f-3ce533bb2abb',
        clusterArn: undefined,
      }),
      'legacy',
    );
    expect(summary?.clusterName).toBe('legacy');
    expect(summary?.clusterArn).toBe('arn:aws:ecs:us-east-1:123456789012:cluster/legacy');
    expect(summary?.taskId).toBe('037d58fc-e5f6-4e95-ac1f-3ce533bb2abb');
  });

  it.each([
    ['no task ARN', { taskArn: undefined }],
    ['no last status', { lastStatus: undefined }],
    ['an ARN that is not a task', { taskArn: 'arn:aws:ecs:us-east-1:1:cluster/x' }],
  ])('skips a task with %s', (_name, overrides) => {
    expect(toTaskSummary(stoppedTask(overrides), 'default')).toBeUndefined();
  });
});
