/**
 * The poll loop of a running task's page on a fake clock: vitest's fake timers drive the loop's scheduler,
 * and a fake tab stands for `document.hidden` and its visibilitychange events.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TaskSummaryResponse, TraceLineJson, TraceResponse } from '../../lambda/core/api-types.js';
import { ApiError } from '../../lambda/ui/app/api.js';
import {
  followLive,
  LIVE_GRACE_MS,
  LIVE_INTERVAL_MS,
  type LiveScheduler,
  LiveTrace,
} from '../../lambda/ui/app/live.js';

const START_MS = Date.parse('2024-05-01T12:00:00Z');

const line = (epochMs: number, message: string): TraceLineJson => ({
  timestamp: new Date(epochMs).toISOString(),
  epochMs,
  source: 'CONTAINER:app',
  message,
  kind: 'log',
});

const running: TaskSummaryResponse = {
  cluster: 'default',
  taskId: 'c13b4cb40f1f4fe4a2971f76ae5a47ad',
  taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/default/c13b4cb40f1f4fe4a2971f76ae5a47ad',
  lastStatus: 'RUNNING',
  version: 4,
  containers: [],
  source: 'recorded',
};

const stopped: TaskSummaryResponse = {
  ...running,
  lastStatus: 'STOPPED',
  version: 6,
  stopCode: 'EssentialContainerExited',
  failure: {
    failed: true,
    kind: 'essential-container-exited',
    diagnosis: 'essential container app exited with code 1',
    hint: 'read the last lines of app',
    container: 'app',
    exitCode: 1,
  },
};

const answer = (task: TaskSummaryResponse, lines: TraceLineJson[], sinceCursor?: string): TraceResponse => ({
  task,
  lines,
  logCalls: 1,
  ...(sinceCursor !== undefined ? { sinceCursor } : {}),
});

/** The tab: its timers are vitest's fake ones, counted, and its visibility is the test's to change. */
class FakeTab implements LiveScheduler {
  isHidden = false;
  pendingTimers = 0;
  mostPendingTimers = 0;
  readonly listeners = new Set<() => void>();

  after(ms: number, run: () => void): () => void {
    this.pendingTimers++;
    this.mostPendingTimers = Math.max(this.mostPendingTimers, this.pendingTimers);
    let pending = true;
    const settle = () => {
      if (pending) this.pendingTimers--;
      pending = false;
    };
    const timer = setTimeout(() => {
      settle();
      run();
    }, ms);
    return () => {
      settle();
      clearTimeout(timer);
    };
  }

  hidden(): boolean {
    return this.isHidden;
  }

  onVisibilityChange(run: () => void): () => void {
    this.listeners.add(run);
    return () => this.listeners.delete(run);
  }

  setHidden(hidden: boolean): void {
    this.isHidden = hidden;
    for (const listener of [...this.listeners]) listener();
  }
}

type Reply = TraceResponse | Error | { readonly afterMs: number; readonly answer: TraceResponse };

/**
 * A running task's page over a scripted source: each poll takes the next reply. It records when each poll
 * was made and with which since, how many were in flight at once, and what the page would show.
 */
function livePage(replies: Reply[], initial: TraceLineJson[] = []) {
  const tab = new FakeTab();
  const controller = new AbortController();
  const trace = new LiveTrace([...initial], running);
  const polls: Array<{ since: string; atMs: number }> = [];
  const banners: string[] = [];
  const errors: string[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  let ended = false;

  const poll = async (since: string, signal: AbortSignal): Promise<TraceResponse> => {
    polls.push({ since, atMs: Date.now() - START_MS });
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    try {
      const reply = replies.shift();
      if (reply === undefined) throw new Error('the test has no more replies');
      if (reply instanceof Error) throw reply;
      if ('afterMs' in reply) {
        // As fetch does, an abort ends the request at once.
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, reply.afterMs);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new Error('aborted'));
          });
        });
        return reply.answer;
      }
      return reply;
    } finally {
      inFlight--;
    }
  };

  const done = followLive({
    signal: controller.signal,
    scheduler: tab,
    poll,
    // As the task page: the banner shows the diagnosis once the status moves to a failed stop.
    onAnswer: (received) => {
      const change = trace.apply(received);
      if (change.statusChanged && trace.task.failure?.failed) banners.push(trace.task.failure.diagnosis);
    },
    onError: (error) => {
      errors.push(error instanceof Error ? error.message : String(error));
      return !(error instanceof ApiError && error.status >= 400 && error.status < 500);
    },
  }).then(() => {
    ended = true;
  });

  return {
    tab,
    controller,
    trace,
    polls,
    banners,
    errors,
    done,
    get ended() {
      return ended;
    },
    get mostInFlight() {
      return mostInFlight;
    },
    messages: () => trace.lines.map((l) => l.message),
  };
}

describe('the poll loop of a running task', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START_MS });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('polls since=start at once, then every interval with the previous sinceCursor, appending new lines', async () => {
    // Prepare
    const page = livePage(
      [
        answer(running, [line(1_000, 'listening'), line(2_000, 'request 1')], 'c1'),
        answer(running, [line(3_000, 'request 2')], 'c2'),
        answer(running, [], 'c3'),
      ],
      [line(1_000, 'listening')],
    );

    // Act
    await vi.advanceTimersByTimeAsync(0);
    const afterFirst = page.polls.length;
    await vi.advanceTimersByTimeAsync(LIVE_INTERVAL_MS - 1);
    const justBeforeSecond = page.polls.length;
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(LIVE_INTERVAL_MS);

    // Assess
    expect(afterFirst).toBe(1);
    expect(justBeforeSecond).toBe(1);
    expect(page.polls).toEqual([
      { since: 'start', atMs: 0 },
      { since: 'c1', atMs: LIVE_INTERVAL_MS },
      { since: 'c2', atMs: 2 * LIVE_INTERVAL_MS },
    ]);
    expect(page.messages()).toEqual(['listening', 'request 1', 'request 2']);
    expect(page.trace.logCalls).toBe(3);
    expect(page.ended).toBe(false);
    page.controller.abort();
    await page.done;
  });

  it('shows the diagnosis when the task stopped, polls once more after the grace period, then stops', async () => {
    // Prepare
    const page = livePage([
      answer(running, [line(1_000, 'listening')], 'c1'),
      answer(stopped, [line(2_000, 'fatal: out of cheese')], 'c2'),
      answer(stopped, [line(2_500, 'late event')], 'c3'),
    ]);

    // Act
    await vi.advanceTimersByTimeAsync(LIVE_INTERVAL_MS);
    const bannersAtStop = [...page.banners];
    await vi.advanceTimersByTimeAsync(LIVE_GRACE_MS - 1);
    const pollsBeforeGrace = page.polls.length;
    await vi.advanceTimersByTimeAsync(1);
    await page.done;
    await vi.advanceTimersByTimeAsync(10 * LIVE_INTERVAL_MS);

    // Assess
    expect(bannersAtStop).toEqual(['essential container app exited with code 1']);
    expect(pollsBeforeGrace).toBe(2);
    expect(page.polls).toEqual([
      { since: 'start', atMs: 0 },
      { since: 'c1', atMs: LIVE_INTERVAL_MS },
      { since: 'c2', atMs: LIVE_INTERVAL_MS + LIVE_GRACE_MS },
    ]);
    expect(page.messages()).toEqual(['listening', 'fatal: out of cheese', 'late event']);
    expect(page.banners).toHaveLength(1);
    expect(page.ended).toBe(true);
    expect(page.tab.pendingTimers).toBe(0);
  });

  it('keeps polling at the interval with the same since after a failed poll, and says why', async () => {
    // Prepare
    const page = livePage([
      answer(running, [line(1_000, 'listening')], 'c1'),
      new ApiError(502, 'the source did not answer'),
      new Error('Failed to fetch'),
      answer(running, [line(2_000, 'back')], 'c2'),
    ]);

    // Act
    await vi.advanceTimersByTimeAsync(3 * LIVE_INTERVAL_MS);

    // Assess
    expect(page.errors).toEqual(['the source did not answer', 'Failed to fetch']);
    expect(page.polls).toEqual([
      { since: 'start', atMs: 0 },
      { since: 'c1', atMs: LIVE_INTERVAL_MS },
      { since: 'c1', atMs: 2 * LIVE_INTERVAL_MS },
      { since: 'c1', atMs: 3 * LIVE_INTERVAL_MS },
    ]);
    expect(page.messages()).toEqual(['listening', 'back']);
    expect(page.ended).toBe(false);
    page.controller.abort();
    await page.done;
  });

  it('stops polling when a poll is refused with a 4xx, or the source answers no sinceCursor', async () => {
    // Prepare
    const refused = livePage([answer(running, [], 'c1'), new ApiError(400, 'since: not a cursor')]);
    const older = livePage([answer(running, [line(1_000, 'listening')])]);

    // Act
    await vi.advanceTimersByTimeAsync(10 * LIVE_INTERVAL_MS);
    await Promise.all([refused.done, older.done]);

    // Assess
    expect(refused.polls).toHaveLength(2);
    expect(refused.errors).toEqual(['since: not a cursor']);
    expect(older.polls).toHaveLength(1);
    expect(older.messages()).toEqual(['listening']);
    expect(refused.tab.pendingTimers + older.tab.pendingTimers).toBe(0);
  });

  it('never schedules a second poll while one waits or runs, however slow the answer or busy the tab', async () => {
    // Prepare
    const slow = (sinceCursor: string) => ({
      afterMs: 3 * LIVE_INTERVAL_MS,
      answer: answer(running, [], sinceCursor),
    });
    const page = livePage([slow('c1'), slow('c2'), slow('c3')]);

    // Act: the tab hides and shows again every half second, while the loop waits and while a poll runs.
    for (let step = 0; step < 40; step++) {
      page.tab.setHidden(true);
      await vi.advanceTimersByTimeAsync(100);
      page.tab.setHidden(false);
      await vi.advanceTimersByTimeAsync(400);
    }

    // Assess: one poll at a time, one timer at a time, each poll an interval after the previous answer.
    expect(page.mostInFlight).toBe(1);
    expect(page.tab.mostPendingTimers).toBe(1);
    const times = page.polls.map((p) => p.atMs);
    expect(times).toHaveLength(3);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(4 * LIVE_INTERVAL_MS);
    }
    page.controller.abort();
    await page.done;
  });

  it('does not poll while the tab is hidden, and polls once when it is visible again', async () => {
    // Prepare
    const page = livePage([answer(running, [], 'c1'), answer(running, [], 'c2'), answer(running, [], 'c3')]);
    await vi.advanceTimersByTimeAsync(0);

    // Act
    page.tab.setHidden(true);
    await vi.advanceTimersByTimeAsync(10 * LIVE_INTERVAL_MS);
    page.tab.setHidden(true);
    const pollsWhileHidden = page.polls.length;
    vi.setSystemTime(START_MS + 30_000);
    page.tab.setHidden(false);
    page.tab.setHidden(false);
    await vi.advanceTimersByTimeAsync(0);

    // Assess
    expect(pollsWhileHidden).toBe(1);
    expect(page.polls).toEqual([
      { since: 'start', atMs: 0 },
      { since: 'c1', atMs: 30_000 },
    ]);
    expect(page.tab.listeners.size).toBe(0);
    expect(page.tab.mostPendingTimers).toBe(1);
    page.controller.abort();
    await page.done;
  });

  it('ends at once when the page is left, leaving no timer or listener behind', async () => {
    // Prepare
    const page = livePage([answer(running, [], 'c1')]);
    await vi.advanceTimersByTimeAsync(0);

    // Act
    page.controller.abort();
    await page.done;
    await vi.advanceTimersByTimeAsync(10 * LIVE_INTERVAL_MS);

    // Assess
    expect(page.polls).toHaveLength(1);
    expect(page.tab.pendingTimers).toBe(0);
    expect(page.tab.listeners.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
