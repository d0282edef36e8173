import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FailureClassification } from '../../lambda/core/failure.js';
import type { ServiceEvent, TaskSummary } from '../../lambda/core/model.js';
import {
  buildTrace,
  type ContainerLogs,
  containerStatusLines,
  diagnosisLine,
  noticeLines,
  serviceEventLines,
  type TraceLine,
  type TraceParts,
  taskTransitionLines,
} from '../../lambda/core/trace.js';

const ms = (iso: string) => Date.parse(iso);

function summary(overrides: Partial<TaskSummary> = {}): TaskSummary {
  return {
    eventId: 'e1',
    eventTime: '2021-12-03T02:23:04Z',
    region: 'ap-northeast-1',
    account: '123456789012',
    clusterArn: 'arn:aws:ecs:ap-northeast-1:123456789012:cluster/default',
    clusterName: 'default',
    taskArn: 'arn:aws:ecs:ap-northeast-1:123456789012:task/default/834a5628bef14f2dbb81c7bc0b272160',
    taskId: '834a5628bef14f2dbb81c7bc0b272160',
    version: 6,
    lastStatus: 'STOPPED',
    createdAt: '2021-12-03T02:06:21.633Z',
    connectivityAt: '2021-12-03T02:06:24.906Z',
    pullStartedAt: '2021-12-03T02:06:39.602Z',
    pullStoppedAt: '2021-12-03T02:06:46.366Z',
    startedAt: '2021-12-03T02:06:46.768Z',
    stoppingAt: '2021-12-03T02:22:28.910Z',
    executionStoppedAt: '2021-12-03T02:22:40.527Z',
    stoppedAt: '2021-12-03T02:23:04.873Z',
    stopCode: 'ServiceSchedulerInitiated',
    stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/8709920613704280865)',
    containers: [{ name: 'nginx', lastStatus: 'STOPPED', exitCode: 0 }],
    ...overrides,
  };
}

function parts(overrides: Partial<TraceParts> = {}): TraceParts {
  return { transitions: [], serviceEvents: [], logs: [], statusLines: [], notices: [], ...overrides };
}

const line = (
  epochMs: number,
  source: string,
  message: string,
  kind: TraceLine['kind'] = 'log',
): TraceLine => ({
  epochMs,
  source,
  message,
  kind,
});

const describeLines = (lines: readonly TraceLine[]) =>
  lines.map((l) => `${l.epochMs} ${l.source} ${l.message}`);

describe('taskTransitionLines', () => {
  it('lists the lifecycle in the order that breaks ties, with reason and code at stoppingAt', () => {
    // Prepare
    const task = summary();

    // Act
    const lines = taskTransitionLines(task);

    // Assess
    expect(lines.map((l) => l.message)).toEqual([
      'Created',
      'Connected',
      'Pull started',
      'Pull stopped',
      'Started',
      'Stopping',
      'StoppedReason:Scaling activity initiated by (deployment ecs-svc/8709920613704280865)',
      'StoppedCode:ServiceSchedulerInitiated',
      'Execution stopped',
      'Stopped',
    ]);
    expect(lines.every((l) => l.source === 'TASK' && l.kind === 'transition')).toBe(true);
    expect(lines[6]?.epochMs).toBe(ms('2021-12-03T02:22:28.910Z'));
    expect(lines[7]?.epochMs).toBe(ms('2021-12-03T02:22:28.910Z'));
  });

  it.each([
    [
      'a pending task',
      {
        connectivityAt: undefined,
        pullStartedAt: undefined,
        pullStoppedAt: undefined,
        startedAt: undefined,
        stoppingAt: undefined,
        executionStoppedAt: undefined,
        stoppedAt: undefined,
        stopCode: undefined,
        stoppedReason: undefined,
      },
      ['Created'],
    ],
    [
      'a task that failed before pulling',
      { connectivityAt: undefined, pullStartedAt: undefined, pullStoppedAt: undefined, startedAt: undefined },
      [
        'Created',
        'Stopping',
        'StoppedReason:Scaling activity initiated by (deployment ecs-svc/8709920613704280865)',
        'StoppedCode:ServiceSchedulerInitiated',
        'Execution stopped',
        'Stopped',
      ],
    ],
    [
      'a legacy event without stopCode',
      { stopCode: undefined },
      [
        'Created',
        'Connected',
        'Pull started',
        'Pull stopped',
        'Started',
        'Stopping',
        'StoppedReason:Scaling activity initiated by (deployment ecs-svc/8709920613704280865)',
        'Execution stopped',
        'Stopped',
      ],
    ],
  ])('leaves out what ECS has not reported for %s', (_name, overrides, expected) => {
    expect(taskTransitionLines(summary(overrides)).map((l) => l.message)).toEqual(expected);
  });

  it('puts the stopped reason at stoppedAt when the STOPPING transition is unknown', () => {
    const lines = taskTransitionLines(summary({ stoppingAt: undefined }));
    const reason = lines.find((l) => l.message.startsWith('StoppedReason:'));
    expect(reason?.epochMs).toBe(ms('2021-12-03T02:23:04.873Z'));
  });

  it('redacts credentials in the stopped reason', () => {
    const lines = taskTransitionLines(
      summary({
        stoppedReason: 'CannotPullContainerError: https://b.s3.amazonaws.com/l?X-Amz-Signature=abc123',
      }),
    );
    expect(lines.find((l) => l.message.startsWith('StoppedReason:'))?.message).toBe(
      'StoppedReason:CannotPullContainerError: https://b.s3.amazonaws.com/l?X-Amz-Signature=[REDACTED]',
    );
  });
});

describe('containerStatusLines', () => {
  it.each([
    [{ name: 'nginx', lastStatus: 'STOPPED', exitCode: 0 }, 'CONTAINER:nginx', 'STOPPED (exit code: 0)'],
    [
      {
        name: 'app',
        lastStatus: 'STOPPED',
        exitCode: 137,
        reason: 'OutOfMemoryError: Container killed due to memory usage',
      },
      'CONTAINER:app',
      'STOPPED (exit code: 137) (reason: OutOfMemoryError: Container killed due to memory usage)',
    ],
    [
      { name: 'web', lastStatus: 'STOPPED', exitCode: 1, healthStatus: 'UNHEALTHY' },
      'CONTAINER:web',
      'STOPPED (exit code: 1) (health status: UNHEALTHY)',
    ],
    [{ name: 'sidecar', lastStatus: 'RUNNING', healthStatus: 'UNKNOWN' }, 'CONTAINER:sidecar', 'RUNNING'],
    [{ name: 'init' }, 'CONTAINER:init', 'UNKNOWN'],
  ])('describes %o as %s %s', (container, source, message) => {
    const [status] = containerStatusLines(summary({ containers: [container] }));
    expect(status).toEqual({ epochMs: ms('2021-12-03T02:23:04.873Z'), source, message, kind: 'status' });
  });

  it('stamps a running task’s status lines with the latest instant it knows', () => {
    const running = summary({
      lastStatus: 'RUNNING',
      stoppingAt: undefined,
      executionStoppedAt: undefined,
      stoppedAt: undefined,
      updatedAt: '2021-12-03T02:10:00.000Z',
      containers: [{ name: 'nginx', lastStatus: 'RUNNING' }],
    });
    expect(containerStatusLines(running)[0]?.epochMs).toBe(ms('2021-12-03T02:10:00.000Z'));
  });
});

describe('noticeLines and diagnosisLine', () => {
  it('places notices at createdAt as TRACER lines', () => {
    const [notice] = noticeLines(summary(), [
      'logs of container app could not be read: log group /ecs/app does not exist',
    ]);
    expect(notice).toEqual({
      epochMs: ms('2021-12-03T02:06:21.633Z'),
      source: 'TRACER',
      message: 'logs of container app could not be read: log group /ecs/app does not exist',
      kind: 'notice',
    });
  });

  it.each<[string, FailureClassification | undefined, string | undefined]>([
    ['no classification', undefined, undefined],
    [
      'a normal stop',
      { failed: false, kind: 'not-failed', diagnosis: 'The task stopped normally.' },
      undefined,
    ],
    [
      'a failure',
      {
        failed: true,
        kind: 'image-pull',
        diagnosis: 'The image could not be pulled.',
        hint: 'Check the image URI.',
      },
      'Diagnosis (image-pull): The image could not be pulled. Hint: Check the image URI.',
    ],
    [
      'a Spot interruption',
      { failed: false, kind: 'spot-interruption', diagnosis: 'Spot capacity was reclaimed.' },
      'Diagnosis (spot-interruption): Spot capacity was reclaimed.',
    ],
  ])('writes the diagnosis line for %s', (_name, failure, expected) => {
    const diagnosis = diagnosisLine(summary(), failure);
    expect(diagnosis?.message).toBe(expected);
    if (diagnosis) expect(diagnosis.epochMs).toBe(ms('2021-12-03T02:23:04.873Z'));
  });
});

describe('serviceEventLines', () => {
  it('turns service events into SERVICE lines and skips unreadable times', () => {
    const events: ServiceEvent[] = [
      {
        clusterName: 'default',
        serviceName: 'web',
        eventId: '1',
        createdAt: '2021-12-03T02:06:21.664Z',
        message: '(service web) has started 1 tasks.',
        source: 'describe-services',
      },
      {
        clusterName: 'default',
        serviceName: 'web',
        eventId: '2',
        createdAt: 'not a time',
        message: 'lost',
        source: 'describe-services',
      },
    ];
    expect(serviceEventLines(events)).toEqual([
      {
        epochMs: ms('2021-12-03T02:06:21.664Z'),
        source: 'SERVICE',
        message: '(service web) has started 1 tasks.',
        kind: 'service',
      },
    ]);
  });
});

describe('buildTrace', () => {
  it('orders lines by time and keeps the insertion order of ties: transitions, service, logs, status, notices', () => {
    // Prepare
    const t = 1_000;
    const input = parts({
      transitions: [
        line(t, 'TASK', 'Stopping', 'transition'),
        line(t, 'TASK', 'StoppedReason:x', 'transition'),
        line(t, 'TASK', 'StoppedCode:y', 'transition'),
      ],
      serviceEvents: [
        {
          clusterName: 'c',
          serviceName: 's',
          eventId: '1',
          createdAt: new Date(t).toISOString(),
          message: 'svc',
          source: 'describe-services',
        },
      ],
      logs: [
        {
          containerName: 'a',
          events: [
            { timestampMs: t - 1, message: 'early' },
            { timestampMs: t, message: 'a1' },
          ],
        },
        { containerName: 'b', events: [{ timestampMs: t, message: 'b1' }] },
      ],
      statusLines: [line(t, 'CONTAINER:a', 'STOPPED (exit code: 0)', 'status')],
      notices: [line(t, 'TRACER', 'notice', 'notice')],
      diagnosis: line(t, 'TRACER', 'diagnosis', 'notice'),
    });

    // Act
    const lines = buildTrace(input);

    // Assess
    expect(describeLines(lines)).toEqual([
      '999 CONTAINER:a early',
      '1000 TASK Stopping',
      '1000 TASK StoppedReason:x',
      '1000 TASK StoppedCode:y',
      '1000 SERVICE svc',
      '1000 CONTAINER:a a1',
      '1000 CONTAINER:b b1',
      '1000 CONTAINER:a STOPPED (exit code: 0)',
      '1000 TRACER notice',
      '1000 TRACER diagnosis',
    ]);
  });

  it('sorts transitions that ECS reported out of lifecycle order (execution stopped before stopping)', () => {
    const lines = buildTrace(
      parts({
        transitions: [
          line(3, 'TASK', 'Stopping', 'transition'),
          line(2, 'TASK', 'Execution stopped', 'transition'),
        ],
      }),
    );
    expect(describeLines(lines)).toEqual(['2 TASK Execution stopped', '3 TASK Stopping']);
  });

  it.each([
    ['adjacent duplicates', ['x', 'x', 'y'], ['x', 'y']],
    ['duplicates with other lines between', ['x', 'y', 'x', 'z', 'y'], ['x', 'y', 'z']],
    [
      'a long run of the same millisecond',
      [...'abcdefghijklmnop'.split(''), 'c', 'p', 'q'],
      [...'abcdefghijklmnopq'.split('')],
    ],
  ])('prints identical lines once: %s', (_name, messages, expected) => {
    const logs: ContainerLogs[] = [
      { containerName: 'app', events: messages.map((message) => ({ timestampMs: 5, message })) },
    ];
    expect(buildTrace(parts({ logs })).map((l) => l.message)).toEqual(expected);
  });

  it('keeps lines that differ in time or source', () => {
    const lines = buildTrace(
      parts({
        logs: [
          {
            containerName: 'a',
            events: [
              { timestampMs: 1, message: 'same' },
              { timestampMs: 2, message: 'same' },
            ],
          },
          { containerName: 'b', events: [{ timestampMs: 1, message: 'same' }] },
        ],
      }),
    );
    expect(describeLines(lines)).toEqual(['1 CONTAINER:a same', '1 CONTAINER:b same', '2 CONTAINER:a same']);
  });

  it('dedupes a recorded service event against the same event from DescribeServices', () => {
    const event: ServiceEvent = {
      clusterName: 'c',
      serviceName: 's',
      eventId: '1',
      createdAt: '2021-12-03T02:22:38.224Z',
      message: '(service s) has reached a steady state.',
      source: 'describe-services',
    };
    const lines = buildTrace(parts({ serviceEvents: [event, { ...event, eventId: 'eventbridge-copy' }] }));
    expect(lines).toHaveLength(1);
  });

  it('sorts a log stream that arrived out of order, keeping the order of equal times', () => {
    const logs: ContainerLogs[] = [
      {
        containerName: 'app',
        events: [
          { timestampMs: 3, message: 'c' },
          { timestampMs: 1, message: 'a' },
          { timestampMs: 3, message: 'd' },
          { timestampMs: 2, message: 'b' },
        ],
      },
    ];
    expect(buildTrace(parts({ logs })).map((l) => l.message)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('redacts credentials in log lines and drops their trailing newlines', () => {
    const logs: ContainerLogs[] = [
      {
        containerName: 'app',
        events: [
          { timestampMs: 1, message: 'GET /?X-Amz-Signature=deadbeef HTTP/1.1\r\n' },
          { timestampMs: 2, message: 'line one\nline two\n' },
        ],
      },
    ];
    expect(buildTrace(parts({ logs })).map((l) => l.message)).toEqual([
      'GET /?X-Amz-Signature=[REDACTED] HTTP/1.1',
      'line one\nline two',
    ]);
  });

  it('returns an empty trace for empty parts', () => {
    expect(buildTrace(parts())).toEqual([]);
  });

  it('gives the same answer as a stable sort of the concatenation followed by dedupe', () => {
    const event = fc.record({
      timestampMs: fc.integer({ min: 0, max: 20 }),
      message: fc.constantFrom('a', 'b', 'c'),
    });
    const stream = fc
      .array(event, { maxLength: 30 })
      .map((events) => [...events].sort((x, y) => x.timestampMs - y.timestampMs));
    const small = fc.array(
      fc.record({ epochMs: fc.integer({ min: 0, max: 20 }), message: fc.constantFrom('a', 'b') }),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(small, fc.array(stream, { maxLength: 4 }), small, (transitions, streams, statuses) => {
        const input = parts({
          transitions: transitions.map((t) => line(t.epochMs, 'TASK', t.message, 'transition')),
          logs: streams.map((events, i) => ({ containerName: `c${i % 2}`, events })),
          statusLines: statuses.map((s) => line(s.epochMs, 'CONTAINER:c0', s.message, 'status')),
        });
        const all: TraceLine[] = [
          ...input.transitions,
          ...input.logs.flatMap((l) =>
            l.events.map((e) => line(e.timestampMs, `CONTAINER:${l.containerName}`, e.message)),
          ),
          ...input.statusLines,
        ].sort((x, y) => x.epochMs - y.epochMs);
        const seen = new Set<string>();
        const expected = all.filter((l) => {
          const key = `${l.epochMs}|${l.source}|${l.message}`;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
        expect(describeLines(buildTrace(input))).toEqual(describeLines(expected));
      }),
      { numRuns: 300 },
    );
  });
});
