/**
 * `tracer -f` with a fake clock and a fake source whose trace grows between polls: lines once each and in
 * order, the exit codes, the grace period, Ctrl-C, the idle line and the flags.
 */

import { describe, expect, it } from 'vitest';
import type { CliDeps } from '../../lambda/cli/main.js';
import type { TraceRequest, TracerSource } from '../../lambda/cli/source.js';
import type {
  TaskListItem,
  TaskSummaryResponse,
  TraceLineJson,
  TraceResponse,
} from '../../lambda/core/api-types.js';
import type { ClusterRef } from '../../lambda/core/cluster-id.js';
import { advanceSince, decodeSinceCursor, encodeSinceCursor, linesAfter } from '../../lambda/core/follow.js';
import type { FollowClock } from '../../lambda/use-cases/follow.js';
import { runTracer } from './run-cli.js';

const START_MS = Date.parse('2024-05-01T12:00:00Z');
const TASK_ID = '9f654c76cde14c7c85cf54dce087658a';

/** A clock whose sleeps pass at once, moving its time on; `onSleep` lets a test act between polls. */
class FakeClock implements FollowClock {
  now = START_MS;
  readonly sleeps: number[] = [];
  onSleep: (clock: FakeClock) => void = () => {};

  nowMs(): number {
    return this.now;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    this.onSleep(this);
    if (signal?.aborted) return;
    this.now += ms;
  }
}

const logLine = (epochMs: number, message: string): TraceLineJson => ({
  timestamp: new Date(epochMs).toISOString(),
  epochMs,
  source: 'CONTAINER:app',
  message,
  kind: 'log',
});

/** A task whose trace the test appends to; it answers `since` as the API does. */
class GrowingTask implements Pick<TracerSource, 'getTraceJson'> {
  readonly lines: TraceLineJson[] = [
    {
      timestamp: new Date(START_MS - 5_000).toISOString(),
      epochMs: START_MS - 5_000,
      source: 'TASK',
      message: 'Created',
      kind: 'transition',
    },
  ];
  task: TaskSummaryResponse = {
    cluster: 'prod',
    taskId: TASK_ID,
    taskArn: `arn:aws:ecs:eu-west-1:123456789012:task/prod/${TASK_ID}`,
    lastStatus: 'RUNNING',
    version: 3,
    containers: [],
    source: 'recorded',
  };
  readonly requests: TraceRequest[] = [];

  async getTraceJson(_cluster: ClusterRef, _task: string, request: TraceRequest): Promise<TraceResponse> {
    this.requests.push(request);
    const previous =
      request.since === 'start' || !request.since ? undefined : decodeSinceCursor(request.since, 'trace');
    const sorted = [...this.lines].sort((a, b) => a.epochMs - b.epochMs);
    const fresh = linesAfter(previous, sorted);
    return {
      task: this.task,
      lines: fresh,
      logCalls: 0,
      sinceCursor: encodeSinceCursor(advanceSince(previous, 'trace', fresh, START_MS)),
    };
  }

  stop(failed: boolean, atMs: number): void {
    this.task = {
      ...this.task,
      lastStatus: 'STOPPED',
      stoppedAt: new Date(atMs).toISOString(),
      ...(failed
        ? {
            failure: {
              failed: true,
              kind: 'essential-container-exited',
              diagnosis: 'essential container app exited with code 1',
              container: 'app',
              exitCode: 1,
            } as unknown as TaskSummaryResponse['failure'],
          }
        : {
            failure: {
              failed: false,
              kind: 'not-failed',
              diagnosis: 'stopped by user',
            } as unknown as TaskSummaryResponse['failure'],
          }),
    };
    if (failed) {
      this.lines.push({
        timestamp: new Date(atMs).toISOString(),
        epochMs: atMs,
        source: 'TRACER',
        message: 'Diagnosis (essential-container-exited): essential container app exited with code 1',
        kind: 'notice',
      });
    }
    this.lines.push({
      timestamp: new Date(atMs).toISOString(),
      epochMs: atMs,
      source: 'TASK',
      message: 'Stopped',
      kind: 'transition',
    });
  }
}

function sourceOf(partial: Partial<TracerSource>): TracerSource {
  const unused = async () => {
    throw new Error('not used by a follow');
  };
  return {
    description: 'a fake source',
    listClusters: unused,
    listTasks: unused,
    getTask: unused,
    getTraceText: unused,
    getTraceJson: unused,
    close: () => {},
    ...partial,
  };
}

function depsOf(
  source: TracerSource,
  clock: FakeClock,
  controller = new AbortController(),
): Partial<CliDeps> {
  return {
    openSource: async () => source,
    follow: async () => ({ context: { clock, signal: controller.signal }, release: () => {} }),
  };
}

const FOLLOW = ['--endpoint', 'http://127.0.0.1:8787', '--tz', 'UTC', '-f', 'prod', TASK_ID];

describe('tracer -f CLUSTER TASK', () => {
  it('prints lines appended between polls once each, in order, then exits 0 after the grace period', async () => {
    // Prepare
    const task = new GrowingTask();
    const clock = new FakeClock();
    let polls = 0;
    clock.onSleep = () => {
      polls += 1;
      if (polls === 1) task.lines.push(logLine(START_MS + 1, 'one'), logLine(START_MS + 1, 'two'));
      if (polls === 2) task.lines.push(logLine(START_MS + 3_000, 'three'));
      if (polls === 3) task.stop(false, clock.now);
      // A late log event, read within the grace period.
      if (polls === 4) task.lines.push(logLine(clock.now - 500, 'late'));
    };

    // Act
    const run = await runTracer(FOLLOW, {
      deps: depsOf(sourceOf({ getTraceJson: (...a) => task.getTraceJson(...a) }), clock),
    });

    // Assess
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t').slice(1).join('\t')),
    ).toEqual([
      'TASK\tCreated',
      'CONTAINER:app\tone',
      'CONTAINER:app\ttwo',
      'CONTAINER:app\tthree',
      'TASK\tStopped',
      'CONTAINER:app\tlate',
    ]);
    expect(run.stdout.split('\n')[1]).toBe('2024-05-01T12:00:00.001Z\tCONTAINER:app\tone');
    expect(task.requests[0]?.since).toBe('start');
    expect(task.requests[1]?.since).toMatch(/^eyJ/);
  });

  it('keeps polling for 5 s after the task stopped, at the interval, before it exits', async () => {
    // Prepare
    const task = new GrowingTask();
    task.stop(false, START_MS);
    const clock = new FakeClock();

    // Act
    const run = await runTracer([...FOLLOW, '--interval', '2s'], {
      deps: depsOf(sourceOf({ getTraceJson: (...a) => task.getTraceJson(...a) }), clock),
    });

    // Assess
    expect(run.code).toBe(0);
    expect(clock.sleeps).toEqual([2_000, 2_000, 1_000]);
    expect(clock.now - START_MS).toBe(5_000);
  });

  it('exits 3 when the task failed, with the diagnosis as its last line', async () => {
    // Prepare
    const task = new GrowingTask();
    const clock = new FakeClock();
    let polls = 0;
    clock.onSleep = () => {
      polls += 1;
      if (polls === 1) task.stop(true, clock.now);
      if (polls === 2) task.lines.push(logLine(clock.now - 100, 'panic: exit 1'));
    };

    // Act
    const run = await runTracer(FOLLOW, {
      deps: depsOf(sourceOf({ getTraceJson: (...a) => task.getTraceJson(...a) }), clock),
    });

    // Assess
    expect(run.code).toBe(3);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.at(-2)).toContain('\tCONTAINER:app\tpanic: exit 1');
    expect(lines.at(-1)).toContain(
      '\tTRACER\tDiagnosis (essential-container-exited): essential container app exited with code 1',
    );
  });

  it('exits 130 at once on Ctrl-C', async () => {
    // Prepare
    const task = new GrowingTask();
    const clock = new FakeClock();
    const controller = new AbortController();
    clock.onSleep = () => controller.abort();

    // Act
    const run = await runTracer(FOLLOW, {
      deps: depsOf(sourceOf({ getTraceJson: (...a) => task.getTraceJson(...a) }), clock, controller),
    });

    // Assess
    expect(run).toMatchObject({ code: 130, stderr: '' });
    expect(task.requests).toHaveLength(1);
  });

  it.each([
    [true, 1],
    [false, 0],
  ])('says it is still following after 30 s of quiet only on a terminal (tty %s)', async (tty, idleLines) => {
    // Prepare
    const task = new GrowingTask();
    const clock = new FakeClock();
    const controller = new AbortController();
    clock.onSleep = (c) => {
      if (c.now - START_MS >= 40_000) controller.abort();
    };

    // Act
    const run = await runTracer(FOLLOW, {
      tty,
      deps: depsOf(sourceOf({ getTraceJson: (...a) => task.getTraceJson(...a) }), clock, controller),
    });

    // Assess
    expect(run.code).toBe(130);
    expect(
      run.stderr.split('\n').filter((l) => l === 'tracer: nothing new for 30s, still following'),
    ).toHaveLength(idleLines);
    expect(run.stdout.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('fails with a clear message when the source does not answer since polls', async () => {
    // Prepare
    const source = sourceOf({
      getTraceJson: async () => ({ task: new GrowingTask().task, lines: [], logCalls: 0 }),
    });

    // Act
    const run = await runTracer(FOLLOW, { deps: depsOf(source, new FakeClock()) });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/a fake source does not answer since polls; tracer -f needs a tracer API/);
  });
});

describe('tracer -f CLUSTER', () => {
  it('prints one line per task transition, reason redacted, until Ctrl-C; --failed asks for failures only', async () => {
    // Prepare
    const clock = new FakeClock();
    const controller = new AbortController();
    const answers: TaskListItem[][] = [
      [],
      [{ taskId: 'a1', taskArn: 'arn:a1', lastStatus: 'RUNNING', changedAt: '2024-05-01T12:00:01Z' }],
      [
        {
          taskId: 'a1',
          taskArn: 'arn:a1',
          lastStatus: 'STOPPED',
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'exited; password=hunter2',
          failureKind: 'essential-container-exited',
          changedAt: '2024-05-01T12:00:03Z',
        },
      ],
    ];
    const filters: unknown[] = [];
    const source = sourceOf({
      listTasks: async (_cluster, f) => {
        filters.push(f);
        const tasks = answers.shift();
        if (!tasks) controller.abort();
        return { tasks: tasks ?? [], sinceCursor: 'eyJ4IjoxfQ' };
      },
    });

    // Act
    const run = await runTracer(
      ['--endpoint', 'http://127.0.0.1:8787', '--tz', 'UTC', '-f', 'prod', '--failed'],
      {
        deps: depsOf(source, clock, controller),
      },
    );

    // Assess
    expect(run.code).toBe(130);
    expect(run.stdout).toBe(
      '2024-05-01T12:00:01.000Z\tTASK:a1\tRUNNING\n' +
        '2024-05-01T12:00:03.000Z\tTASK:a1\tSTOPPED\tEssentialContainerExited\texited; password=[REDACTED]\n',
    );
    expect(filters[0]).toEqual({ since: 'start', failed: true });
    expect(filters[1]).toEqual({ since: 'eyJ4IjoxfQ', failed: true });
  });
});

describe('follow flags', () => {
  it.each([
    [
      ['-f', 'prod', TASK_ID, '--interval', '100ms'],
      /^tracer: --interval: must be from 500ms to 5m, got "100ms"/,
    ],
    [['-f', 'prod', TASK_ID, '--interval', '6m'], /^tracer: --interval: must be from 500ms to 5m, got "6m"/],
    [['-f', 'prod', TASK_ID, '--interval', 'soon'], /^tracer: --interval: /],
    [
      ['prod', TASK_ID, '--interval', '2s'],
      /^tracer: --interval sets the time between the polls of --follow \(-f\); add -f/,
    ],
    [['-f'], /^tracer: --follow needs CLUSTER \(its task changes\) or CLUSTER TASK/],
    [['-f', 'prod', TASK_ID, '--json'], /^tracer: --follow cannot be combined with --json/],
  ])('rejects %j with a usage error', async (argv, message) => {
    // Act
    const run = await runTracer(['--endpoint', 'http://127.0.0.1:8787', ...argv]);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe('tracer -f and a request in flight', () => {
  it('exits 130 on Ctrl-C without waiting for the poll in flight', async () => {
    // Prepare
    const controller = new AbortController();
    const source = sourceOf({
      getTraceJson: () => {
        // The request hangs; Ctrl-C comes while it does.
        setTimeout(() => controller.abort(), 0);
        return new Promise<TraceResponse>(() => {});
      },
    });

    // Act
    const run = await runTracer(FOLLOW, { deps: depsOf(source, new FakeClock(), controller) });

    // Assess
    expect(run).toEqual({ code: 130, stdout: '', stderr: '' });
  });
});
