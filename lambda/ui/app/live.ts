/**
 * A running task's page keeps itself up to date: it polls the trace route with `since` (as `tracer -f`
 * does), merges what is new into the lines it has, and stops once the task has stopped and a last poll,
 * after a grace period for late log events, has returned.
 */
import type { TaskSummaryResponse, TraceLineJson, TraceResponse } from '../../core/api-types.js';

/** Between polls, as `tracer -f` by default. */
export const LIVE_INTERVAL_MS = 2_000;
/** After the STOPPED status, as `tracer -f`: CloudWatch Logs may make the last events readable late. */
export const LIVE_GRACE_MS = 5_000;

const keyOf = (line: TraceLineJson): string => `${line.epochMs}\u0000${line.source}\u0000${line.message}`;

/** How many copies of each line the page holds: a line answered again is shown once. */
export function countLines(lines: readonly TraceLineJson[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const key = keyOf(line);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * Merges the lines of a poll into `lines` (kept in time order, a new line after those of the same
 * millisecond) and returns how many were new. The n-th copy of a line within one answer is new only when
 * fewer than n copies are held: `since=start` answers again what the paged load already read, and a live
 * source may answer a rebuilt transition on every poll.
 * @example mergeNewLines(lines, countLines(lines), answer.lines)
 */
export function mergeNewLines(
  lines: TraceLineJson[],
  seen: Map<string, number>,
  incoming: readonly TraceLineJson[],
): number {
  const inAnswer = new Map<string, number>();
  let added = 0;
  for (const line of incoming) {
    const key = keyOf(line);
    const copy = (inAnswer.get(key) ?? 0) + 1;
    inAnswer.set(key, copy);
    if (copy <= (seen.get(key) ?? 0)) continue;
    seen.set(key, copy);
    added++;
    const last = lines[lines.length - 1];
    if (!last || last.epochMs <= line.epochMs) {
      lines.push(line);
      continue;
    }
    let lo = 0;
    let hi = lines.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((lines[mid]?.epochMs ?? 0) <= line.epochMs) lo = mid + 1;
      else hi = mid;
    }
    lines.splice(lo, 0, line);
  }
  return added;
}

/** What one poll's answer changed. */
export interface LiveChange {
  /** How many of its lines were new. */
  readonly added: number;
  /** The task's status moved: the page redraws the diagnosis banner and the facts. */
  readonly statusChanged: boolean;
}

/**
 * A running task's trace as the page holds it, updated by each poll's answer: the lines (in time order,
 * each once), the task's latest summary and the log calls made so far.
 * @example const change = trace.apply(answer); if (change.statusChanged) redrawBanner(trace.task);
 */
export class LiveTrace {
  private readonly seen: Map<string, number>;

  constructor(
    readonly lines: TraceLineJson[],
    public task: TaskSummaryResponse,
    public logCalls = 0,
  ) {
    this.seen = countLines(lines);
  }

  apply(answer: TraceResponse): LiveChange {
    const statusChanged = answer.task.lastStatus !== this.task.lastStatus;
    this.task = answer.task;
    this.logCalls += answer.logCalls;
    return { added: mergeNewLines(this.lines, this.seen, answer.lines), statusChanged };
  }
}

/**
 * The clock and the tab's visibility that the poll loop waits on: the browser's by default, a fake clock
 * in tests.
 */
export interface LiveScheduler {
  /** Runs `run` once after `ms`; the returned function cancels it. */
  after(ms: number, run: () => void): () => void;
  /** Whether the tab is hidden now. */
  hidden(): boolean;
  /** Runs `run` on every change of the tab's visibility until the returned function is called. */
  onVisibilityChange(run: () => void): () => void;
}

/** The browser's timers and `document.hidden`. */
export const browserScheduler: LiveScheduler = {
  after: (ms, run) => {
    const timer = window.setTimeout(run, ms);
    return () => window.clearTimeout(timer);
  },
  hidden: () => document.hidden,
  onVisibilityChange: (run) => {
    document.addEventListener('visibilitychange', run);
    return () => document.removeEventListener('visibilitychange', run);
  },
};

/** Resolves after `ms`, and then once the tab is visible: a hidden tab does not poll. */
function nextTurn(ms: number, signal: AbortSignal, scheduler: LiveScheduler): Promise<void> {
  return new Promise((resolve) => {
    let cancelTimer = () => {};
    let stopWatching = () => {};
    const done = () => {
      cancelTimer();
      stopWatching();
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done);
    cancelTimer = scheduler.after(ms, () => {
      cancelTimer = () => {};
      if (!scheduler.hidden()) return done();
      stopWatching = scheduler.onVisibilityChange(() => {
        if (!scheduler.hidden()) done();
      });
    });
  });
}

export interface LiveOptions {
  readonly poll: (since: string, signal: AbortSignal) => Promise<TraceResponse>;
  readonly onAnswer: (answer: TraceResponse) => void;
  /** A poll failed: said on the page; polling goes on unless the answer was a 4xx. */
  readonly onError: (error: unknown) => boolean;
  readonly signal: AbortSignal;
  /** @default browserScheduler */
  readonly scheduler?: LiveScheduler;
}

/**
 * Polls from `since=start` until the task has stopped and one more poll after the grace period returned,
 * the signal aborts, or the source does not answer since polls (an older API).
 */
export async function followLive(options: LiveOptions): Promise<void> {
  const { signal } = options;
  const scheduler = options.scheduler ?? browserScheduler;
  let since = 'start';
  let stopped = false;
  let wait = 0;
  while (!signal.aborted) {
    await nextTurn(wait, signal, scheduler);
    if (signal.aborted) return;
    let answer: TraceResponse;
    try {
      answer = await options.poll(since, signal);
    } catch (error) {
      if (signal.aborted || !options.onError(error)) return;
      wait = LIVE_INTERVAL_MS;
      continue;
    }
    options.onAnswer(answer);
    if (stopped || answer.sinceCursor === undefined) return;
    since = answer.sinceCursor;
    stopped = answer.task.lastStatus === 'STOPPED';
    wait = stopped ? LIVE_GRACE_MS : LIVE_INTERVAL_MS;
  }
}
