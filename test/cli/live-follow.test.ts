/**
 * `tracer -f --live`: DescribeTasks once a poll, and GetLogEvents from each stream's forward token, with
 * aws-sdk-client-mock standing in for ECS and CloudWatch Logs.
 */
import {
  CloudWatchLogsClient,
  GetLogEventsCommand,
  type GetLogEventsCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LiveSource } from '../../lambda/cli/live-source.js';
import { decodeSinceCursor } from '../../lambda/core/follow.js';

const ecs = mockClient(ECSClient);
const logs = mockClient(CloudWatchLogsClient);
const metadata = { $metadata: {} };
const TASK_ID = '0123456789abcdef0123456789abcdef';
const ARN_PREFIX = 'arn:aws:ecs:ap-northeast-1:123456789012';
const STARTED_MS = Date.now() - 60_000;

function runningTask(overrides: Partial<Task> = {}): Task {
  return {
    taskArn: `${ARN_PREFIX}:task/default/${TASK_ID}`,
    clusterArn: `${ARN_PREFIX}:cluster/default`,
    taskDefinitionArn: `${ARN_PREFIX}:task-definition/migrate:1`,
    launchType: 'FARGATE',
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    version: 3,
    createdAt: new Date(STARTED_MS - 10_000),
    startedAt: new Date(STARTED_MS),
    containers: [{ name: 'app', lastStatus: 'RUNNING' }],
    ...overrides,
  };
}

const TASK_DEFINITION = {
  taskDefinition: {
    taskDefinitionArn: `${ARN_PREFIX}:task-definition/migrate:1`,
    containerDefinitions: [
      {
        name: 'app',
        essential: true,
        logConfiguration: {
          logDriver: 'awslogs' as const,
          options: {
            'awslogs-group': '/ecs/migrate',
            'awslogs-stream-prefix': 'ecs',
            'awslogs-region': 'ap-northeast-1',
          },
        },
      },
    ],
  },
};

describe('LiveSource since polls', () => {
  beforeEach(() => {
    ecs.reset();
    logs.reset();
    ecs.on(DescribeTaskDefinitionCommand).resolves({ ...metadata, ...TASK_DEFINITION });
    ecs.on(DescribeServicesCommand).resolves({ ...metadata, services: [] });
  });

  it('reads each stream on from its forward token, one GetLogEvents a poll, each line once', async () => {
    // Prepare
    ecs.on(DescribeTasksCommand).resolves({ ...metadata, tasks: [runningTask()] });
    // The first answer reads the windows (no token); the follow's reads carry tokens.
    logs.on(GetLogEventsCommand).callsFake((input: GetLogEventsCommandInput) => {
      if (input.nextToken === undefined && input.endTime !== undefined) {
        return {
          ...metadata,
          events: [{ timestamp: STARTED_MS + 1, message: 'starting' }],
          nextForwardToken: 'f/window',
        };
      }
      if (input.nextToken === undefined) {
        // The first forward read, from shortly before the first answer: the old line comes again.
        return {
          ...metadata,
          events: [
            { timestamp: STARTED_MS + 1, message: 'starting' },
            { timestamp: STARTED_MS + 2, message: 'step 1' },
          ],
          nextForwardToken: 'f/1',
        };
      }
      if (input.nextToken === 'f/1')
        return {
          ...metadata,
          events: [{ timestamp: STARTED_MS + 3, message: 'step 2' }],
          nextForwardToken: 'f/2',
        };
      return { ...metadata, events: [], nextForwardToken: input.nextToken };
    });
    const source = LiveSource.create({ region: 'ap-northeast-1' });

    // Act
    const first = await source.getTraceJson({ name: 'default' }, TASK_ID, {
      durationMs: 60_000,
      since: 'start',
    });
    const callsAfterFirst = logs.commandCalls(GetLogEventsCommand).length;
    const second = await source.getTraceJson({ name: 'default' }, TASK_ID, {
      durationMs: 60_000,
      since: first.sinceCursor ?? '',
    });
    const third = await source.getTraceJson({ name: 'default' }, TASK_ID, {
      durationMs: 60_000,
      since: second.sinceCursor ?? '',
    });
    const fourth = await source.getTraceJson({ name: 'default' }, TASK_ID, {
      durationMs: 60_000,
      since: third.sinceCursor ?? '',
    });
    source.close();

    // Assess
    expect(first.lines.map((l) => l.message)).toContain('starting');
    expect(second.lines.map((l) => l.message)).toEqual(['step 1']);
    expect(third.lines.map((l) => l.message)).toEqual(['step 2']);
    expect(fourth.lines).toEqual([]);
    const forward = logs
      .commandCalls(GetLogEventsCommand)
      .slice(callsAfterFirst)
      .map((c) => c.args[0].input);
    expect(forward).toHaveLength(3);
    expect(forward.map((input) => input.nextToken)).toEqual([undefined, 'f/1', 'f/2']);
    expect(forward.every((input) => input.startFromHead === true)).toBe(true);
    expect(Object.values(decodeSinceCursor(fourth.sinceCursor ?? '', 'trace').streams ?? {})).toEqual([
      expect.objectContaining({ token: 'f/2' }),
    ]);
  });

  it('answers the stop and its diagnosis once ECS reports the task STOPPED', async () => {
    // Prepare
    const stoppedAt = new Date(STARTED_MS + 5_000);
    ecs
      .on(DescribeTasksCommand)
      .resolvesOnce({ ...metadata, tasks: [runningTask()] })
      .resolves({
        ...metadata,
        tasks: [
          runningTask({
            lastStatus: 'STOPPED',
            desiredStatus: 'STOPPED',
            version: 5,
            stopCode: 'EssentialContainerExited',
            stoppedReason: 'Essential container in task exited',
            stoppingAt: stoppedAt,
            stoppedAt,
            containers: [{ name: 'app', lastStatus: 'STOPPED', exitCode: 1 }],
          }),
        ],
      });
    logs.on(GetLogEventsCommand).resolves({ ...metadata, events: [], nextForwardToken: 'f/same' });
    const source = LiveSource.create({ region: 'ap-northeast-1' });

    // Act
    const first = await source.getTraceJson({ name: 'default' }, TASK_ID, {
      durationMs: 60_000,
      since: 'start',
    });
    const second = await source.getTraceJson({ name: 'default' }, TASK_ID, {
      durationMs: 60_000,
      since: first.sinceCursor ?? '',
    });
    source.close();

    // Assess
    expect(second.task.lastStatus).toBe('STOPPED');
    expect(second.task.failure?.failed).toBe(true);
    expect(second.lines.map((l) => `${l.source} ${l.message}`)).toEqual(
      expect.arrayContaining([
        'TASK Stopped',
        'CONTAINER:app STOPPED (exit code: 1)',
        expect.stringMatching(/^TRACER Diagnosis \(essential-container-exited\)/),
      ]),
    );
    expect(second.lines.map((l) => l.message)).not.toContain('Created');
  });
});
