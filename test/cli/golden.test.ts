import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TraceResponse } from '../../lambda/core/api-types.js';
import {
  type FakeTracerApi,
  REFERENCE_TRACES,
  type ReferenceTaskId,
  readExpectedTrace,
  referenceTasks,
  startFakeTracerApi,
} from '../support/fake-tracer-api.js';
import { runTracer } from './run-cli.js';

const FAILED_PULL = '9f654c76cde14c7c85cf54dce087658a';
const expectedFile = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'expected', name), 'utf8');

let api: FakeTracerApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('tracer CLUSTER TASK prints the reference traces exactly', () => {
  it.each(Object.keys(REFERENCE_TRACES) as ReferenceTaskId[])(
    'prints the trace of task %s',
    async (taskId) => {
      // Prepare
      api = await startFakeTracerApi();

      // Act
      const run = await runTracer(['--endpoint', api.url, 'default', taskId], {
        localTimeZone: 'Asia/Tokyo',
      });

      // Assess
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe(readExpectedTrace(taskId));
      expect(run.code).toBe(0);
    },
  );

  it('prints the same trace for a task ARN and through TRACER_ENDPOINT', async () => {
    // Prepare
    api = await startFakeTracerApi();
    const arn = `arn:aws:ecs:ap-northeast-1:123456789012:task/default/${FAILED_PULL}`;

    // Act
    const run = await runTracer(['default', arn], { env: { TRACER_ENDPOINT: api.url } });

    // Assess
    expect(run.stdout).toBe(readExpectedTrace(FAILED_PULL));
    expect(run.code).toBe(0);
  });

  it('asks for the timestamps in the zone of --tz', async () => {
    // Prepare
    api = await startFakeTracerApi();

    // Act
    const run = await runTracer(['--endpoint', api.url, '--tz', 'UTC', 'default', FAILED_PULL]);

    // Assess
    expect(run.stdout.split('\n')[0]).toBe('2021-11-26T17:29:15.055Z\tTASK\tCreated');
    expect(api.requests[0]?.url).toContain('tz=UTC');
  });

  it('follows the cursors of a paged trace and prints every page once, in order', async () => {
    // Prepare
    const taskId = '834a5628bef14f2dbb81c7bc0b272160';
    api = await startFakeTracerApi({ tracePageLines: 7 });

    // Act
    const run = await runTracer(['--endpoint', api.url, '--full', 'default', taskId]);

    // Assess
    expect(run.stdout).toBe(readExpectedTrace(taskId));
    expect(api.requests).toHaveLength(Math.ceil(58 / 7));
    expect(api.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('cursor'))).toEqual([
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

  it('prints one JSON document with every page merged for --json', async () => {
    // Prepare
    api = await startFakeTracerApi({ tracePageLines: 4 });

    // Act
    const run = await runTracer(['--endpoint', api.url, '--json', 'default', FAILED_PULL]);

    // Assess
    const trace = JSON.parse(run.stdout) as TraceResponse;
    expect(run.stdout.endsWith('}\n')).toBe(true);
    expect(run.stdout).toContain('\n  "task": {');
    expect(trace.nextCursor).toBeUndefined();
    expect(trace.logCalls).toBe(4);
    expect(trace.task.failure?.kind).toBe('image-pull');
    expect(trace.lines.map((l) => l.message)).toEqual([
      'Created',
      'Execution stopped',
      'Stopping',
      expect.stringMatching(/^StoppedReason:CannotPullContainerError/),
      'StoppedCode:TaskFailedToStart',
      'Stopped',
    ]);
  });
});

function clusterRow(clusterName: string, account: string, region: string, lastSeenAt: string) {
  return {
    clusterName,
    account,
    region,
    clusterArn: `arn:aws:ecs:${region}:${account}:cluster/${clusterName}`,
    lastSeenAt,
  };
}

describe('tracer and tracer CLUSTER', () => {
  it("lists the clusters one a line: name, account, region and ARN, so that two accounts' prod read apart", async () => {
    // Prepare
    api = await startFakeTracerApi({
      clusters: [
        clusterRow('prod', '111122223333', 'us-east-1', '2021-12-03T02:23:04.873Z'),
        clusterRow('prod', '222233334444', 'ap-northeast-1', '2021-12-01T00:00:00.000Z'),
      ],
    });

    // Act
    const run = await runTracer(['--endpoint', api.url]);

    // Assess
    expect(run).toEqual({
      code: 0,
      stdout:
        'prod\t111122223333\tus-east-1\tarn:aws:ecs:us-east-1:111122223333:cluster/prod\n' +
        'prod\t222233334444\tap-northeast-1\tarn:aws:ecs:ap-northeast-1:222233334444:cluster/prod\n',
      stderr: '',
    });
  });

  it('passes --account and --region to the cluster list as filters', async () => {
    // Prepare
    api = await startFakeTracerApi({ clusters: [] });

    // Act
    const run = await runTracer([
      '--endpoint',
      api.url,
      '--account',
      '222233334444',
      '--region',
      'us-west-2',
    ]);

    // Assess
    expect(run.code).toBe(0);
    const query = new URL(api.requests[0]?.url ?? '', 'http://x').searchParams;
    expect([query.get('account'), query.get('region')]).toEqual(['222233334444', 'us-west-2']);
    expect(run.stderr).toBe(
      'tracer: no clusters in this account or region; tracer lists a cluster once it has recorded one of its tasks\n',
    );
  });

  it('sends a cluster ARN as the URL-encoded cluster segment, and a name with --account as a query filter', async () => {
    // Prepare
    api = await startFakeTracerApi();
    const arn = 'arn:aws:ecs:us-east-1:123456789012:cluster/default';

    // Act
    const byArn = await runTracer(['--endpoint', api.url, arn]);
    const byAccount = await runTracer(['--endpoint', api.url, '--account', '123456789012', 'default']);

    // Assess
    expect(byArn.code).toBe(0);
    expect(byAccount.code).toBe(0);
    expect(api.requests[0]?.url).toContain(`/clusters/${encodeURIComponent(arn)}/tasks?`);
    const second = new URL(api.requests[1]?.url ?? '', 'http://x');
    expect(second.pathname).toBe('/clusters/default/tasks');
    expect(second.searchParams.get('account')).toBe('123456789012');
  });

  it('fails with the ARNs and a hint when the API says the cluster name is ambiguous', async () => {
    // Prepare
    const arns = [
      'arn:aws:ecs:ap-northeast-1:222233334444:cluster/prod',
      'arn:aws:ecs:us-east-1:111122223333:cluster/prod',
    ];
    api = await startFakeTracerApi({
      intercept: () => ({
        status: 409,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          error: { code: 'AmbiguousCluster', message: 'cluster prod is ambiguous', clusterArns: arns },
        }),
      }),
    });

    // Act
    const run = await runTracer(['--endpoint', api.url, 'prod']);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'tracer: cluster prod is ambiguous: 2 recorded clusters carry that name; give the cluster ARN, or narrow it with --account and --region\n' +
        `  ${arns[0]}\n  ${arns[1]}\n`,
    );
  });

  it('lists the tasks as tab-separated columns, newest first, in the local zone', async () => {
    // Prepare
    api = await startFakeTracerApi();

    // Act
    const run = await runTracer(['--endpoint', api.url, 'default'], { localTimeZone: 'Asia/Tokyo' });

    // Assess
    expect(run.stdout).toBe(expectedFile('cli-task-list.txt'));
    expect(run.stderr).toBe('');
    expect(new URL(api.requests[0]?.url ?? '', 'http://x').searchParams.get('limit')).toBe('100');
  });

  it('passes the filters of the task list to the API and says how to get the next page', async () => {
    // Prepare
    api = await startFakeTracerApi();

    // Act
    const run = await runTracer(['--endpoint', api.url, 'default', '--status', 'stopped', '--limit', '1']);

    // Assess
    expect(run.stdout.split('\n')).toHaveLength(2);
    expect(run.stdout).toMatch(/^834a5628bef14f2dbb81c7bc0b272160\t/);
    expect(run.stderr).toBe('tracer: more tasks follow; for the next page add --cursor o1\n');
    expect(api.requests[0]?.url).toBe('/clusters/default/tasks?status=STOPPED&limit=1');
  });

  it('lists only failed tasks with --failed', async () => {
    // Prepare
    api = await startFakeTracerApi();

    // Act
    const run = await runTracer(['--endpoint', api.url, 'default', '--failed']);

    // Assess
    expect(run.stdout.split('\t')[0]).toBe(FAILED_PULL);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('prints the API JSON of the task list with --json', async () => {
    // Prepare
    api = await startFakeTracerApi();

    // Act
    const run = await runTracer(['--endpoint', api.url, 'default', '--json']);

    // Assess
    const list = JSON.parse(run.stdout) as { tasks: { taskId: string }[] };
    expect(list.tasks.map((t) => t.taskId)).toEqual([
      '834a5628bef14f2dbb81c7bc0b272160',
      FAILED_PULL,
      '84b5991528504856a2f003b7da9b2b82',
    ]);
  });

  it('says on stderr that a cluster has no matching tasks, and prints nothing on stdout', async () => {
    // Prepare
    api = await startFakeTracerApi();

    // Act
    const run = await runTracer(['--endpoint', api.url, 'staging']);

    // Assess
    expect(run).toEqual({ code: 0, stdout: '', stderr: 'tracer: no tasks of cluster staging match\n' });
  });
});

describe('progress', () => {
  it('writes nothing but data to stdout and nothing to stderr when the streams are not terminals', async () => {
    // Prepare
    api = await startFakeTracerApi();

    // Act
    const run = await runTracer(['--endpoint', api.url, 'default', FAILED_PULL], { tty: false });

    // Assess
    expect(run.stderr).toBe('');
  });
});

describe('tracer CLUSTER --limit', () => {
  it('collects more tasks than one API page holds, 100 at a time', async () => {
    // Prepare
    const [template] = referenceTasks();
    if (!template) throw new Error('fixture missing');
    const tasks = Array.from({ length: 260 }, (_, i) => {
      const taskId = `${String(i).padStart(4, '0')}${'a'.repeat(28)}`;
      const createdAt = new Date(Date.parse('2024-05-01T00:00:00Z') + i * 60_000).toISOString();
      return {
        ...template,
        summary: { ...template.summary, taskId },
        listItem: { ...template.listItem, taskId, createdAt },
      };
    });
    api = await startFakeTracerApi({ tasks });

    // Act
    const run = await runTracer(['--endpoint', api.url, 'default', '--limit', '250']);

    // Assess
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(250);
    expect(run.stdout.split('\t')[0]).toBe(`0259${'a'.repeat(28)}`);
    expect(api.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('limit'))).toEqual([
      '100',
      '100',
      '50',
    ]);
    expect(run.stderr).toBe('tracer: more tasks follow; for the next page add --cursor o250\n');
  });
});
