import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatTraceText, toTraceLineJson } from '../../lambda/core/format.js';
import type { ContainerLogConfig, TaskDefinitionInfo } from '../../lambda/core/model.js';
import type { TraceLine } from '../../lambda/core/trace.js';
import { type BuildTraceDeps, buildTaskTrace } from '../../lambda/use-cases/build-trace.js';
import { InMemoryInstanceStore } from '../fakes/instance-store.js';
import {
  FakeTaskDefinitionSource,
  fixedClock,
  InMemoryLogSource,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
  InMemoryTaskHistory,
} from '../fakes/trace-ports.js';
import { clusterNamed } from '../support/clusters.js';
import {
  type LogDriverFixture,
  type LogDriverFixtureName,
  loadLogDriverFixture,
} from '../support/log-driver-fixtures.js';

const MINUTE = 60_000;
const FIRELENS_TASK = 'c1d3e8a2f6b74a0e9d2c5b8a7f4e1d36';
const NEIGHBOUR_TASK = '5f0b2d7e9a8c4b1f8e3d6a2c7b9e0f14';
const TASK_ARN = `arn:aws:ecs:eu-central-1:111111111111:task/test/${FIRELENS_TASK}`;

function world(
  fixture: LogDriverFixture,
  taskDefinitions: readonly TaskDefinitionInfo[] = fixture.taskDefinitions,
) {
  const history = new InMemoryTaskHistory();
  history.recordEvents(fixture.events);
  const logs = new InMemoryLogSource().putStreams(fixture.streams);
  const deps: BuildTraceDeps = {
    history,
    instances: new InMemoryInstanceStore().recordEvents(fixture.events),
    taskDefinitions: new InMemoryTaskDefinitionStore(taskDefinitions),
    serviceEvents: new InMemoryServiceEventStore(),
    logs,
    clock: fixedClock(fixture.nowMs),
  };
  return { deps, logs };
}

const text = (lines: readonly TraceLine[]) => formatTraceText(lines, { timeZone: 'UTC' });
const notices = (lines: readonly TraceLine[]) =>
  lines.filter((l) => l.source === 'TRACER').map((l) => l.message);
const sourceLines = (lines: readonly TraceLine[], source: string) =>
  lines.filter((l) => l.source === source).map((l) => l.message);

/** The fixture's task definition with the app container's FireLens options replaced. */
function withAppOptions(fixture: LogDriverFixture, options: Record<string, string>): TaskDefinitionInfo[] {
  return fixture.taskDefinitions.map((info) =>
    info.status === 'described'
      ? {
          ...info,
          containers: info.containers.map(
            (c): ContainerLogConfig => (c.containerName === 'app' ? { ...c, logOptions: options } : c),
          ),
        }
      : info,
  );
}

describe('buildTaskTrace: log drivers, golden traces', () => {
  it.each<[LogDriverFixtureName]>([['fireLens'], ['ec2WithoutPrefix'], ['hostDrained'], ['hostSpot']])(
    'prints exactly the golden trace of the %s task',
    async (name) => {
      // Prepare
      const fixture = loadLogDriverFixture(name);
      const { deps } = world(fixture);

      // Act
      const trace = await buildTaskTrace(deps, {
        cluster: clusterNamed(fixture.clusterName),
        taskId: fixture.taskId,
        durationMs: MINUTE,
      });
      const output = text(trace.lines);

      // Assess
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(fixture.goldenPath)) {
        writeFileSync(fixture.goldenPath, output);
      }
      expect(output).toBe(readFileSync(fixture.goldenPath, 'utf8'));
      expect(trace.nextCursor).toBeUndefined();
    },
  );
});

describe('buildTaskTrace: a FireLens task', () => {
  const fixture = loadLogDriverFixture('fireLens');
  const request = { cluster: clusterNamed('test'), taskId: FIRELENS_TASK, durationMs: MINUTE };

  it("shows the app's lines from the log field of its records, and never a neighbour task's", async () => {
    // Prepare
    const { deps, logs } = world(fixture);

    // Act
    const trace = await buildTaskTrace(deps, request);

    // Assess
    const app = sourceLines(trace.lines, 'CONTAINER:app');
    expect(app.slice(0, 3)).toEqual([
      '{"level":"info","msg":"starting example-api","version":"4f2c9e1"}',
      '{"level":"info","msg":"connected to postgres","host":"db.internal:5432"}',
      '{"level":"info","msg":"listening","addr":":8080"}',
    ]);
    expect(app).toContain('process exiting with code 1');
    expect(text(trace.lines)).not.toContain(NEIGHBOUR_TASK);
    expect(app).not.toContain('GET /orders 200 14ms');
    expect(
      logs.requests.map((r) => [r.logGroup, r.logStream]).filter(([g]) => g === '/ecs/example-api'),
    ).toEqual([
      ['/ecs/example-api', `from-fluent-bit-app-firelens-${FIRELENS_TASK}`],
      ['/ecs/example-api', `from-fluent-bit-app-firelens-${FIRELENS_TASK}`],
    ]);
  });

  it('shows the log router as a container of its own, from its awslogs stream', async () => {
    const trace = await buildTaskTrace(world(fixture).deps, request);

    expect(sourceLines(trace.lines, 'CONTAINER:log_router')).toContain(
      '[2024/05/14 09:12:21] [ info] [output:cloudwatch_logs:cloudwatch_logs.0] worker #0 started',
    );
  });

  it('names Datadog for the audit container, without its API key', async () => {
    const trace = await buildTaskTrace(world(fixture).deps, request);

    expect(notices(trace.lines)).toContain(
      'logs of container audit are not in CloudWatch Logs: FireLens (log router log_router) sends them to Datadog (service example-api-audit, source audit, host http-intake.logs.datadoghq.eu)',
    );
    expect(JSON.stringify(trace)).not.toContain('3f2b8c4d6e1a9f7b0c5d2e8a4b6f1c3d');
  });

  it('keeps the other fields of each record in the JSON trace, redacted like the message', async () => {
    // Act
    const trace = await buildTaskTrace(world(fixture).deps, request);

    // Assess
    const lines = trace.lines.filter((l) => l.source === 'CONTAINER:app').map(toTraceLineJson);
    expect(lines[0]).toEqual({
      timestamp: '2024-05-14T09:12:24.611Z',
      epochMs: Date.parse('2024-05-14T09:12:24.611Z'),
      source: 'CONTAINER:app',
      message: '{"level":"info","msg":"starting example-api","version":"4f2c9e1"}',
      kind: 'log',
      fields: {
        container_id: `${FIRELENS_TASK}-527074092`,
        container_name: 'app',
        source: 'stdout',
        ecs_cluster: 'arn:aws:ecs:eu-central-1:111111111111:cluster/test',
        ecs_task_arn: TASK_ARN,
        ecs_task_definition: 'example-api-v1:21',
      },
    });
    const redis = lines.find((l) => l.message.includes('redis reconnect'));
    expect(redis?.message).toContain('redis://cache:[REDACTED]@cache.internal:6379');
    expect(redis?.fields).toMatchObject({ source: 'stderr' });
    // Lines of other containers carry no fields.
    expect(trace.lines.find((l) => l.source === 'CONTAINER:log_router')?.fields).toBeUndefined();
  });

  it('reads a stream that every task shares, and keeps only the records that name this task', async () => {
    // Prepare: a fixed stream name, written by this task and its neighbour.
    const shared = withAppOptions(fixture, {
      Name: 'cloudwatch_logs',
      region: 'eu-central-1',
      log_group_name: '/ecs/example-api',
      log_stream_name: 'app',
    });
    const { deps, logs } = world(fixture, shared);
    logs.putStreams(
      fixture.streams
        .filter((s) => s.containerName === 'app')
        .map((s) => ({ ...s, logGroup: '/ecs/example-api', logStream: 'app' })),
    );
    logs.putLogEvents('/ecs/example-api', 'app', [
      { timestampMs: Date.parse('2024-05-14T09:13:00.000Z'), message: 'a line without a record' },
    ]);

    // Act
    const trace = await buildTaskTrace(deps, request);

    // Assess
    const app = sourceLines(trace.lines, 'CONTAINER:app');
    expect(app).toHaveLength(8);
    expect(app).not.toContain('GET /orders 200 14ms');
    expect(app).not.toContain('a line without a record');
    expect(notices(trace.lines)).toContain(
      'logs of container app are in log stream app in log group /ecs/example-api, which other tasks share; only records that name this task (ecs_task_arn) are shown',
    );
  });

  it('reports a template it cannot resolve instead of guessing a stream', async () => {
    // Prepare
    const { deps, logs } = world(
      fixture,
      withAppOptions(fixture, {
        Name: 'cloudwatch_logs',
        region: 'eu-central-1',
        log_group_name: '/ecs/example-api',
        log_stream_prefix: 'fb-',
        log_stream_template: '$source.$ecs_task_arn',
      }),
    );

    // Act
    const trace = await buildTaskTrace(deps, request);

    // Assess
    expect(notices(trace.lines)).toContain(
      'logs of container app could not be located: its FireLens cloudwatch_logs output names the log stream with log_stream_template "$source.$ecs_task_arn", and the record field source differs from record to record',
    );
    expect(logs.requests.some((r) => r.containerName === 'app')).toBe(false);
  });

  it('reads the stream of the Go cloudwatch plugin named with $(ecs_task_id)', async () => {
    // Prepare
    const { deps, logs } = world(
      fixture,
      withAppOptions(fixture, {
        Name: 'cloudwatch',
        region: 'eu-central-1',
        log_group_name: '/ecs/example-api',
        log_stream_name: 'from-fluent-bit-app-firelens-$(ecs_task_id)',
      }),
    );

    // Act
    const trace = await buildTaskTrace(deps, request);

    // Assess
    expect(sourceLines(trace.lines, 'CONTAINER:app')).toHaveLength(8);
    expect(logs.requests.find((r) => r.containerName === 'app')).toMatchObject({
      logStream: `from-fluent-bit-app-firelens-${FIRELENS_TASK}`,
      region: 'eu-central-1',
      records: { format: 'firelens-json', taskArn: TASK_ARN, shared: false },
    });
  });
});

describe('buildTaskTrace: a revision recorded before tracer kept log options', () => {
  const fixture = loadLogDriverFixture('fireLens');
  const request = { cluster: clusterNamed('test'), taskId: FIRELENS_TASK, durationMs: MINUTE };
  /** What an earlier tracer stored: drivers and awslogs fields, no options, no router configuration. */
  const recordedEarlier: TaskDefinitionInfo[] = fixture.taskDefinitions.map((info) =>
    info.status === 'described'
      ? {
          ...info,
          containers: info.containers.map(
            ({
              logOptions: _options,
              secretOptionNames: _secrets,
              firelensConfiguration: _router,
              ...rest
            }) => rest,
          ),
        }
      : info,
  );

  it('describes the revision again, keeps the answer, and reads the FireLens logs', async () => {
    // Prepare
    const { deps } = world(fixture, recordedEarlier);
    const source = new FakeTaskDefinitionSource(fixture.taskDefinitions);
    const store = deps.taskDefinitions as InMemoryTaskDefinitionStore;

    // Act
    const trace = await buildTaskTrace({ ...deps, taskDefinitionSource: source }, request);

    // Assess
    expect(source.calls).toHaveLength(1);
    expect(store.puts).toEqual(fixture.taskDefinitions);
    expect(sourceLines(trace.lines, 'CONTAINER:app')).toContain('process exiting with code 1');
  });

  it('says why it cannot locate the logs when ECS no longer describes the revision', async () => {
    // Prepare
    const { deps } = world(fixture, recordedEarlier);

    // Act
    const trace = await buildTaskTrace(
      { ...deps, taskDefinitionSource: new FakeTaskDefinitionSource() },
      request,
    );

    // Assess
    expect(notices(trace.lines)).toContain(
      'logs of container app could not be located: it logs through FireLens, and the recorded task definition predates tracer keeping log options',
    );
    expect(sourceLines(trace.lines, 'CONTAINER:log_router')).not.toEqual([]);
  });
});

describe('buildTaskTrace: an EC2 task on awslogs without a stream prefix', () => {
  const fixture = loadLogDriverFixture('ec2WithoutPrefix');

  it("reads the stream named after the container's runtimeId, and not its neighbour's", async () => {
    // Prepare
    const { deps, logs } = world(fixture);

    // Act
    const trace = await buildTaskTrace(deps, {
      cluster: clusterNamed('Features'),
      taskId: '33a7f27282624543abd4a00c3e84d0ee',
      durationMs: MINUTE,
    });

    // Assess
    expect(new Set(logs.requests.map((r) => r.logStream))).toEqual(
      new Set(['8a78a445b4e66ee0f2c7624d9b52af4e3685039444a44999d884e1af2283e804']),
    );
    expect(sourceLines(trace.lines, 'CONTAINER:Webapp')).toEqual([
      '[2020-06-02 09:16:17 +0000] [1] [INFO] Starting gunicorn 20.0.4',
      '[2020-06-02 09:16:17 +0000] [1] [INFO] Listening at: http://0.0.0.0:80 (1)',
      '[2020-06-02 09:16:17 +0000] [1] [INFO] Using worker: sync',
      '[2020-06-02 09:16:17 +0000] [8] [INFO] Booting worker with pid: 8',
      '[2020-06-05 12:16:57 +0000] [1] [INFO] Handling signal: term',
      '[2020-06-05 12:16:57 +0000] [8] [INFO] Worker exiting (pid: 8)',
      '[2020-06-05 12:16:58 +0000] [1] [INFO] Shutting down: Master',
      'STOPPED (exit code: 0)',
    ]);
    expect(notices(trace.lines)).toEqual([]);
  });
});
