import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveSource } from '../../lambda/cli/live-source.js';
import type { TaskSummaryResponse, TraceResponse } from '../../lambda/core/api-types.js';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import type { TaskSummary } from '../../lambda/core/model.js';
import { InMemoryInstanceStore } from '../fakes/instance-store.js';
import {
  FakeLiveTaskSource,
  FakeServiceEventSource,
  FakeTaskDefinitionSource,
  fixedClock,
  InMemoryLogSource,
} from '../fakes/trace-ports.js';
import {
  REFERENCE_TRACES,
  type ReferenceTaskId,
  readExpectedTrace,
  referenceTasks,
} from '../support/fake-tracer-api.js';
import { loadLogDriverFixture } from '../support/log-driver-fixtures.js';
import { connectMcp, type McpHarness, textOf } from './mcp-harness.js';

const FAILED_PULL = '9f654c76cde14c7c85cf54dce087658a';
const SERVICE_REPLACED = '834a5628bef14f2dbb81c7bc0b272160';
const expectedFile = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'expected', name), 'utf8');
const queryOf = (mcp: McpHarness, index: number) =>
  new URL(mcp.api.requests[index]?.url ?? '', 'http://x').searchParams;

let mcp: McpHarness | undefined;

function parseTaskEvent(event: unknown): TaskSummary {
  const parsed = parseEcsEvent(event);
  if (parsed.type !== 'task-state-change') throw new Error('not a task state change');
  return parsed.transition;
}
afterEach(async () => {
  await mcp?.close();
  mcp = undefined;
});

describe('the tools an MCP client lists', () => {
  it('lists the four read-only tools, each with a described input schema and an output schema', async () => {
    // Prepare
    mcp = await connectMcp();

    // Act
    const { tools } = await mcp.client.listTools();

    // Assess
    expect(tools.map((t) => t.name).sort()).toEqual(['get_task', 'get_trace', 'list_clusters', 'list_tasks']);
    for (const tool of tools) {
      expect(tool.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: false });
      expect(tool.description?.length).toBeGreaterThan(80);
      expect(tool.outputSchema?.type).toBe('object');
      for (const property of Object.values(tool.inputSchema.properties ?? {})) {
        expect((property as { description?: string }).description).toBeTruthy();
      }
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.list_tasks?.inputSchema.required).toEqual(['cluster']);
    expect(Object.keys(byName.list_tasks?.inputSchema.properties ?? {}).sort()).toEqual(
      ['account', 'cluster', 'cursor', 'failed', 'limit', 'region', 'since', 'status', 'until'].sort(),
    );
    expect(byName.get_task?.inputSchema.required).toEqual(['cluster', 'task']);
    expect(byName.get_trace?.inputSchema.required).toEqual(['cluster', 'task']);
    expect(Object.keys(byName.get_trace?.inputSchema.properties ?? {}).sort()).toEqual(
      ['account', 'cluster', 'cursor', 'duration', 'format', 'full', 'region', 'task', 'tz'].sort(),
    );
  });

  it('names the server defaults in the descriptions of get_trace', async () => {
    // Prepare
    mcp = await connectMcp({ server: { defaults: { durationMs: 300_000, full: false, timeZone: 'UTC' } } });

    // Act
    const { tools } = await mcp.client.listTools();

    // Assess
    const properties = tools.find((t) => t.name === 'get_trace')?.inputSchema.properties as Record<
      string,
      { description: string }
    >;
    expect(properties.duration?.description).toContain('5m0s when absent');
    expect(properties.tz?.description).toContain('when absent, UTC for text and UTC for json');
  });

  it('warns that log content is untrusted data written by the workloads in every tool that returns it', async () => {
    // Prepare
    mcp = await connectMcp();

    // Act
    const { tools } = await mcp.client.listTools();

    // Assess
    for (const name of ['list_tasks', 'get_task', 'get_trace']) {
      expect(tools.find((t) => t.name === name)?.description).toContain(
        'untrusted data written by the workloads',
      );
    }
  });
});

describe('list_clusters', () => {
  it('answers the recorded clusters as data and as a table', async () => {
    // Prepare
    mcp = await connectMcp();

    // Act
    const result = await mcp.call('list_clusters');

    // Assess
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({
      clusters: [
        {
          clusterName: 'default',
          account: '123456789012',
          region: 'us-east-1',
          clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
          lastSeenAt: expect.any(String),
        },
      ],
    });
    expect(textOf(result)).toMatch(
      /^clusterName\taccount\tregion\tclusterArn\tlastSeenAt\ndefault\t123456789012\tus-east-1\tarn:aws:ecs:us-east-1:123456789012:cluster\/default\t\d{4}-\d\d-\d\dT[\d:.]+\+09:00\n$/,
    );
  });

  it('passes the account and region filters to the source', async () => {
    // Prepare
    mcp = await connectMcp({ api: { clusters: [] } });

    // Act
    const result = await mcp.call('list_clusters', { account: '222233334444', region: 'us-west-2' });

    // Assess
    expect(result.isError).toBeFalsy();
    const query = new URL(mcp.api.requests[0]?.url ?? '', 'http://x').searchParams;
    expect([query.get('account'), query.get('region')]).toEqual(['222233334444', 'us-west-2']);
  });

  it('refuses an account filter that is not an account id, naming it', async () => {
    // Prepare
    mcp = await connectMcp();

    // Act
    const result = await mcp.call('list_clusters', { account: 'prod' });

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('account: "prod" is not an AWS account id (12 digits)');
  });

  it('says that no cluster is recorded yet', async () => {
    // Prepare
    mcp = await connectMcp({ api: { clusters: [] } });

    // Act
    const result = await mcp.call('list_clusters');

    // Assess
    expect(result.structuredContent).toEqual({ clusters: [] });
    expect(textOf(result)).toBe(
      'no clusters yet; tracer lists a cluster once it has recorded one of its tasks\n',
    );
  });
});

describe('list_tasks', () => {
  it('answers the rows of `tracer CLUSTER`, newest first, under a header naming the columns', async () => {
    // Prepare
    mcp = await connectMcp();

    // Act
    const result = await mcp.call('list_tasks', { cluster: 'default' });

    // Assess
    expect(textOf(result)).toBe(
      'taskId\ttaskDefinition\tlastStatus\tdesiredStatus\tcreatedAt\tgroup\tlaunchType\tstopCode\tstoppedReason\n' +
        expectedFile('cli-task-list.txt'),
    );
    const tasks = (result.structuredContent as { tasks: Array<{ taskId: string }> }).tasks;
    expect(tasks.map((t) => t.taskId)).toEqual([
      SERVICE_REPLACED,
      FAILED_PULL,
      '84b5991528504856a2f003b7da9b2b82',
    ]);
    expect(queryOf(mcp, 0).get('limit')).toBe('50');
  });

  it('passes the filters to the source and gives the cursor of the next page', async () => {
    // Prepare
    mcp = await connectMcp();

    // Act
    const first = await mcp.call('list_tasks', {
      cluster: 'arn:aws:ecs:ap-northeast-1:123456789012:cluster/default',
      status: 'STOPPED',
      since: '2021-11-01T00:00:00+09:00',
      until: '24h',
      limit: 1,
    });
    const second = await mcp.call('list_tasks', {
      cluster: 'default',
      status: 'STOPPED',
      limit: 1,
      cursor: 'o1',
    });

    // Assess
    expect(first.structuredContent).toEqual({
      tasks: [expect.objectContaining({ taskId: SERVICE_REPLACED })],
      nextCursor: 'o1',
    });
    expect(textOf(first)).toContain(
      'more tasks follow; for the next page call list_tasks again with the same arguments and cursor "o1"',
    );
    expect(Object.fromEntries(queryOf(mcp, 0))).toEqual({
      status: 'STOPPED',
      since: '2021-10-31T15:00:00.000Z',
      until: '2024-04-30T12:00:00.000Z',
      limit: '1',
    });
    expect((second.structuredContent as { tasks: Array<{ taskId: string }> }).tasks[0]?.taskId).toBe(
      FAILED_PULL,
    );
    expect(queryOf(mcp, 1).get('cursor')).toBe('o1');
  });

  it('keeps only failed tasks with failed: true', async () => {
    // Prepare
    mcp = await connectMcp();

    // Act
    const result = await mcp.call('list_tasks', { cluster: 'default', failed: true });

    // Assess
    expect(queryOf(mcp, 0).get('failed')).toBe('true');
    expect(result.structuredContent).toEqual({
      tasks: [expect.objectContaining({ taskId: FAILED_PULL, failureKind: 'image-pull' })],
    });
  });

  it('says when no task matches', async () => {
    // Prepare
    mcp = await connectMcp();

    // Act
    const result = await mcp.call('list_tasks', { cluster: 'default', status: 'RUNNING' });

    // Assess
    expect(result.structuredContent).toEqual({ tasks: [] });
    expect(textOf(result)).toBe('no tasks of cluster default match\n');
  });
});

describe('get_task', () => {
  it('names the image pull as the failure of the failed-pull task, with its explanation and hint', async () => {
    // Prepare
    mcp = await connectMcp();
    const expected = referenceTasks().find((t) => t.summary.taskId === FAILED_PULL)
      ?.summary as TaskSummaryResponse;

    // Act
    const result = await mcp.call('get_task', { cluster: 'default', task: FAILED_PULL });

    // Assess
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual(expected);
    const text = textOf(result);
    expect(text).toContain(`task: ${FAILED_PULL} in cluster default (recorded by tracer)\n`);
    expect(text).toContain('createdAt: 2021-11-27T02:29:15.055+09:00\n');
    expect(text).toContain('stopCode: TaskFailedToStart\n');
    expect(text).toContain('containers:\n  nginx: image ngin:latest, lastStatus STOPPED\n');
    expect(text).toContain(
      `failure: image-pull\ndiagnosis: ${expected.failure?.diagnosis}\nhint: ${expected.failure?.hint}\n`,
    );
  });

  it('accepts a task ARN and reports a clean stop as no failure', async () => {
    // Prepare
    mcp = await connectMcp();
    const arn = `arn:aws:ecs:ap-northeast-1:123456789012:task/default/${SERVICE_REPLACED}`;

    // Act
    const result = await mcp.call('get_task', { cluster: 'default', task: arn });

    // Assess
    expect((result.structuredContent as { taskId: string }).taskId).toBe(SERVICE_REPLACED);
    expect(textOf(result)).toContain('failure: none (not-failed)\ndiagnosis: The task stopped normally');
    expect(mcp.api.requests[0]?.url).toBe(`/clusters/default/tasks/${SERVICE_REPLACED}`);
  });
});

describe('tools that name a cluster, across accounts', () => {
  const HOME_ARN = 'arn:aws:ecs:us-east-1:123456789012:cluster/default';

  it('sends a cluster ARN as the cluster segment', async () => {
    // Prepare
    mcp = await connectMcp();

    // Act
    const result = await mcp.call('get_task', { cluster: HOME_ARN, task: SERVICE_REPLACED });

    // Assess
    expect(result.isError).toBeFalsy();
    expect(mcp.api.requests[0]?.url).toBe(
      `/clusters/${encodeURIComponent(HOME_ARN)}/tasks/${SERVICE_REPLACED}`,
    );
  });

  it('sends account and region with a cluster name', async () => {
    // Prepare
    mcp = await connectMcp();

    // Act
    await mcp.call('get_trace', { cluster: 'default', account: '123456789012', task: FAILED_PULL });
    await mcp.call('list_tasks', { cluster: 'default', region: 'us-east-1' });

    // Assess
    expect(queryOf(mcp, 0).get('account')).toBe('123456789012');
    expect(queryOf(mcp, 1).get('region')).toBe('us-east-1');
  });

  it("narrows every tool to the server's --account unless a call names another", async () => {
    // Prepare
    mcp = await connectMcp({
      server: {
        defaults: { durationMs: 60_000, full: false, timeZone: 'UTC', account: '222233334444' },
      },
    });

    // Act
    await mcp.call('list_clusters', {});
    await mcp.call('list_tasks', { cluster: 'default' });
    await mcp.call('get_trace', { cluster: 'default', account: '123456789012', task: FAILED_PULL });

    // Assess
    expect(queryOf(mcp, 0).get('account')).toBe('222233334444');
    expect(queryOf(mcp, 1).get('account')).toBe('222233334444');
    expect(queryOf(mcp, 2).get('account')).toBe('123456789012');
  });

  it('refuses an account that contradicts the cluster ARN, naming both', async () => {
    // Prepare
    mcp = await connectMcp();

    // Act
    const result = await mcp.call('get_task', {
      cluster: HOME_ARN,
      account: '222233334444',
      task: FAILED_PULL,
    });

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      'account: 222233334444 contradicts the cluster ARN, which names account 123456789012; give one of them',
    );
    expect(mcp.api.requests).toEqual([]);
  });

  it('answers an ambiguous cluster name with a tool error that lists the ARNs', async () => {
    // Prepare
    const arns = [HOME_ARN, 'arn:aws:ecs:us-west-2:222233334444:cluster/default'];
    mcp = await connectMcp({
      api: {
        intercept: () => ({
          status: 409,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            error: { code: 'AmbiguousCluster', message: 'cluster default is ambiguous', clusterArns: arns },
          }),
        }),
      },
    });

    // Act
    const result = await mcp.call('list_tasks', { cluster: 'default' });

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      `cluster default is ambiguous: 2 recorded clusters carry that name (${arns.join(', ')}); pass one of these ARNs as cluster, or give account and region`,
    );
  });
});

describe('get_trace', () => {
  it.each(Object.keys(REFERENCE_TRACES) as ReferenceTaskId[])(
    'answers the trace of task %s exactly as the CLI prints it',
    async (taskId) => {
      // Prepare
      mcp = await connectMcp();

      // Act
      const result = await mcp.call('get_trace', { cluster: 'default', task: taskId });

      // Assess
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toBe(readExpectedTrace(taskId));
      expect(result.structuredContent).toEqual({
        cluster: 'default',
        taskId,
        format: 'text',
        lineCount: readExpectedTrace(taskId).split('\n').length - 1,
        truncated: false,
      });
    },
  );

  it('returns the failed-pull trace of the reference example', async () => {
    // Prepare
    mcp = await connectMcp();
    const reference = [
      '2021-11-27T02:29:15.055+09:00\tTASK\tCreated',
      '2021-11-27T02:29:33.527+09:00\tTASK\tExecution stopped',
      '2021-11-27T02:29:43.569+09:00\tTASK\tStopping',
      '2021-11-27T02:29:43.569+09:00\tTASK\tStoppedReason:CannotPullContainerError: inspect image has been retried 1 time(s): failed to resolve ref "docker.io/library/ngin:latest": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
      '2021-11-27T02:29:43.569+09:00\tTASK\tStoppedCode:TaskFailedToStart',
      '2021-11-27T02:29:57.070+09:00\tTASK\tStopped',
      '',
    ].join('\n');

    // Act
    const result = await mcp.call('get_trace', { cluster: 'default', task: FAILED_PULL });

    // Assess
    expect(textOf(result)).toBe(reference);
  });

  it('asks the source for the window, the whole log and the zone that the arguments name', async () => {
    // Prepare
    mcp = await connectMcp();

    // Act
    const defaults = await mcp.call('get_trace', { cluster: 'default', task: FAILED_PULL });
    const chosen = await mcp.call('get_trace', {
      cluster: 'default',
      task: FAILED_PULL,
      duration: '90s',
      full: true,
      tz: 'UTC',
    });

    // Assess
    expect(defaults.isError).toBeFalsy();
    expect(Object.fromEntries(queryOf(mcp, 0))).toEqual({ duration: '1m', tz: 'Asia/Tokyo' });
    expect(Object.fromEntries(queryOf(mcp, 1))).toEqual({ duration: '90s', full: 'true', tz: 'UTC' });
    expect(textOf(chosen).split('\n')[0]).toBe('2021-11-26T17:29:15.055Z\tTASK\tCreated');
  });

  it('follows the pages of a paged trace into one answer', async () => {
    // Prepare
    mcp = await connectMcp({ api: { tracePageLines: 7 } });

    // Act
    const result = await mcp.call('get_trace', { cluster: 'default', task: SERVICE_REPLACED, full: true });

    // Assess
    expect(textOf(result)).toBe(readExpectedTrace(SERVICE_REPLACED));
    expect(mcp.api.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('cursor'))).toEqual([
      null,
      'l7',
      'l14',
      'l21',
      'l28',
      'l35',
      'l42',
      'l49',
      'l56',
    ]);
  });

  it('answers the JSON trace as structured content and as its serialisation', async () => {
    // Prepare
    mcp = await connectMcp({ api: { tracePageLines: 4 } });
    const fake = referenceTasks().find((t) => t.summary.taskId === FAILED_PULL);

    // Act
    const result = await mcp.call('get_trace', { cluster: 'default', task: FAILED_PULL, format: 'json' });

    // Assess
    const structured = result.structuredContent as unknown as TraceResponse & { lineCount: number };
    expect(structured).toEqual({
      cluster: 'default',
      taskId: FAILED_PULL,
      format: 'json',
      lineCount: 6,
      truncated: false,
      task: fake?.summary,
      lines: fake?.lines,
      logCalls: 4,
    });
    expect(JSON.parse(textOf(result))).toEqual(structured);
    expect(queryOf(mcp, 0).get('format')).toBe('json');
  });

  it('shows the times of a JSON trace in the tz it is given, keeping epochMs', async () => {
    // Prepare
    mcp = await connectMcp();
    const fake = referenceTasks().find((t) => t.summary.taskId === FAILED_PULL);

    // Act
    const result = await mcp.call('get_trace', {
      cluster: 'default',
      task: FAILED_PULL,
      format: 'json',
      tz: 'Asia/Tokyo',
    });

    // Assess
    const structured = result.structuredContent as unknown as TraceResponse;
    expect(structured.lines.map((line) => line.epochMs)).toEqual(fake?.lines.map((line) => line.epochMs));
    expect(structured.lines[0]?.timestamp).toBe('2021-11-27T02:29:15.055+09:00');
    expect(structured.task.createdAt).toBe('2021-11-27T02:29:15.055+09:00');
  });
});

describe('get_trace of a FireLens task', () => {
  it("answers the app's lines from its records, with their fields in the JSON trace", async () => {
    // Prepare: ECS still knows the task (live), its log router and app on FireLens.
    const fixture = loadLogDriverFixture('fireLens');
    const summary = parseTaskEvent(fixture.events.at(-1));
    const logs = new InMemoryLogSource().putStreams(fixture.streams);
    const source = new LiveSource({
      catalog: {
        listClusterArns: async () => ['arn:aws:ecs:us-east-1:123456789012:cluster/test'],
        listTasks: async () => [summary],
      },
      live: new FakeLiveTaskSource([summary]),
      taskDefinitionSource: new FakeTaskDefinitionSource(fixture.taskDefinitions),
      serviceEventSource: new FakeServiceEventSource(undefined),
      logs,
      clock: fixedClock(fixture.nowMs),
    });
    mcp = await connectMcp({ openSource: async () => source });

    // Act
    const text = await mcp.call('get_trace', { cluster: 'test', task: fixture.taskId, tz: 'UTC' });
    const json = await mcp.call('get_trace', { cluster: 'test', task: fixture.taskId, format: 'json' });

    // Assess
    expect(textOf(text)).toBe(readFileSync(fixture.goldenPath, 'utf8'));
    const lines = (json.structuredContent as unknown as TraceResponse).lines;
    expect(lines.find((l) => l.message === 'process exiting with code 1')?.fields).toMatchObject({
      source: 'stderr',
      ecs_task_arn: summary.taskArn,
    });
  });
});

describe('get_trace of an EC2 task whose host was drained', () => {
  it('answers the INSTANCE line of the drain and names it in get_task', async () => {
    // Prepare: ECS still knows the task and, now, its DRAINING container instance.
    const fixture = loadLogDriverFixture('hostDrained');
    const summary = parseTaskEvent(
      fixture.events.find((e) => (e as Record<string, unknown>)['detail-type'] === 'ECS Task State Change'),
    );
    const source = new LiveSource({
      catalog: {
        listClusterArns: async () => ['arn:aws:ecs:us-east-1:123456789012:cluster/Features'],
        listTasks: async () => [summary],
      },
      live: new FakeLiveTaskSource([summary]),
      taskDefinitionSource: new FakeTaskDefinitionSource(fixture.taskDefinitions),
      serviceEventSource: new FakeServiceEventSource(undefined),
      logs: new InMemoryLogSource().putStreams(fixture.streams),
      instances: new InMemoryInstanceStore().recordEvents(fixture.events),
      clock: fixedClock(fixture.nowMs),
    });
    mcp = await connectMcp({ openSource: async () => source });

    // Act
    const text = await mcp.call('get_trace', { cluster: 'Features', task: fixture.taskId, tz: 'UTC' });
    const json = await mcp.call('get_trace', { cluster: 'Features', task: fixture.taskId, format: 'json' });

    // Assess
    expect(textOf(text)).toBe(readFileSync(fixture.goldenPath, 'utf8'));
    const instance = (json.structuredContent as unknown as TraceResponse).lines.filter(
      (l) => l.source === 'INSTANCE',
    );
    expect(instance.map((l) => [l.kind, l.message])).toEqual([
      ['instance', 'DRAINING (i-0a1b2c3d4e5f60789)'],
    ]);
  });
});
