import { readFileSync } from 'node:fs';
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  type GetLogEventsCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListTasksCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LIVE_TRACE_PAGE_LINES, LiveSource } from '../../lambda/cli/live-source.js';
import { openTracerSource } from '../../lambda/cli/open-source.js';
import type { TraceResponse } from '../../lambda/core/api-types.js';
import { InvalidInputError, TaskNotFoundError } from '../../lambda/core/errors.js';
import { DEFAULT_TRACE_PAGE_LINES } from '../../lambda/handlers/api.js';
import { parseTraceText, readExpectedTrace } from '../support/fake-tracer-api.js';
import { loadLogDriverFixture } from '../support/log-driver-fixtures.js';
import { runTracer } from './run-cli.js';

const ecs = mockClient(ECSClient);
const logs = mockClient(CloudWatchLogsClient);

const USER_STOPPED = '84b5991528504856a2f003b7da9b2b82';
const FAILED_PULL = '9f654c76cde14c7c85cf54dce087658a';
const ARN_PREFIX = 'arn:aws:ecs:ap-northeast-1:123456789012';
const metadata = { $metadata: {} };

/** The instant of a TASK line of a reference trace. */
function taskTime(taskId: typeof USER_STOPPED | typeof FAILED_PULL, message: string): Date {
  const line = parseTraceText(readExpectedTrace(taskId)).find(
    (l) => l.source === 'TASK' && l.message === message,
  );
  if (!line) throw new Error(`no ${message} line`);
  return new Date(line.epochMs);
}

function userStoppedTask(): Task {
  return {
    taskArn: `${ARN_PREFIX}:task/default/${USER_STOPPED}`,
    clusterArn: `${ARN_PREFIX}:cluster/default`,
    taskDefinitionArn: `${ARN_PREFIX}:task-definition/nginx:1`,
    group: 'family:nginx',
    launchType: 'FARGATE',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    version: 6,
    stopCode: 'UserInitiated',
    stoppedReason: 'Request stop task by user action.',
    createdAt: taskTime(USER_STOPPED, 'Created'),
    pullStartedAt: taskTime(USER_STOPPED, 'Pull started'),
    pullStoppedAt: taskTime(USER_STOPPED, 'Pull stopped'),
    startedAt: taskTime(USER_STOPPED, 'Started'),
    stoppingAt: taskTime(USER_STOPPED, 'Stopping'),
    executionStoppedAt: taskTime(USER_STOPPED, 'Execution stopped'),
    stoppedAt: taskTime(USER_STOPPED, 'Stopped'),
    containers: [{ name: 'nginx', image: 'nginx:latest', lastStatus: 'STOPPED', exitCode: 0 }],
  };
}

function failedPullTask(): Task {
  const reason = parseTraceText(readExpectedTrace(FAILED_PULL))
    .find((l) => l.message.startsWith('StoppedReason:'))
    ?.message.slice('StoppedReason:'.length);
  return {
    taskArn: `${ARN_PREFIX}:task/default/${FAILED_PULL}`,
    clusterArn: `${ARN_PREFIX}:cluster/default`,
    taskDefinitionArn: `${ARN_PREFIX}:task-definition/ngin:1`,
    group: 'family:ngin',
    launchType: 'FARGATE',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    version: 4,
    stopCode: 'TaskFailedToStart',
    ...(reason ? { stoppedReason: reason } : {}),
    createdAt: taskTime(FAILED_PULL, 'Created'),
    executionStoppedAt: taskTime(FAILED_PULL, 'Execution stopped'),
    stoppingAt: taskTime(FAILED_PULL, 'Stopping'),
    stoppedAt: taskTime(FAILED_PULL, 'Stopped'),
    containers: [{ name: 'nginx', image: 'ngin:latest', lastStatus: 'STOPPED' }],
  };
}

const awslogsDefinition = (family: string) => ({
  taskDefinition: {
    taskDefinitionArn: `${ARN_PREFIX}:task-definition/${family}:1`,
    containerDefinitions: [
      {
        name: 'nginx',
        essential: true,
        logConfiguration: {
          logDriver: 'awslogs' as const,
          options: {
            'awslogs-group': `/ecs/${family}`,
            'awslogs-stream-prefix': 'ecs',
            'awslogs-region': 'ap-northeast-1',
          },
        },
      },
    ],
  },
});

/** The nginx log events of the user-stopped example, served like GetLogEvents: in the window, then the end. */
function serveNginxLogs(input: GetLogEventsCommandInput) {
  if (input.nextToken) return { ...metadata, events: [], nextForwardToken: input.nextToken };
  const start = input.startTime ?? 0;
  const end = input.endTime ?? Number.MAX_SAFE_INTEGER;
  const events = parseTraceText(readExpectedTrace(USER_STOPPED))
    .filter((l) => l.source === 'CONTAINER:nginx' && l.epochMs >= start && l.epochMs < end)
    .map((l) => ({ timestamp: l.epochMs, message: l.message, ingestionTime: l.epochMs }));
  return { ...metadata, events, nextForwardToken: `f/${start}` };
}

/** Positions of `wanted` lines inside `lines`, in order; fails when one is missing or out of order. */
function expectInOrder(lines: readonly string[], wanted: readonly string[]) {
  let at = -1;
  for (const line of wanted) {
    const next = lines.indexOf(line, at + 1);
    expect(next, `missing or out of order: ${line}`).toBeGreaterThan(at);
    at = next;
  }
}

beforeEach(() => {
  ecs.reset();
  logs.reset();
});

describe('tracer --live: traces straight from ECS and CloudWatch Logs', () => {
  it('prints the user-stopped reference trace, then the closing status line of the container', async () => {
    // Prepare
    ecs.on(DescribeTasksCommand, { cluster: 'default', tasks: [USER_STOPPED] }).resolves({
      ...metadata,
      tasks: [userStoppedTask()],
    });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ ...metadata, ...awslogsDefinition('nginx') });
    logs.on(GetLogEventsCommand).callsFake(serveNginxLogs);

    // Act
    const run = await runTracer(['--live', 'default', USER_STOPPED], { localTimeZone: 'Asia/Tokyo' });

    // Assess
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      `${readExpectedTrace(USER_STOPPED)}2021-11-27T02:02:33.559+09:00\tCONTAINER:nginx\tSTOPPED (exit code: 0)\n`,
    );
    expect(run.code).toBe(0);
    const reads = logs.commandCalls(GetLogEventsCommand).map((c) => c.args[0].input);
    expect(reads[0]).toMatchObject({
      logGroupName: '/ecs/nginx',
      logStreamName: `ecs/nginx/${USER_STOPPED}`,
      startFromHead: true,
      limit: 10_000,
    });
  });

  it('prints the failed-pull reference lines with a notice for the missing stream and the diagnosis', async () => {
    // Prepare
    ecs.on(DescribeTasksCommand).resolves({ ...metadata, tasks: [failedPullTask()] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ ...metadata, ...awslogsDefinition('ngin') });
    logs.on(GetLogEventsCommand).rejects(
      Object.assign(new Error('The specified log stream does not exist.'), {
        name: 'ResourceNotFoundException',
      }),
    );
    logs.on(DescribeLogGroupsCommand).resolves({ ...metadata, logGroups: [{ logGroupName: '/ecs/ngin' }] });

    // Act
    const run = await runTracer(['--live', 'default', FAILED_PULL], { localTimeZone: 'Asia/Tokyo' });

    // Assess
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expectInOrder(lines, readExpectedTrace(FAILED_PULL).trimEnd().split('\n'));
    const notices = lines.filter((l) => l.includes('\tTRACER\t'));
    expect(notices).toHaveLength(2);
    expect(notices[0]).toMatch(
      new RegExp(
        `^2021-11-27T02:29:15\\.055\\+09:00\\tTRACER\\t.*log stream ecs/nginx/${FAILED_PULL} does not exist`,
      ),
    );
    expect(notices[1]).toMatch(/^2021-11-27T02:29:57\.070\+09:00\tTRACER\tDiagnosis \(image-pull\): /);
  });

  it('prints the JSON trace of a live task with its failure', async () => {
    // Prepare
    ecs.on(DescribeTasksCommand).resolves({ ...metadata, tasks: [failedPullTask()] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ ...metadata, ...awslogsDefinition('ngin') });
    logs.on(GetLogEventsCommand).rejects(
      Object.assign(new Error('The specified log stream does not exist.'), {
        name: 'ResourceNotFoundException',
      }),
    );

    // Act
    const run = await runTracer(['--live', '--json', 'default', FAILED_PULL]);

    // Assess
    const trace = JSON.parse(run.stdout) as TraceResponse;
    expect(trace.task).toMatchObject({
      taskId: FAILED_PULL,
      source: 'live',
      stopCode: 'TaskFailedToStart',
      failure: { failed: true, kind: 'image-pull' },
    });
    expect(trace.lines[0]).toEqual({
      timestamp: '2021-11-26T17:29:15.055Z',
      epochMs: Date.parse('2021-11-26T17:29:15.055Z'),
      source: 'TASK',
      message: 'Created',
      kind: 'transition',
    });
  });

  it('reads the recent events of the service of a service task', async () => {
    // Prepare
    const task = { ...userStoppedTask(), group: 'service:nginx-local' };
    ecs.on(DescribeTasksCommand).resolves({ ...metadata, tasks: [task] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ ...metadata, ...awslogsDefinition('nginx') });
    ecs.on(DescribeServicesCommand, { cluster: 'default', services: ['nginx-local'] }).resolves({
      ...metadata,
      services: [
        {
          serviceName: 'nginx-local',
          status: 'ACTIVE',
          events: [
            {
              id: 'e1',
              createdAt: new Date(Date.parse('2021-11-26T16:49:42.000Z')),
              message: '(service nginx-local) has started 1 tasks: (task 84b5991528504856a2f003b7da9b2b82).',
            },
          ],
        },
      ],
    });
    logs.on(GetLogEventsCommand).callsFake(serveNginxLogs);

    // Act
    const run = await runTracer(['--live', '--tz', 'UTC', 'default', USER_STOPPED]);

    // Assess
    expect(run.stdout.split('\n').slice(0, 2)).toEqual([
      '2021-11-26T16:49:41.251Z\tTASK\tCreated',
      '2021-11-26T16:49:42.000Z\tSERVICE\t(service nginx-local) has started 1 tasks: (task 84b5991528504856a2f003b7da9b2b82).',
    ]);
  });
});

describe('tracer --live: a FireLens task', () => {
  const fixture = loadLogDriverFixture('fireLens');

  /** The stopped task as DescribeTasks returns it: the last event's detail, with times as dates. */
  function fireLensTask(): Task {
    const detail = (fixture.events.at(-1) as { detail: Record<string, unknown> }).detail;
    const dated = Object.fromEntries(
      Object.entries(detail).map(([key, value]) => [
        key,
        key.endsWith('At') ? new Date(String(value)) : value,
      ]),
    );
    return dated as unknown as Task;
  }

  /** GetLogEvents over the fixture's streams: the events of the window, then the repeated token. */
  function serveFixtureLogs(input: GetLogEventsCommandInput) {
    if (input.nextToken) return { ...metadata, events: [], nextForwardToken: input.nextToken };
    const stream = fixture.streams.find(
      (s) => s.logGroup === input.logGroupName && s.logStream === input.logStreamName,
    );
    if (!stream) {
      throw Object.assign(new Error('The specified log stream does not exist.'), {
        name: 'ResourceNotFoundException',
      });
    }
    const start = input.startTime ?? 0;
    const end = input.endTime ?? Number.MAX_SAFE_INTEGER;
    const events = stream.events
      .filter((e) => e.timestamp >= start && e.timestamp < end)
      .map((e) => ({ ...e, ingestionTime: e.timestamp }));
    return { ...metadata, events, nextForwardToken: `f/${start}` };
  }

  beforeEach(() => {
    ecs.on(DescribeTasksCommand, { cluster: 'test', tasks: [fixture.taskId] }).resolves({
      ...metadata,
      tasks: [fireLensTask()],
    });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ ...metadata, ...fixture.describeTaskDefinition });
    ecs.on(DescribeServicesCommand).resolves({ ...metadata, services: [] });
    logs.on(GetLogEventsCommand).callsFake(serveFixtureLogs);
  });

  it('prints the golden FireLens trace, app lines from the records of its own stream', async () => {
    // Act
    const run = await runTracer(['--live', '--tz', 'UTC', 'test', fixture.taskId]);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(readFileSync(fixture.goldenPath, 'utf8'));
    const streams = logs.commandCalls(GetLogEventsCommand).map((c) => c.args[0].input.logStreamName);
    expect(new Set(streams)).toEqual(
      new Set([`firelens/log_router/${fixture.taskId}`, `from-fluent-bit-app-firelens-${fixture.taskId}`]),
    );
  });

  it('keeps the fields of the records in the JSON trace', async () => {
    // Act
    const run = await runTracer(['--live', '--json', 'test', fixture.taskId]);

    // Assess
    const trace = JSON.parse(run.stdout) as TraceResponse;
    const app = trace.lines.filter((l) => l.source === 'CONTAINER:app' && l.kind === 'log');
    expect(app).toHaveLength(7);
    expect(app.every((l) => l.fields?.ecs_task_arn === fireLensTask().taskArn)).toBe(true);
  });
});

describe('tracer --live: clusters and tasks', () => {
  it('lists every page of the clusters', async () => {
    // Prepare
    ecs
      .on(ListClustersCommand)
      .resolvesOnce({ ...metadata, clusterArns: [`${ARN_PREFIX}:cluster/prod`], nextToken: 'page-2' })
      .resolvesOnce({ ...metadata, clusterArns: [`${ARN_PREFIX}:cluster/default`] });

    // Act
    const run = await runTracer(['--live']);

    // Assess
    expect(run).toEqual({
      code: 0,
      stdout:
        `default\t123456789012\tap-northeast-1\t${ARN_PREFIX}:cluster/default\n` +
        `prod\t123456789012\tap-northeast-1\t${ARN_PREFIX}:cluster/prod\n`,
      stderr: '',
    });
    expect(ecs.commandCalls(ListClustersCommand)[1]?.args[0].input).toEqual({
      maxResults: 100,
      nextToken: 'page-2',
    });
  });

  it('lists running, pending and stopped tasks, describing them 100 at a time, newest first', async () => {
    // Prepare
    const stoppedArns = Array.from(
      { length: 150 },
      (_, i) => `${ARN_PREFIX}:task/default/${String(i).padStart(32, '0')}`,
    );
    ecs.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).resolves({ ...metadata, taskArns: [] });
    ecs.on(ListTasksCommand, { desiredStatus: 'PENDING' }).resolves({ ...metadata, taskArns: [] });
    ecs
      .on(ListTasksCommand, { desiredStatus: 'STOPPED' })
      .resolvesOnce({ ...metadata, taskArns: stoppedArns.slice(0, 100), nextToken: 'more' })
      .resolvesOnce({ ...metadata, taskArns: stoppedArns.slice(100) });
    ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
      ...metadata,
      tasks: input.tasks.map((taskArn) => ({
        taskArn,
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        taskDefinitionArn: `${ARN_PREFIX}:task-definition/web:7`,
        createdAt: new Date(Date.parse('2024-05-01T00:00:00Z') + Number(taskArn.slice(-3)) * 1000),
        group: 'service:web',
        launchType: 'FARGATE',
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Scaling activity\tinitiated',
        containers: [],
      })),
    }));

    // Act
    const run = await runTracer(['--live', '--tz', 'UTC', '--limit', '1000', 'default']);

    // Assess
    const describeBatches = ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input.tasks?.length);
    expect(describeBatches).toEqual([100, 50]);
    const rows = run.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(150);
    expect(rows[0]).toBe(
      `${'0'.repeat(29)}149\tweb:7\tSTOPPED\tSTOPPED\t2024-05-01T00:02:29Z\tservice:web\tFARGATE\tServiceSchedulerInitiated\tScaling activity initiated`,
    );
    expect(rows[149]?.startsWith(`${'0'.repeat(32)}\t`)).toBe(true);
  });

  it('filters failed tasks and pages with a cursor', async () => {
    // Prepare
    // The general answer first: aws-sdk-client-mock lets later, more specific matchers win.
    ecs.on(ListTasksCommand).resolves({ ...metadata, taskArns: [] });
    ecs.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({
      ...metadata,
      taskArns: [userStoppedTask().taskArn ?? '', failedPullTask().taskArn ?? ''],
    });
    ecs.on(DescribeTasksCommand).resolves({ ...metadata, tasks: [userStoppedTask(), failedPullTask()] });

    // Act
    const failed = await runTracer(['--live', 'default', '--failed']);
    const firstPage = await runTracer(['--live', 'default', '--limit', '1']);
    const secondPage = await runTracer(['--live', 'default', '--limit', '1', '--cursor', 'live:1']);

    // Assess
    expect(failed.stdout.split('\t')[0]).toBe(FAILED_PULL);
    expect(failed.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(firstPage.stdout.split('\t')[0]).toBe(FAILED_PULL);
    expect(firstPage.stderr).toBe('tracer: more tasks follow; for the next page add --cursor live:1\n');
    expect(secondPage.stdout.split('\t')[0]).toBe(USER_STOPPED);
    expect(secondPage.stderr).toBe('');
  });
});

describe('tracer --live: failures', () => {
  it('fails with one line for a task that ECS does not know', async () => {
    // Prepare
    ecs.on(DescribeTasksCommand).resolves({
      ...metadata,
      tasks: [],
      failures: [{ arn: `${ARN_PREFIX}:task/default/${FAILED_PULL}`, reason: 'MISSING' }],
    });

    // Act
    const run = await runTracer(['--live', 'default', FAILED_PULL]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `tracer: task ${FAILED_PULL} not found in cluster default; ECS forgets a task about an hour after it stops, the tracer API keeps it\n`,
    );
  });

  it('fails with one line when IAM denies ListTasks', async () => {
    // Prepare
    ecs.on(ListTasksCommand).rejects(
      Object.assign(new Error('User: x is not authorized to perform: ecs:ListTasks'), {
        name: 'AccessDeniedException',
      }),
    );

    // Act
    const run = await runTracer(['--live', 'default']);

    // Assess
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'tracer: access denied by ECS: the caller needs ecs:ListTasks\n',
    });
  });

  it('fails with one line for a cluster that ECS does not have', async () => {
    // Prepare
    ecs
      .on(ListTasksCommand)
      .rejects(Object.assign(new Error('Cluster not found.'), { name: 'ClusterNotFoundException' }));

    // Act
    const run = await runTracer(['--live', 'nope']);

    // Assess
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'tracer: ECS has no cluster nope in this region; check CLUSTER and --region\n',
    });
  });

  it('fails with one line when the credentials expired', async () => {
    // Prepare
    ecs.on(ListClustersCommand).rejects(
      Object.assign(new Error('The security token included in the request is expired'), {
        name: 'ExpiredTokenException',
      }),
    );

    // Act
    const run = await runTracer(['--live']);

    // Assess
    expect(run.stderr).toBe(
      'tracer: AWS credentials have expired; run aws sso login (or refresh them) and retry\n',
    );
  });
});

describe('LiveSource.getTask', () => {
  it('returns the task summary with its failure and which containers are essential', async () => {
    // Prepare
    ecs.on(DescribeTasksCommand).resolves({ ...metadata, tasks: [failedPullTask()] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ ...metadata, ...awslogsDefinition('ngin') });
    const source = LiveSource.create({ region: 'ap-northeast-1' });

    // Act
    const task = await source.getTask({ name: 'default' }, FAILED_PULL);
    source.close();

    // Assess
    expect(task).toMatchObject({
      cluster: 'default',
      taskId: FAILED_PULL,
      taskDefinition: 'ngin:1',
      lastStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      source: 'live',
      containers: [{ name: 'nginx', essential: true }],
      failure: { failed: true, kind: 'image-pull' },
    });
  });

  it('fails with TaskNotFoundError for a task that ECS does not know', async () => {
    // Prepare
    ecs.on(DescribeTasksCommand).resolves({ ...metadata, tasks: [] });
    const source = LiveSource.create({});

    // Act
    const act = source.getTask({ name: 'default' }, FAILED_PULL);

    // Assess
    await expect(act).rejects.toBeInstanceOf(TaskNotFoundError);
  });
});

describe('--live with a cluster of another region or account', () => {
  const sts = mockClient(STSClient);
  beforeEach(() => {
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ ...metadata, Account: '123456789012' });
  });

  it("reads a cluster ARN's task in the ARN's region, and a bare name in --region", async () => {
    // Prepare
    ecs.on(DescribeTasksCommand).resolves({ ...metadata, tasks: [failedPullTask()] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ ...metadata, ...awslogsDefinition('ngin') });
    const source = await openTracerSource({ selection: { kind: 'live' }, region: 'ap-northeast-1' });

    // Act
    await source.getTask({ name: 'default', account: '123456789012', region: 'eu-west-1' }, FAILED_PULL);
    await source.getTask({ name: 'default' }, FAILED_PULL);
    const regions = await Promise.all(
      ecs.commandCalls(DescribeTasksCommand).map((call) => (call.thisValue as ECSClient).config.region()),
    );
    source.close();

    // Assess
    expect(regions).toEqual(['eu-west-1', 'ap-northeast-1']);
  });

  it("refuses a cluster of another account than the credentials', naming both, without asking ECS", async () => {
    // Prepare
    const source = await openTracerSource({ selection: { kind: 'live' }, region: 'ap-northeast-1' });

    // Act
    const act = source.getTask(
      { name: 'default', account: '222233334444', region: 'eu-west-1' },
      FAILED_PULL,
    );

    // Assess
    await expect(act).rejects.toBeInstanceOf(InvalidInputError);
    await expect(act).rejects.toThrow(
      'cluster default is in account 222233334444, but --live reads with the credentials of account 123456789012: choose a profile of that account with --profile, or read it through the tracer API (--endpoint or --stack)',
    );
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    source.close();
  });
});

describe('LiveSource trace pages', () => {
  it('pages a live trace with as many lines as the API pages its traces', () => {
    // Assess
    expect(LIVE_TRACE_PAGE_LINES).toBe(DEFAULT_TRACE_PAGE_LINES);
  });
});
