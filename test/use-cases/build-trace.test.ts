import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  InvalidInputError,
  LogUnavailableError,
  TaskNotFoundError,
} from '../../lambda/core/errors.js';
import { formatTraceText } from '../../lambda/core/format.js';
import type {
  ContainerLogConfig,
  ServiceEvent,
  TaskDefinitionInfo,
  TaskSummary,
} from '../../lambda/core/model.js';
import type { TraceLine } from '../../lambda/core/trace.js';
import { encodeTraceCursor } from '../../lambda/core/trace-page.js';
import {
  type BuildTraceDeps,
  type BuildTraceRequest,
  buildTaskTrace,
  DEFAULT_LOG_CONCURRENCY,
} from '../../lambda/use-cases/build-trace.js';
import type { LogSource, LogStreamRequest, LogStreamResult } from '../../lambda/use-cases/ports.js';
import {
  FakeLiveTaskSource,
  FakeServiceEventSource,
  FakeTaskDefinitionSource,
  fixedClock,
  type InMemoryLogSource,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
  InMemoryTaskHistory,
} from '../fakes/trace-ports.js';
import { clusterNamed } from '../support/clusters.js';
import {
  loadReference,
  loadReferences,
  missingFromSubsequence,
  REFERENCE_TASK_IDS,
  REFERENCE_TIME_ZONE,
  type ReferenceFixture,
  referenceLogSource,
} from '../support/reference-fixtures.js';

const MINUTE = 60_000;

interface World {
  readonly deps: BuildTraceDeps;
  readonly history: InMemoryTaskHistory;
  readonly logs: InMemoryLogSource;
  readonly taskDefinitions: InMemoryTaskDefinitionStore;
  readonly serviceEvents: InMemoryServiceEventStore;
}

/** Everything tracer would have recorded about a reference task, behind in-memory ports. */
function world(fixture: ReferenceFixture, overrides: Partial<BuildTraceDeps> = {}): World {
  const history = new InMemoryTaskHistory();
  history.recordEvents(fixture.events);
  const logs = referenceLogSource([fixture]);
  const taskDefinitions = new InMemoryTaskDefinitionStore(fixture.taskDefinitions);
  const serviceEvents = new InMemoryServiceEventStore();
  const deps: BuildTraceDeps = {
    history,
    taskDefinitions,
    serviceEvents,
    serviceEventSource: new FakeServiceEventSource(fixture.serviceEvents),
    logs,
    clock: fixedClock(fixture.nowMs),
    ...overrides,
  };
  return { deps, history, logs, taskDefinitions, serviceEvents };
}

function request(fixture: ReferenceFixture, overrides: Partial<BuildTraceRequest> = {}): BuildTraceRequest {
  return {
    cluster: clusterNamed(fixture.clusterName),
    taskId: fixture.taskId,
    durationMs: MINUTE,
    ...overrides,
  };
}

const text = (lines: readonly TraceLine[]) => formatTraceText(lines, { timeZone: REFERENCE_TIME_ZONE });
const notices = (lines: readonly TraceLine[]) =>
  lines.filter((l) => l.source === 'TRACER').map((l) => l.message);

/** Reads every page of a trace, as a client following nextCursor would. */
async function allPages(deps: BuildTraceDeps, first: BuildTraceRequest) {
  const lines: TraceLine[] = [];
  let cursor: string | undefined;
  let pages = 0;
  let logCalls = 0;
  const pageSizes: number[] = [];
  do {
    const page = await buildTaskTrace(deps, { ...first, ...(cursor ? { cursor } : {}) });
    lines.push(...page.lines);
    pageSizes.push(page.lines.length);
    logCalls += page.logCalls;
    cursor = page.nextCursor;
    pages += 1;
    if (pages > 1000) throw new Error('paging does not end');
  } while (cursor);
  return { lines, pages, logCalls, pageSizes };
}

describe('buildTaskTrace: the reference examples', () => {
  it.each(loadReferences().map((f) => [f.taskId, f] as const))(
    'prints every line of example %s, in order, and exactly the golden trace',
    async (_taskId, fixture) => {
      // Prepare
      const { deps } = world(fixture);

      // Act
      const trace = await buildTaskTrace(deps, request(fixture));
      const output = text(trace.lines);

      // Assess
      const expected = fixture.exampleText.trimEnd().split('\n');
      expect(missingFromSubsequence(output.split('\n'), expected)).toBeUndefined();
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(fixture.goldenPath)) {
        writeFileSync(fixture.goldenPath, output);
      }
      expect(output).toBe(readFileSync(fixture.goldenPath, 'utf8'));
      expect(trace.source).toBe('recorded');
      expect(trace.nextCursor).toBeUndefined();
    },
  );

  it('reads the logs of the user-stopped task in two windows, each to its repeated token', async () => {
    const fixture = loadReference(REFERENCE_TASK_IDS.userStopped);
    const { deps, logs } = world(fixture);
    const trace = await buildTaskTrace(deps, request(fixture));
    expect(logs.requests.map((r) => [r.startMs, r.endMs])).toEqual([
      [Date.parse('2021-11-26T16:48:41.251Z'), Date.parse('2021-11-26T16:51:02.269Z')],
      [Date.parse('2021-11-26T17:00:58.598Z'), Date.parse('2021-11-26T17:03:33.559Z')],
    ]);
    expect(trace.logCalls).toBe(4);
  });

  it('shows the failure diagnosis of the failed pull as a TRACER line at the stop', async () => {
    const fixture = loadReference(REFERENCE_TASK_IDS.failedPull);
    const trace = await buildTaskTrace(world(fixture).deps, request(fixture));
    const last = trace.lines[trace.lines.length - 1];
    expect(last?.source).toBe('TRACER');
    expect(last?.message).toMatch(/^Diagnosis \(image-pull\): /);
    expect(last?.epochMs).toBe(Date.parse('2021-11-26T17:29:57.070Z'));
    expect(trace.task.failure).toMatchObject({ failed: true, kind: 'image-pull' });
  });

  it('explains the missing log stream of a task that never started its container', async () => {
    const fixture = loadReference(REFERENCE_TASK_IDS.failedPull);
    const trace = await buildTaskTrace(world(fixture).deps, request(fixture));
    expect(notices(trace.lines)[0]).toBe(
      'container nginx wrote no logs: the task never started it (log stream ecs/nginx/9f654c76cde14c7c85cf54dce087658a does not exist in log group /ecs/nginx)',
    );
  });
});

describe('buildTaskTrace: service events', () => {
  const fixture = loadReference(REFERENCE_TASK_IDS.serviceReplaced);
  const serviceLines = (lines: readonly TraceLine[]) => lines.filter((l) => l.source === 'SERVICE');
  const goldenServiceLines = async () =>
    serviceLines((await buildTaskTrace(world(fixture).deps, request(fixture))).lines);

  it('merges recorded events with DescribeServices events, once each, inside the windows only', async () => {
    // Prepare: half the events were recorded, and ECS still remembers all of them.
    const { deps, serviceEvents } = world(fixture);
    await serviceEvents.putServiceEvents(
      clusterNamed('default'),
      fixture.serviceEvents.filter((_, i) => i % 2 === 0),
    );

    // Act
    const trace = await buildTaskTrace(deps, request(fixture));

    // Assess
    const lines = serviceLines(trace.lines);
    expect(lines).toHaveLength(6);
    expect(lines).toEqual(await goldenServiceLines());
    expect(serviceEvents.queries.map((q) => q.serviceName)).toEqual(['nginx-local', 'nginx-local']);
  });

  it('uses the recorded events once the service is gone', async () => {
    // Prepare
    const { deps, serviceEvents } = world(fixture, {
      serviceEventSource: new FakeServiceEventSource(undefined),
    });
    await serviceEvents.putServiceEvents(clusterNamed('default'), fixture.serviceEvents);

    // Act
    const trace = await buildTaskTrace(deps, request(fixture));

    // Assess
    expect(serviceLines(trace.lines)).toEqual(await goldenServiceLines());
  });

  it.each([
    [
      'access denied',
      Object.assign(
        new Error(
          'User: arn:aws:sts::123456789012:assumed-role/tracer-api/fn is not authorized to perform: ecs:DescribeServices',
        ),
        { name: 'AccessDeniedException' },
      ),
      'access denied: AccessDeniedException',
    ],
    [
      'throttling',
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
      'throttled by AWS: ThrottlingException',
    ],
    ['an unnamed fault', new Error('socket hang up at 10.0.0.1'), 'an unexpected error'],
  ])(
    'adds a client-safe notice and keeps the recorded events when DescribeServices fails with %s',
    async (_name, error, reason) => {
      // Prepare
      const source = new FakeServiceEventSource([]);
      source.error = error;
      const { deps, serviceEvents } = world(fixture, { serviceEventSource: source });
      await serviceEvents.putServiceEvents(clusterNamed('default'), fixture.serviceEvents);

      // Act
      const trace = await buildTaskTrace(deps, request(fixture));

      // Assess
      expect(serviceLines(trace.lines)).toHaveLength(6);
      expect(notices(trace.lines)).toEqual([
        `recent events of service nginx-local could not be read from ECS (${reason}); recorded events are shown`,
      ]);
      expect(notices(trace.lines).join('\n')).not.toContain(error.message);
    },
  );

  it('shows no service lines for a standalone task', async () => {
    const standalone = loadReference(REFERENCE_TASK_IDS.userStopped);
    const { deps, serviceEvents } = world(standalone);
    const trace = await buildTaskTrace(deps, request(standalone));
    expect(serviceLines(trace.lines)).toEqual([]);
    expect(serviceEvents.queries).toEqual([]);
  });
});

describe('buildTaskTrace: partial failures become notices', () => {
  const fixture = loadReference(REFERENCE_TASK_IDS.serviceReplaced);
  const arn = 'arn:aws:ecs:ap-northeast-1:123456789012:task-definition/nginx-local:3';

  function withContainers(containers: ContainerLogConfig[]): TaskDefinitionInfo[] {
    return [
      { status: 'described', taskDefinitionArn: arn, containers, describedAt: '2021-12-03T02:06:22.000Z' },
    ];
  }

  it.each<[string, ContainerLogConfig[], string]>([
    [
      'a log group that does not exist',
      [
        {
          containerName: 'nginx',
          logDriver: 'awslogs',
          logGroup: '/ecs/app',
          streamPrefix: 'ecs',
          essential: true,
        },
      ],
      'logs of container nginx could not be read: log group /ecs/app does not exist',
    ],
    [
      'a FireLens container recorded before tracer kept log options',
      [{ containerName: 'nginx', logDriver: 'awsfirelens', essential: true }],
      'logs of container nginx could not be located: it logs through FireLens, and the recorded task definition predates tracer keeping log options',
    ],
    [
      'a container on the splunk log driver',
      [
        {
          containerName: 'nginx',
          logDriver: 'splunk',
          logOptions: { 'splunk-url': 'https://splunk.example.com:8088', 'splunk-token': '[REDACTED]' },
          essential: true,
        },
      ],
      'logs of container nginx are not in CloudWatch Logs: the splunk log driver sends them to Splunk (url https://splunk.example.com:8088)',
    ],
    [
      'a container without log configuration',
      [{ containerName: 'nginx', essential: true }],
      'container nginx has no log configuration, so its output was not kept',
    ],
    [
      'an awslogs configuration without a group',
      [{ containerName: 'nginx', logDriver: 'awslogs', essential: true }],
      'logs of container nginx could not be read: its awslogs configuration names no awslogs-group',
    ],
  ])('reports %s', async (_name, containers, notice) => {
    // Prepare
    const { deps } = world(fixture, {
      taskDefinitions: new InMemoryTaskDefinitionStore(withContainers(containers)),
    });

    // Act
    const trace = await buildTaskTrace(deps, request(fixture));

    // Assess
    expect(notices(trace.lines)).toEqual([notice]);
    expect(trace.lines.find((l) => l.source === 'TRACER')?.epochMs).toBe(
      Date.parse('2021-12-03T02:06:21.633Z'),
    );
    expect(trace.lines.filter((l) => l.source === 'TASK')).toHaveLength(10);
  });

  it('reports denied access to the logs and still returns the rest of the trace', async () => {
    // Prepare
    const { deps, logs } = world(fixture);
    logs.fail(
      '/ecs/nginx-local',
      'ecs/nginx/834a5628bef14f2dbb81c7bc0b272160',
      new LogUnavailableError(
        'access-denied',
        'access to log stream ecs/nginx/834a5628bef14f2dbb81c7bc0b272160 in log group /ecs/nginx-local was denied (AccessDeniedException)',
      ),
    );

    // Act
    const trace = await buildTaskTrace(deps, request(fixture));

    // Assess
    expect(notices(trace.lines)).toEqual([
      'logs of container nginx could not be read: access to log stream ecs/nginx/834a5628bef14f2dbb81c7bc0b272160 in log group /ecs/nginx-local was denied (AccessDeniedException)',
    ]);
    expect(trace.lines.filter((l) => l.kind === 'log')).toEqual([]);
    expect(trace.lines.filter((l) => l.kind === 'service')).toHaveLength(6);
  });

  it('reads each container it can and reports the one it cannot', async () => {
    // Prepare
    const containers: ContainerLogConfig[] = [
      {
        containerName: 'nginx',
        logDriver: 'awslogs',
        logGroup: '/ecs/nginx-local',
        streamPrefix: 'ecs',
        essential: true,
      },
      {
        containerName: 'log-router',
        logDriver: 'awslogs',
        logGroup: '/ecs/firelens',
        streamPrefix: 'ecs',
        essential: false,
      },
    ];
    const { deps } = world(fixture, {
      taskDefinitions: new InMemoryTaskDefinitionStore(withContainers(containers)),
    });

    // Act
    const trace = await buildTaskTrace(deps, request(fixture));

    // Assess
    expect(notices(trace.lines)).toEqual([
      'logs of container log-router could not be read: log group /ecs/firelens does not exist',
    ]);
    expect(trace.lines.filter((l) => l.kind === 'log').length).toBeGreaterThan(40);
  });

  it('finds a stream without prefix by the container id ECS reported', async () => {
    // Prepare
    const containers: ContainerLogConfig[] = [
      { containerName: 'nginx', logDriver: 'awslogs', logGroup: '/ecs/nginx-local', essential: true },
    ];
    const { deps, logs } = world(fixture, {
      taskDefinitions: new InMemoryTaskDefinitionStore(withContainers(containers)),
    });
    logs.putLogEvents('/ecs/nginx-local', '834a5628bef14f2dbb81c7bc0b272160-2531612879', [
      { timestampMs: Date.parse('2021-12-03T02:06:50.000Z'), message: 'from the container id stream' },
    ]);

    // Act
    const trace = await buildTaskTrace(deps, request(fixture));

    // Assess
    expect(trace.lines.filter((l) => l.kind === 'log').map((l) => l.message)).toEqual([
      'from the container id stream',
    ]);
  });

  it('reports a task definition that was never recorded when ECS cannot be asked', async () => {
    const { deps } = world(fixture, { taskDefinitions: new InMemoryTaskDefinitionStore() });
    const trace = await buildTaskTrace(deps, request(fixture));
    expect(notices(trace.lines)).toEqual([
      'task definition nginx-local:3 was not recorded, so the logs of its containers cannot be located',
    ]);
    expect(trace.taskDefinition).toBeUndefined();
  });

  it('reports a task definition that ECS could no longer describe', async () => {
    const { deps } = world(fixture, {
      taskDefinitions: new InMemoryTaskDefinitionStore(),
      taskDefinitionSource: new FakeTaskDefinitionSource([]),
    });
    const trace = await buildTaskTrace(deps, request(fixture));
    expect(notices(trace.lines)).toEqual([
      'task definition nginx-local:3 could not be described (ClientException), so the logs of its containers cannot be located',
    ]);
    expect(trace.taskDefinition?.status).toBe('unavailable');
  });

  it('reports a recorded denial to describe the task definition without the AWS message', async () => {
    // Prepare
    const store = new InMemoryTaskDefinitionStore();
    await store.putTaskDefinition({
      status: 'unavailable',
      taskDefinitionArn: arn,
      reason:
        'AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/tracer-api/fn is not authorized to perform: ecs:DescribeTaskDefinition',
      describedAt: '2021-11-26T17:30:00.000Z',
    });
    const { deps } = world(fixture, { taskDefinitions: store });

    // Act
    const trace = await buildTaskTrace(deps, request(fixture));

    // Assess
    expect(notices(trace.lines)).toEqual([
      'task definition nginx-local:3 could not be described (access denied: AccessDeniedException), so the logs of its containers cannot be located',
    ]);
  });

  it.each([
    ['throttling', 'ThrottlingException', 'Rate exceeded', 'throttled by AWS: ThrottlingException'],
    [
      'access denied',
      'AccessDeniedException',
      'User: arn:aws:sts::123456789012:assumed-role/tracer-api/fn is not authorized to perform: ecs:DescribeTaskDefinition',
      'access denied: AccessDeniedException',
    ],
    ['a server fault', 'ServerException', 'Service unavailable in account 123456789012', 'ServerException'],
  ])(
    'reports a task definition lookup that failed with %s, without the AWS message',
    async (_case, name, message, reason) => {
      // Prepare
      const source = new FakeTaskDefinitionSource([]);
      source.error = Object.assign(new Error(message), { name });
      const { deps } = world(fixture, {
        taskDefinitions: new InMemoryTaskDefinitionStore(),
        taskDefinitionSource: source,
      });

      // Act
      const trace = await buildTaskTrace(deps, request(fixture));

      // Assess
      expect(notices(trace.lines)).toEqual([
        `task definition nginx-local:3 could not be described (${reason}), so the logs of its containers cannot be located`,
      ]);
    },
  );

  it('describes an unrecorded task definition, records it, and finds the logs with it', async () => {
    // Prepare
    const store = new InMemoryTaskDefinitionStore();
    const { deps } = world(fixture, {
      taskDefinitions: store,
      taskDefinitionSource: new FakeTaskDefinitionSource(fixture.taskDefinitions),
    });

    // Act
    const trace = await buildTaskTrace(deps, request(fixture));

    // Assess
    expect(store.puts.map((p) => p.taskDefinitionArn)).toEqual([arn]);
    expect(text(trace.lines)).toBe(readFileSync(fixture.goldenPath, 'utf8'));
  });

  it('still returns the trace when recording the task definition fails', async () => {
    const store = new InMemoryTaskDefinitionStore();
    store.failPuts = true;
    const { deps } = world(fixture, {
      taskDefinitions: store,
      taskDefinitionSource: new FakeTaskDefinitionSource(fixture.taskDefinitions),
    });
    const trace = await buildTaskTrace(deps, request(fixture));
    expect(text(trace.lines)).toBe(readFileSync(fixture.goldenPath, 'utf8'));
  });

  it('fails when the log source breaks in a way it does not name', async () => {
    const { deps, logs } = world(fixture);
    logs.fail('/ecs/nginx-local', 'ecs/nginx/834a5628bef14f2dbb81c7bc0b272160', new TypeError('bug'));
    await expect(buildTaskTrace(deps, request(fixture))).rejects.toThrow('bug');
  });
});

describe('buildTaskTrace: tasks tracer never recorded', () => {
  const fixture = loadReference(REFERENCE_TASK_IDS.serviceReplaced);

  async function recordedSummary(): Promise<TaskSummary> {
    const history = new InMemoryTaskHistory();
    history.recordEvents(fixture.events);
    const task = await history.getTask(clusterNamed('default'), fixture.taskId);
    if (!task) throw new Error('the fixture records the task');
    return task.summary;
  }

  it('builds the trace live from ECS when ECS still knows the task', async () => {
    // Prepare
    const live = new FakeLiveTaskSource([{ ...(await recordedSummary()), eventId: 'ecs:DescribeTasks' }]);
    const { deps } = world(fixture, { history: new InMemoryTaskHistory(), live });

    // Act
    const trace = await buildTaskTrace(deps, request(fixture));

    // Assess
    expect(trace.source).toBe('live');
    expect(live.calls).toEqual([{ clusterName: 'default', taskId: fixture.taskId }]);
    expect(trace.task.failure).toMatchObject({ failed: false });
    expect(text(trace.lines)).toBe(readFileSync(fixture.goldenPath, 'utf8'));
  });

  it('does not ask ECS about a recorded task', async () => {
    const live = new FakeLiveTaskSource([]);
    const trace = await buildTaskTrace(world(fixture, { live }).deps, request(fixture));
    expect(trace.source).toBe('recorded');
    expect(live.calls).toEqual([]);
  });

  it.each([
    ['no live source is wired', undefined],
    ['ECS does not know the task either', new FakeLiveTaskSource([])],
    [
      'ECS denies DescribeTasks in a cluster tracer does not watch',
      Object.assign(new FakeLiveTaskSource([]), {
        error: new AccessDeniedError('tracer may not describe tasks in cluster default (ecs:DescribeTasks)'),
      }),
    ],
  ])('fails with TaskNotFoundError when %s', async (_name, live) => {
    const { deps } = world(fixture, { history: new InMemoryTaskHistory(), ...(live ? { live } : {}) });
    const failure = buildTaskTrace(deps, request(fixture));
    await expect(failure).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(failure).rejects.toThrow(`task ${fixture.taskId} not found in cluster default`);
  });
});

describe('buildTaskTrace: full mode and paging', () => {
  const fixture = loadReference(REFERENCE_TASK_IDS.serviceReplaced);

  it('reads the whole life of the task in full mode', async () => {
    // Prepare
    const { deps, logs } = world(fixture);

    // Act
    const windowed = await buildTaskTrace(deps, request(fixture));
    const full = await buildTaskTrace(deps, request(fixture, { full: true }));

    // Assess
    expect(logs.requests.at(-1)).toMatchObject({
      startMs: Date.parse('2021-12-03T02:05:21.633Z'),
      endMs: Date.parse('2021-12-03T02:24:04.873Z'),
    });
    const extra = full.lines.length - windowed.lines.length;
    // Health checks between the windows, and the service events of the middle of the task's life.
    expect(extra).toBe(
      (fixture.streams[0]?.events.length ?? 0) - windowed.lines.filter((l) => l.kind === 'log').length + 2,
    );
    expect(
      missingFromSubsequence(text(full.lines).split('\n'), text(windowed.lines).trimEnd().split('\n')),
    ).toBeUndefined();
  });

  it.each([1, 2, 7, 50])(
    'pages a full trace of %d lines a page with no line lost or repeated',
    async (maxLines) => {
      // Prepare
      const { deps } = world(fixture);
      const whole = await buildTaskTrace(deps, request(fixture, { full: true }));

      // Act
      const paged = await allPages(deps, request(fixture, { full: true, maxLines }));

      // Assess
      expect(text(paged.lines)).toBe(text(whole.lines));
      // A page ends early where a container's read was cut, so that no later line of it is missed.
      expect(paged.pages).toBeGreaterThanOrEqual(Math.ceil(whole.lines.length / maxLines));
      expect(paged.pageSizes.every((size) => size <= maxLines)).toBe(true);
    },
  );

  it('pages interleaved containers that each hold more events than a page, bursts in one millisecond included', async () => {
    // Prepare: three containers logging into the same milliseconds, 600 events each.
    const arn = 'arn:aws:ecs:ap-northeast-1:123456789012:task-definition/nginx-local:3';
    const names = ['a', 'b', 'c'];
    const start = Date.parse('2021-12-03T02:07:00.000Z');
    const { deps, logs } = world(fixture, {
      taskDefinitions: new InMemoryTaskDefinitionStore([
        {
          status: 'described',
          taskDefinitionArn: arn,
          containers: names.map((containerName) => ({
            containerName,
            logDriver: 'awslogs',
            logGroup: '/ecs/multi',
            streamPrefix: 'ecs',
            essential: true,
          })),
          describedAt: '2021-12-03T02:06:22.000Z',
        },
      ]),
    });
    names.forEach((name, c) => {
      logs.putLogEvents(
        '/ecs/multi',
        `ecs/${name}/${fixture.taskId}`,
        Array.from({ length: 600 }, (_, i) => ({
          timestampMs: start + Math.floor(i / (10 + c)),
          message: `${name}${i}`,
        })),
      );
    });
    const whole = await buildTaskTrace(deps, request(fixture, { full: true }));

    // Act
    const paged = await allPages(deps, request(fixture, { full: true, maxLines: 97 }));

    // Assess
    expect(whole.lines.filter((l) => l.kind === 'log')).toHaveLength(1800);
    expect(paged.lines.map((l) => `${l.epochMs}|${l.source}|${l.message}`)).toEqual(
      whole.lines.map((l) => `${l.epochMs}|${l.source}|${l.message}`),
    );
  });

  it('pages windowed traces too when maxLines is given', async () => {
    const { deps } = world(fixture);
    const whole = await buildTaskTrace(deps, request(fixture));
    const paged = await allPages(deps, request(fixture, { maxLines: 10 }));
    expect(text(paged.lines)).toBe(text(whole.lines));
    expect(paged.pageSizes.every((size) => size <= 10)).toBe(true);
  });

  it.each<[string, Partial<BuildTraceRequest>, RegExp]>([
    ['a negative duration', { durationMs: -1 }, /duration must be zero or more/],
    ['a duration that is not a number', { durationMs: Number.NaN }, /duration must be zero or more/],
    ['a zero maxLines', { maxLines: 0 }, /maxLines must be a positive integer/],
    ['a fractional maxLines', { maxLines: 2.5 }, /maxLines must be a positive integer/],
    [
      'a cursor tracer did not issue',
      { cursor: 'bm90IGEgY3Vyc29y' },
      /is not a trace cursor that tracer issued/,
    ],
  ])('rejects %s', async (_name, overrides, message) => {
    const failure = buildTaskTrace(world(fixture).deps, request(fixture, overrides));
    await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
    await expect(failure).rejects.toThrow(message);
  });
});

describe('buildTaskTrace: log concurrency', () => {
  const fixture = loadReference(REFERENCE_TASK_IDS.serviceReplaced);

  /** A log source that answers after a tick and remembers how many reads overlapped. */
  class SlowLogSource implements LogSource {
    inFlight = 0;
    maxInFlight = 0;
    async readLogStream(_request: LogStreamRequest): Promise<LogStreamResult> {
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      this.inFlight -= 1;
      return { events: [], calls: 1, truncated: false };
    }
  }

  function manyContainers(count: number): InMemoryTaskDefinitionStore {
    return new InMemoryTaskDefinitionStore([
      {
        status: 'described',
        taskDefinitionArn: 'arn:aws:ecs:ap-northeast-1:123456789012:task-definition/nginx-local:3',
        containers: Array.from({ length: count }, (_, i) => ({
          containerName: `c${i}`,
          logDriver: 'awslogs',
          logGroup: '/ecs/many',
          streamPrefix: 'ecs',
          essential: true,
        })),
        describedAt: '2021-12-03T02:06:22.000Z',
      },
    ]);
  }

  it.each([
    [undefined, DEFAULT_LOG_CONCURRENCY],
    [2, 2],
    [1, 1],
  ])(
    'reads containers in parallel with concurrency %s (at most %d at once)',
    async (logConcurrency, expected) => {
      // Prepare
      const logs = new SlowLogSource();
      const { deps } = world(fixture, {
        logs,
        taskDefinitions: manyContainers(9),
        ...(logConcurrency !== undefined ? { logConcurrency } : {}),
      });

      // Act
      const trace = await buildTaskTrace(deps, request(fixture));

      // Assess
      expect(logs.maxInFlight).toBe(expected);
      expect(trace.logCalls).toBe(9 * 2);
    },
  );
});

describe('buildTaskTrace: recorded service events reach the trace', () => {
  it('filters a service event far from the windows out', async () => {
    const fixture = loadReference(REFERENCE_TASK_IDS.serviceReplaced);
    const far: ServiceEvent = {
      clusterName: 'default',
      serviceName: 'nginx-local',
      eventId: 'far',
      createdAt: '2021-12-03T02:15:00.000Z',
      message: '(service nginx-local) has reached a steady state.',
      source: 'service-action',
    };
    const { deps } = world(fixture, { serviceEventSource: new FakeServiceEventSource([far]) });
    const trace = await buildTaskTrace(deps, request(fixture));
    expect(trace.lines.filter((l) => l.kind === 'service')).toEqual([]);
  });
});

describe('buildTaskTrace: deadlines', () => {
  const fixture = loadReference(REFERENCE_TASK_IDS.serviceReplaced);

  it('reads nothing once time has run out, and points the cursor where the reads would start', async () => {
    // Prepare
    const { deps, logs } = world(fixture);
    const describeServices = new FakeServiceEventSource(fixture.serviceEvents);
    let asked = 0;
    const counting = {
      recentServiceEvents: async () => {
        asked += 1;
        return describeServices.recentServiceEvents();
      },
    };

    // Act
    const trace = await buildTaskTrace(
      { ...deps, serviceEventSource: counting },
      request(fixture, { timeLeftMs: () => 0 }),
    );

    // Assess
    const firstWindowStartMs = Date.parse('2021-12-03T02:05:21.633Z');
    expect(logs.requests).toEqual([]);
    expect(asked).toBe(0);
    expect(trace.stoppedAtMs).toBe(firstWindowStartMs);
    expect(trace.lines).toEqual([]);
    expect(trace.nextCursor).toBe(encodeTraceCursor({ epochMs: firstWindowStartMs, skip: 0 }));
  });

  it('stops where time ran out, and pages from there add up to the whole trace', async () => {
    // Prepare: a page of five events costs a second; each call of the use case has two.
    const logs = referenceLogSource([fixture], 5);
    const { deps } = world(fixture, { logs });
    let leftMs = 0;
    logs.onPage = () => {
      leftMs -= 1_000;
    };
    const lines: TraceLine[] = [];
    let cursor: string | undefined;
    let stopped = 0;

    // Act
    for (let i = 0; i < 100; i++) {
      leftMs = 2_000;
      const page = await buildTaskTrace(
        deps,
        request(fixture, { timeLeftMs: () => leftMs, ...(cursor ? { cursor } : {}) }),
      );
      if (page.stoppedAtMs !== undefined) stopped += 1;
      lines.push(...page.lines);
      cursor = page.nextCursor;
      if (!cursor) break;
    }

    // Assess
    expect(stopped).toBeGreaterThan(1);
    expect(text(lines)).toBe(readFileSync(fixture.goldenPath, 'utf8'));
  });

  it('keeps the lines of a read that failed part way, says why, and goes on from there on the next page', async () => {
    // Prepare: the stream's reads are throttled after its first 20 events.
    const { deps, logs } = world(fixture);
    let readUntil = Number.NaN;
    const failing: LogSource = {
      async readLogStream(req) {
        const result = await logs.readLogStream(req);
        if (result.events.length <= 20) return result;
        const events = result.events.slice(0, 20);
        readUntil = events[19]?.timestampMs as number;
        return {
          events,
          calls: result.calls,
          truncated: true,
          resumeAfterMs: readUntil,
          failure: new LogUnavailableError('throttled', 'CloudWatch Logs kept throttling reads'),
        };
      },
    };

    // Act
    const page = await buildTaskTrace({ ...deps, logs: failing }, request(fixture));

    // Assess
    expect(notices(page.lines)).toContain(
      `logs of container nginx could not be read after ${new Date(readUntil).toISOString()}: CloudWatch Logs kept throttling reads`,
    );
    expect(page.lines.filter((l) => l.kind === 'log').length).toBeGreaterThan(0);
    expect(page.lines.every((l) => l.epochMs <= readUntil)).toBe(true);
    expect(page.nextCursor).toBeDefined();
    expect(page.stoppedAtMs).toBeUndefined();
  });
});
