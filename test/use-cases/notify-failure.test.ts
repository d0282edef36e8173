import { describe, expect, it } from 'vitest';
import type { NotifySettings } from '../../lambda/config/notify-settings.js';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import { InvalidTaskEventError, LogUnavailableError } from '../../lambda/core/errors.js';
import type { TaskSummary } from '../../lambda/core/model.js';
import { SNS_MAX_MESSAGE_BYTES } from '../../lambda/core/notification.js';
import {
  NOTIFY_TRACE_MAX_LINES,
  NotificationInProgressError,
  type NotifyFailureDeps,
  notifyFailure,
  SettleDelayPendingError,
  TaskNotRecordedYetError,
  traceFailureReason,
} from '../../lambda/use-cases/notify-failure.js';
import type { LogSource, LogStreamRequest, LogStreamResult } from '../../lambda/use-cases/ports.js';
import {
  awslogsTaskDefinition,
  BooleanLedger,
  FakeNotificationLedger,
  FakeNotifier,
  type FakeTraceWorld,
  fakeSleep,
  fakeTraceWorld,
} from '../fakes/notify-fakes.js';
import { InMemoryLogSource, InMemoryTaskDefinitionStore } from '../fakes/trace-ports.js';
import { loadLogDriverFixture } from '../support/log-driver-fixtures.js';
import { loadEventJson } from '../support/notify-fixtures.js';

const SETTLE_MS = 30_000;

const REFERENCE_PULL_TRACE = [
  '2021-11-27T02:29:15.055+09:00\tTASK\tCreated',
  '2021-11-27T02:29:33.527+09:00\tTASK\tExecution stopped',
  '2021-11-27T02:29:43.569+09:00\tTASK\tStopping',
  '2021-11-27T02:29:43.569+09:00\tTASK\tStoppedReason:CannotPullContainerError: inspect image has been retried 1 time(s): failed to resolve ref "docker.io/library/ngin:latest": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
  '2021-11-27T02:29:43.569+09:00\tTASK\tStoppedCode:TaskFailedToStart',
  '2021-11-27T02:29:57.070+09:00\tTASK\tStopped',
];

function summaryOf(event: unknown): TaskSummary {
  const parsed = parseEcsEvent(event);
  if (parsed.type !== 'task-state-change') throw new Error('not a task event');
  return parsed.transition;
}

interface Harness {
  readonly world: FakeTraceWorld;
  readonly ledger: FakeNotificationLedger;
  readonly notifier: FakeNotifier;
  readonly sleep: ReturnType<typeof fakeSleep>;
  readonly deps: NotifyFailureDeps;
}

/** The world just after the settle point of the event's stop, with the event's task recorded. */
function harness(
  event: Record<string, unknown>,
  options: { settings?: NotifySettings; record?: boolean; nowMs?: number; format?: 'text' | 'chatbot' } = {},
): Harness {
  const summary = summaryOf(event);
  const stoppedAtMs = Date.parse(summary.stoppedAt ?? summary.eventTime);
  const world = fakeTraceWorld(options.nowMs ?? stoppedAtMs + SETTLE_MS);
  if (options.record ?? true) world.history.record(summary);
  const ledger = new FakeNotificationLedger();
  const notifier = new FakeNotifier();
  const sleep = fakeSleep(world.clock);
  const deps: NotifyFailureDeps = {
    trace: world.traceDeps,
    ledger,
    notifier,
    sleep,
    settings: options.settings ?? {},
    settleMs: SETTLE_MS,
    apiUrl: 'https://tracer.example.com/prod',
    timeZone: 'Asia/Tokyo',
    ...(options.format ? { format: options.format } : {}),
  };
  return { world, ledger, notifier, sleep, deps };
}

function expectInOrder(text: string, lines: readonly string[]): void {
  let from = 0;
  for (const line of lines) {
    const at = text.indexOf(line, from);
    expect(at, `"${line}" after offset ${from}`).toBeGreaterThanOrEqual(0);
    from = at + line.length;
  }
}

/** The fivexl service task whose app container ran out of memory, with awslogs configured. */
function oomWorld(options: { settings?: NotifySettings; nowMs?: number } = {}) {
  const event = loadEventJson('failure-oom.json');
  const h = harness(event, options);
  const summary = summaryOf(event);
  const arn = summary.taskDefinitionArn ?? '';
  h.world.taskDefinitions.definitions.set(
    arn,
    awslogsTaskDefinition(arn, ['envoy', 'app'], '/ecs/example-api'),
  );
  return { ...h, event, summary };
}

/**
 * One container stream of `count` lines spread evenly over [firstMs, lastMs], generated on demand so that
 * a test can log hundreds of thousands of lines without holding them. It honours maxEvents the way the
 * CloudWatch Logs adapter does (truncated, resumeAfterMs) and counts the events it hands out.
 */
class ChattyLogSource implements LogSource {
  eventsRead = 0;
  readonly requests: LogStreamRequest[] = [];

  constructor(
    private readonly logStream: string,
    private readonly count: number,
    private readonly firstMs: number,
    private readonly lastMs: number,
  ) {}

  private timestampOf(index: number): number {
    return this.firstMs + Math.floor(((this.lastMs - this.firstMs) * index) / (this.count - 1));
  }

  /** The first line at or after `ms`. */
  private indexAt(ms: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestampOf(mid) < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  async readLogStream(request: LogStreamRequest): Promise<LogStreamResult> {
    this.requests.push(request);
    if (request.logStream !== this.logStream) return { events: [], calls: 1, truncated: false };
    const events = [];
    for (let i = this.indexAt(request.startMs); i < this.count; i++) {
      const timestampMs = this.timestampOf(i);
      if (timestampMs > request.endMs) break;
      if (request.maxEvents !== undefined && events.length === request.maxEvents) {
        this.eventsRead += events.length;
        return { events, calls: 1, truncated: true, resumeAfterMs: events[events.length - 1]?.timestampMs };
      }
      events.push({ timestampMs, message: `line ${i}` });
    }
    this.eventsRead += events.length;
    return { events, calls: 1, truncated: false };
  }
}

describe('traceFailureReason', () => {
  it.each([
    [
      Object.assign(new Error('User: arn:aws:sts::1:assumed-role/x is not authorized'), {
        name: 'AccessDeniedException',
      }),
      'access was denied',
    ],
    [
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
      'AWS throttled the requests',
    ],
    [
      Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }),
      'AWS could not be reached in time',
    ],
    [Object.assign(new Error('oops'), { name: 'InternalServerError' }), 'an AWS service failed'],
    [new Error('arn:aws:dynamodb:eu-west-1:123456789012:table/secret broke'), 'an unexpected error occurred'],
    ['not an error', 'an unexpected error occurred'],
  ])('tells a client-safe reason without the raw message (%#)', (error, reason) => {
    expect(traceFailureReason(error)).toBe(reason);
  });
});

describe('notifyFailure', () => {
  it('keeps the last log line of a task that logged 200,000 lines, within the SNS size limit', async () => {
    const { deps, event, summary } = oomWorld();
    const startedAtMs = Date.parse(summary.startedAt ?? '');
    const stoppingAtMs = Date.parse(summary.stoppingAt ?? '');
    const logs = new ChattyLogSource(`ecs/app/${summary.taskId}`, 200_000, startedAtMs, stoppingAtMs - 1_000);
    const notifier = new FakeNotifier();

    const result = await notifyFailure({ ...deps, notifier, trace: { ...deps.trace, logs } }, { event });

    expect(result).toMatchObject({ outcome: 'published', shortened: true, fellBack: false });
    const body = notifier.published[0]?.body ?? '';
    expect(body).toContain('CONTAINER:app\tline 199999');
    expect(body).toContain('CONTAINER:app\tSTOPPED (exit code: 137)');
    expect(body).toContain(`the trace is longer than a notification reads (${NOTIFY_TRACE_MAX_LINES} lines)`);
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    // Bounded: the head pass and the tail pass each hold at most a budget of lines per read.
    expect(logs.eventsRead).toBeLessThan(200_000);
    expect(
      Math.max(...logs.requests.map((r) => r.maxEvents ?? Number.POSITIVE_INFINITY)),
    ).toBeLessThanOrEqual(NOTIFY_TRACE_MAX_LINES);
  });

  it('reads a trace within the line budget whole, without shortening it', async () => {
    const { deps, event, summary } = oomWorld();
    const startedAtMs = Date.parse(summary.startedAt ?? '');
    const stoppingAtMs = Date.parse(summary.stoppingAt ?? '');
    const logs = new ChattyLogSource(`ecs/app/${summary.taskId}`, 1_000, startedAtMs, stoppingAtMs - 1_000);
    const notifier = new FakeNotifier();

    const result = await notifyFailure({ ...deps, notifier, trace: { ...deps.trace, logs } }, { event });

    expect(result).toMatchObject({ outcome: 'published', shortened: false });
    const body = notifier.published[0]?.body ?? '';
    expect(body).toContain('CONTAINER:app\tline 0');
    expect(body).toContain('CONTAINER:app\tline 999');
    expect(body).not.toContain('longer than a notification reads');
  });

  it('publishes one notification for the reference pull failure, matching the reference trace', async () => {
    // Prepare
    const event = loadEventJson('failure-image-pull.json');
    const { deps, notifier, ledger } = harness(event);

    // Act
    const result = await notifyFailure(deps, { event });

    // Assess
    expect(result).toMatchObject({ outcome: 'published', failureKind: 'image-pull', fellBack: false });
    expect(notifier.published).toHaveLength(1);
    const [notification] = notifier.published;
    expect(notification?.subject).toBe('Tracer: 9f654c76cde14c7c85cf54dce087658a on default (image-pull)');
    const body = notification?.body ?? '';
    expect(body.split('\n')[0]).toBe(
      'Image pull failed: ECS could not pull docker.io/library/ngin:latest for container nginx; the repository or tag does not exist, or the registry denied access.',
    );
    expect(body).toContain(
      'Trace: https://tracer.example.com/prod/clusters/default/tasks/9f654c76cde14c7c85cf54dce087658a/trace',
    );
    expectInOrder(body, REFERENCE_PULL_TRACE);
    expect(body).toContain('TRACER\tDiagnosis (image-pull): Image pull failed');
    expect(notification?.attributes).toEqual({
      cluster: 'default',
      group: 'family:nginx',
      stopCode: 'TaskFailedToStart',
      failureKind: 'image-pull',
    });
    expect(notification?.format).toBe('text');
    expect(ledger.entries.get('default/9f654c76cde14c7c85cf54dce087658a')?.state).toBe('sent');
  });

  it("publishes a FireLens task's app lines, read from the records of its own stream", async () => {
    // Prepare
    const fixture = loadLogDriverFixture('fireLens');
    const event = fixture.events.at(-1) as Record<string, unknown>;
    const h = harness(event);
    const logs = new InMemoryLogSource().putStreams(fixture.streams);
    const deps: NotifyFailureDeps = {
      ...h.deps,
      trace: {
        ...h.deps.trace,
        taskDefinitions: new InMemoryTaskDefinitionStore(fixture.taskDefinitions),
        logs,
      },
    };

    // Act
    const result = await notifyFailure(deps, { event });

    // Assess
    expect(result).toMatchObject({ outcome: 'published', failureKind: 'essential-container-exited' });
    const body = h.notifier.published[0]?.body ?? '';
    expectInOrder(body, [
      '2024-05-14T18:14:41.802+09:00\tCONTAINER:app\t{"level":"error","msg":"unhandled rejection: connect ECONNREFUSED 10.0.3.12:6379"}',
      '2024-05-14T18:14:41.803+09:00\tCONTAINER:app\tprocess exiting with code 1',
    ]);
    expect(body).toContain(
      'TRACER\tlogs of container audit are not in CloudWatch Logs: FireLens (log router log_router) sends them to Datadog',
    );
    expect(body).not.toContain('GET /orders');
  });

  it('publishes no notification for a task a user stopped, and writes no claim', async () => {
    const event = loadEventJson('failure-user-stop.json');
    const { deps, notifier, ledger } = harness(event);

    const result = await notifyFailure(deps, { event });

    expect(result).toMatchObject({ outcome: 'filtered', failureKind: 'not-failed' });
    expect(notifier.published).toHaveLength(0);
    expect(ledger.entries.size).toBe(0);
  });

  it('includes the last log line that reached CloudWatch Logs during the settle delay', async () => {
    const { deps, world, notifier, event, summary } = oomWorld();
    const stoppingAtMs = Date.parse(summary.stoppingAt ?? '');
    const stoppedAtMs = Date.parse(summary.stoppedAt ?? '');
    world.logs.add('/ecs/example-api', `ecs/app/${summary.taskId}`, [
      { timestampMs: stoppingAtMs - 5_000, message: 'allocating cache' },
      // Written just before the kill, delivered to CloudWatch Logs 10 seconds after the task stopped.
      {
        timestampMs: stoppingAtMs - 1_000,
        message: 'FATAL: cannot allocate 512 MiB',
        availableAtMs: stoppedAtMs + 10_000,
      },
    ]);
    world.clock.set(stoppedAtMs + 2_000);

    const result = await notifyFailure(deps, { event });

    expect(result).toMatchObject({ outcome: 'published', waitedMs: SETTLE_MS - 2_000 });
    const body = notifier.published[0]?.body ?? '';
    expect(body).toContain('CONTAINER:app\tallocating cache');
    expect(body).toContain('CONTAINER:app\tFATAL: cannot allocate 512 MiB');
    expect(body.split('\n')[0]).toMatch(/^Out of memory: container app was killed/);
  });

  it('misses that late log line without a settle delay, which is why the delay exists', async () => {
    const { deps, world, notifier, event, summary } = oomWorld();
    const stoppedAtMs = Date.parse(summary.stoppedAt ?? '');
    world.logs.add('/ecs/example-api', `ecs/app/${summary.taskId}`, [
      {
        timestampMs: stoppedAtMs - 1_000,
        message: 'FATAL: cannot allocate 512 MiB',
        availableAtMs: stoppedAtMs + 10_000,
      },
    ]);
    world.clock.set(stoppedAtMs);

    await notifyFailure({ ...deps, settleMs: 0 }, { event });

    expect(notifier.published[0]?.body).not.toContain('FATAL');
  });

  it('sleeps until the settle point when the message arrives early', async () => {
    const event = loadEventJson('failure-image-pull.json');
    const stoppedAtMs = Date.parse('2021-11-26T17:29:57.070Z');
    const { deps, sleep, world, notifier } = harness(event, { nowMs: stoppedAtMs + 5_000 });

    await notifyFailure(deps, { event });

    expect(sleep.calls).toEqual([25_000]);
    expect(world.clock.nowMs()).toBe(stoppedAtMs + SETTLE_MS);
    expect(notifier.published).toHaveLength(1);
  });

  it('does not sleep when the queue delivered after the settle point', async () => {
    const event = loadEventJson('failure-image-pull.json');
    const { deps, sleep } = harness(event, { nowMs: Date.parse('2021-11-26T17:35:00.000Z') });

    await notifyFailure(deps, { event });

    expect(sleep.calls).toEqual([]);
  });

  it('rejects a message that arrives further ahead of the settle point than it may wait', async () => {
    const event = loadEventJson('failure-image-pull.json');
    const stoppedAtMs = Date.parse('2021-11-26T17:29:57.070Z');
    const { deps, sleep, notifier, ledger, world } = harness(event, { nowMs: stoppedAtMs });

    const attempt = notifyFailure(deps, { event, maxSettleWaitMs: 10_000 });

    await expect(attempt).rejects.toBeInstanceOf(SettleDelayPendingError);
    await expect(attempt).rejects.toMatchObject({ retryable: true, settleAtMs: stoppedAtMs + SETTLE_MS });
    expect(sleep.calls).toEqual([]);
    expect(world.history.getTaskCalls).toBe(0);
    expect(ledger.entries.size).toBe(0);
    expect(notifier.published).toHaveLength(0);
  });

  it('rejects with a retryable error while the recorder has not recorded the task', async () => {
    const event = loadEventJson('failure-image-pull.json');
    const { deps, notifier, ledger, world } = harness(event, { record: false });

    await expect(notifyFailure(deps, { event })).rejects.toBeInstanceOf(TaskNotRecordedYetError);
    expect(ledger.entries.size).toBe(0);

    world.history.record(summaryOf(event));
    const result = await notifyFailure(deps, { event });

    expect(result.outcome).toBe('published');
    expect(notifier.published).toHaveLength(1);
  });

  it('rejects with a retryable error while only an older version of the task is recorded', async () => {
    const event = loadEventJson('failure-image-pull.json');
    const { deps, world } = harness(event);
    const running = { ...summaryOf(event), version: 2, lastStatus: 'PENDING' };
    world.history.tasks.set('default/9f654c76cde14c7c85cf54dce087658a', { summary: running });

    await expect(notifyFailure(deps, { event })).rejects.toMatchObject({
      name: 'TaskNotRecordedYetError',
      version: 4,
      recordedVersion: 2,
    });
  });

  it('publishes once when the STOPPED event arrives twice and as a later version', async () => {
    const event = loadEventJson('failure-image-pull.json');
    const later = loadEventJson('failure-image-pull.json');
    later.id = 'a-later-delivery';
    (later.detail as Record<string, unknown>).version = 5;
    const { deps, notifier, world } = harness(event);
    world.history.record(summaryOf(later));

    const results = [
      await notifyFailure(deps, { event }),
      await notifyFailure(deps, { event }),
      await notifyFailure(deps, { event: later }),
    ];

    expect(results.map((r) => r.outcome)).toEqual(['published', 'already-notified', 'already-notified']);
    expect(notifier.published).toHaveLength(1);
  });

  it('recovers a claim whose attempt crashed before publishing, once the lease expires', async () => {
    const event = loadEventJson('failure-image-pull.json');
    const { deps, notifier, world } = harness(event);
    notifier.failuresLeft = 1;

    await expect(notifyFailure(deps, { event, leaseMs: 60_000 })).rejects.toThrow('Service Unavailable');
    world.clock.advance(30_000);
    await expect(notifyFailure(deps, { event, leaseMs: 60_000 })).rejects.toBeInstanceOf(
      NotificationInProgressError,
    );
    world.clock.advance(31_000);
    const result = await notifyFailure(deps, { event, leaseMs: 60_000 });

    expect(result.outcome).toBe('published');
    expect(notifier.published).toHaveLength(1);
  });

  it('never publishes again after markSent, however late the retry', async () => {
    const event = loadEventJson('failure-image-pull.json');
    const { deps, notifier, world } = harness(event);
    await notifyFailure(deps, { event, leaseMs: 1_000 });
    world.clock.advance(7 * 24 * 3_600_000);

    const result = await notifyFailure(deps, { event, leaseMs: 1_000 });

    expect(result.outcome).toBe('already-notified');
    expect(notifier.published).toHaveLength(1);
  });

  it('reports a failed markSent without failing, so that SQS does not publish again', async () => {
    const event = loadEventJson('failure-image-pull.json');
    const { deps, notifier, ledger } = harness(event);
    ledger.markSentFailure = Object.assign(new Error('throttled'), {
      name: 'ProvisionedThroughputExceededException',
    });

    const result = await notifyFailure(deps, { event });

    expect(result).toMatchObject({
      outcome: 'published',
      ledgerError: 'ProvisionedThroughputExceededException: throttled',
    });
    expect(notifier.published).toHaveLength(1);
  });

  it('still notifies when the logs cannot be read, with a notice', async () => {
    const { deps, world, notifier, event } = oomWorld();
    world.logs.failure = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

    const result = await notifyFailure(deps, { event });

    expect(result).toMatchObject({ outcome: 'published', notices: 2, fellBack: false });
    const body = notifier.published[0]?.body ?? '';
    expect(body).toContain(
      'TRACER\tlogs of container app could not be read: ThrottlingException: Rate exceeded',
    );
    expect(body).toContain('TRACER\tlogs of container envoy could not be read');
  });

  it('still notifies when a log group does not exist', async () => {
    const { deps, world, notifier, event } = oomWorld();
    world.logs.failure = new LogUnavailableError(
      'log-group-not-found',
      'log group /ecs/example-api does not exist',
    );

    await notifyFailure(deps, { event });

    expect(notifier.published[0]?.body).toContain('log group /ecs/example-api does not exist');
  });

  it('falls back to what the summary knows when the trace cannot be built', async () => {
    const { deps, world, notifier, event } = oomWorld();
    world.serviceEvents.failure = Object.assign(new Error('Internal server error'), {
      name: 'InternalServerError',
    });

    const result = await notifyFailure(deps, { event });

    expect(result).toMatchObject({ outcome: 'published', fellBack: true });
    const body = notifier.published[0]?.body ?? '';
    expect(body).toContain('TRACER\tthe full trace could not be built (an AWS service failed)');
    expect(body).not.toContain('Internal server error');
    expect(result).toMatchObject({ traceError: { name: 'InternalServerError' } });
    expect(body).toContain('TASK\tStoppedCode:EssentialContainerExited');
    expect(body).toContain('CONTAINER:app\tSTOPPED (exit code: 137)');
    expect(body).toContain('TRACER\tDiagnosis (out-of-memory)');
  });

  it("names another account's cluster by its ARN in the link and commands, so that they never meet a same-name cluster", async () => {
    // Prepare
    const event = loadEventJson('failure-image-pull.json');
    event.account = '222233334444';
    event.region = 'us-west-2';
    const detail = event.detail as Record<string, unknown>;
    detail.clusterArn = 'arn:aws:ecs:us-west-2:222233334444:cluster/default';
    detail.taskArn = 'arn:aws:ecs:us-west-2:222233334444:task/default/9f654c76cde14c7c85cf54dce087658a';
    event.resources = [detail.taskArn];
    const h = harness(event);
    const deps = { ...h.deps, home: { account: '123456789012', region: 'ap-northeast-1' } };

    // Act
    await notifyFailure(deps, { event });

    // Assess
    const body = h.notifier.published[0]?.body ?? '';
    const arn = 'arn:aws:ecs:us-west-2:222233334444:cluster/default';
    expect(body).toContain(
      `Trace: https://tracer.example.com/prod/clusters/${encodeURIComponent(arn)}/tasks/9f654c76cde14c7c85cf54dce087658a/trace`,
    );
    expect(body).toContain(`CLI: tracer ${arn} 9f654c76cde14c7c85cf54dce087658a`);
    expect(body).toContain(`Timeline: tracer ui ${arn} 9f654c76cde14c7c85cf54dce087658a`);
    expect(h.notifier.published[0]?.subject).toBe(
      'Tracer: 9f654c76cde14c7c85cf54dce087658a on default (image-pull)',
    );
  });

  it('names a home task by its cluster name when the home scope is known', async () => {
    const event = loadEventJson('failure-image-pull.json');
    const h = harness(event);
    const deps = { ...h.deps, home: { account: '123456789012', region: 'ap-northeast-1' } };

    await notifyFailure(deps, { event });

    const body = h.notifier.published[0]?.body ?? '';
    expect(body).toContain('CLI: tracer default 9f654c76cde14c7c85cf54dce087658a\n');
    expect(body).toContain(
      'Trace: https://tracer.example.com/prod/clusters/default/tasks/9f654c76cde14c7c85cf54dce087658a/trace',
    );
  });

  it('emits the Chatbot JSON without a subject format when asked', async () => {
    const event = loadEventJson('failure-image-pull.json');
    const { deps, notifier } = harness(event, { format: 'chatbot' });

    await notifyFailure(deps, { event });

    const notification = notifier.published[0];
    expect(notification?.format).toBe('chatbot');
    const message = JSON.parse(notification?.body ?? '{}');
    expect(message).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown' },
    });
    expect(message.content.description).toContain('Image pull failed');
  });

  it('applies the filters before claiming', async () => {
    const event = loadEventJson('failure-image-pull.json');
    const { deps, notifier, ledger } = harness(event, { settings: { excludeClusters: ['default'] } });

    const result = await notifyFailure(deps, { event });

    expect(result).toMatchObject({ outcome: 'filtered', reason: 'cluster default is in excludeClusters' });
    expect(ledger.entries.size).toBe(0);
    expect(notifier.published).toHaveLength(0);
  });

  it('notifies a Spot interruption only when the settings ask for it', async () => {
    const event = loadEventJson('failure-spot-interruption.json');
    const quiet = harness(event);
    const loud = harness(event, { settings: { notifySpotInterruptions: true } });

    const results = [await notifyFailure(quiet.deps, { event }), await notifyFailure(loud.deps, { event })];

    expect(results.map((r) => r.outcome)).toEqual(['filtered', 'published']);
    expect(loud.notifier.published[0]?.subject).toBe(
      'Tracer: a6eaf0150a4248dAA1bcbd688121014e on test (spot-interruption)',
    );
  });

  it('publishes once with a ledger that only answers yes or no', async () => {
    const event = loadEventJson('failure-image-pull.json');
    const { deps, notifier } = harness(event);
    const booleanDeps = { ...deps, ledger: new BooleanLedger() };

    await notifyFailure(booleanDeps, { event });
    const second = await notifyFailure(booleanDeps, { event });

    expect(second.outcome).toBe('already-notified');
    expect(notifier.published).toHaveLength(1);
  });

  it('ignores a task that has not stopped, and a service event', async () => {
    const running = loadEventJson('failure-image-pull.json');
    (running.detail as Record<string, unknown>).lastStatus = 'RUNNING';
    const { deps, notifier } = harness(loadEventJson('failure-image-pull.json'));
    const serviceEvent = {
      version: '0',
      id: 'f1',
      'detail-type': 'ECS Service Action',
      source: 'aws.ecs',
      account: '123456789012',
      time: '2021-11-26T17:29:57Z',
      region: 'ap-northeast-1',
      resources: ['arn:aws:ecs:ap-northeast-1:123456789012:service/default/web'],
      detail: {
        eventType: 'INFO',
        eventName: 'SERVICE_STEADY_STATE',
        clusterArn: 'arn:aws:ecs:ap-northeast-1:123456789012:cluster/default',
      },
    };

    const results = [
      await notifyFailure(deps, { event: running }),
      await notifyFailure(deps, { event: serviceEvent }),
    ];

    expect(results).toEqual([
      {
        outcome: 'ignored',
        reason: 'lastStatus is RUNNING',
        clusterName: 'default',
        taskId: '9f654c76cde14c7c85cf54dce087658a',
      },
      { outcome: 'ignored', reason: 'not a task state change' },
    ]);
    expect(notifier.published).toHaveLength(0);
  });

  it('rejects a malformed event with the reason', async () => {
    const event = loadEventJson('failure-image-pull.json');
    delete (event.detail as Record<string, unknown>).taskArn;
    const { deps } = harness(loadEventJson('failure-image-pull.json'));

    await expect(notifyFailure(deps, { event })).rejects.toBeInstanceOf(InvalidTaskEventError);
    await expect(notifyFailure(deps, { event })).rejects.toThrow(/detail\.taskArn/);
  });
});
