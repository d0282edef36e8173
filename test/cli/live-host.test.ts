import {
  CloudWatchLogsClient,
  GetLogEventsCommand,
  type GetLogEventsCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadLogDriverFixture } from '../support/log-driver-fixtures.js';
import { runTracer } from './run-cli.js';

const ecs = mockClient(ECSClient);
const logs = mockClient(CloudWatchLogsClient);
const metadata = { $metadata: {} };
const fixture = loadLogDriverFixture('hostDrained');
const CONTAINER_INSTANCE_ARN =
  'arn:aws:ecs:eu-west-1:0123456789:container-instance/Features/0c304770a74540689f5bf39622b3d781';

/** The stopped task as DescribeTasks returns it: the task event's detail, with times as dates. */
function drainedTask(): Task {
  const event = fixture.events.find(
    (e) => (e as Record<string, unknown>)['detail-type'] === 'ECS Task State Change',
  ) as { detail: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(event.detail).map(([key, value]) => [
      key,
      key.endsWith('At') ? new Date(String(value)) : value,
    ]),
  ) as unknown as Task;
}

function serveFixtureLogs(input: GetLogEventsCommandInput) {
  if (input.nextToken) return { ...metadata, events: [], nextForwardToken: input.nextToken };
  const stream = fixture.streams.find(
    (s) => s.logGroup === input.logGroupName && s.logStream === input.logStreamName,
  );
  const start = input.startTime ?? 0;
  const end = input.endTime ?? Number.MAX_SAFE_INTEGER;
  const events = (stream?.events ?? [])
    .filter((e) => e.timestamp >= start && e.timestamp < end)
    .map((e) => ({ ...e, ingestionTime: e.timestamp }));
  return { ...metadata, events, nextForwardToken: `f/${start}` };
}

beforeEach(() => {
  ecs.reset();
  logs.reset();
  ecs.on(DescribeTasksCommand).resolves({ ...metadata, tasks: [drainedTask()] });
  ecs.on(DescribeTaskDefinitionCommand).resolves({ ...metadata, ...fixture.describeTaskDefinition });
  ecs.on(DescribeServicesCommand).resolves({ ...metadata, services: [] });
  logs.on(GetLogEventsCommand).callsFake(serveFixtureLogs);
});

describe('tracer --live: the host of an EC2 task', () => {
  it('shows the container instance as ECS reports it now, and names the drain', async () => {
    // Prepare
    ecs.on(DescribeContainerInstancesCommand).resolves({
      ...metadata,
      containerInstances: [
        {
          containerInstanceArn: CONTAINER_INSTANCE_ARN,
          ec2InstanceId: 'i-0a1b2c3d4e5f60789',
          status: 'DRAINING',
          agentConnected: true,
          version: 14804,
        },
      ],
    });

    // Act
    const run = await runTracer(['--live', '--tz', 'UTC', 'Features', fixture.taskId]);

    // Assess
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toContain(
      '2020-06-05T12:17:11.696Z\tINSTANCE\tDRAINING (i-0a1b2c3d4e5f60789) (as ECS reports it now)',
    );
    expect(lines.at(-1)).toMatch(/^2020-06-05T12:17:11\.696Z\tTRACER\tDiagnosis \(host-drained\): /);
    expect(ecs.commandCalls(DescribeContainerInstancesCommand)[0]?.args[0].input).toEqual({
      cluster: 'Features',
      containerInstances: ['0c304770a74540689f5bf39622b3d781'],
    });
  });

  it('prints the trace without INSTANCE lines once ECS no longer knows the container instance', async () => {
    // Prepare
    ecs.on(DescribeContainerInstancesCommand).resolves({
      ...metadata,
      containerInstances: [],
      failures: [{ arn: CONTAINER_INSTANCE_ARN, reason: 'MISSING' }],
    });

    // Act
    const run = await runTracer(['--live', '--tz', 'UTC', 'Features', fixture.taskId]);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain('\tINSTANCE\t');
    expect(run.stdout).toContain('\tCONTAINER:Webapp\t');
  });

  it('says so in a notice when tracer may not describe container instances', async () => {
    // Prepare
    ecs.on(DescribeContainerInstancesCommand).rejects(
      Object.assign(new Error('not authorized to perform: ecs:DescribeContainerInstances'), {
        name: 'AccessDeniedException',
      }),
    );

    // Act
    const run = await runTracer(['--live', '--tz', 'UTC', 'Features', fixture.taskId]);

    // Assess
    expect(run.stdout).toMatch(
      /\tTRACER\tthe history of container instance 0c304770a74540689f5bf39622b3d781 could not be read \(access denied\)/,
    );
  });
});
