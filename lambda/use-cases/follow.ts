/**
 * Following a task, or a cluster, as it happens: the loops behind `tracer -f`, over a clock that sleeps and
 * a source that answers what is new since a cursor.
 *
 * Primary course of a task follow:
 * 1. Poll with `since=start`: the trace so far. Print each line the ledger has not printed yet, holding the
 *    diagnosis back so that it is the last line.
 * 2. Sleep for the interval and poll again with the cursor of the previous answer.
 * 3. Once the task is STOPPED, keep polling for the grace period (late log events), then print the
 *    diagnosis and end: `failed` when tracer classified the stop as a failure.
 * 4. An abort (Ctrl-C) ends the loop at once as `interrupted`. A quiet spell of `idleMs` is reported once
 *    per spell through `idle`.
 *
 * A cluster follow polls the cluster's task changes the same way until it is aborted.
 */
import type { TaskSummaryResponse, TraceLineJson } from '../core/api-types.js';
import { LineLedger } from '../core/follow.js';
import { TRACER_SOURCE } from '../core/trace.js';

/** The `since` of a first poll: everything so far, and a cursor to go on from. */
export const FOLLOW_START = 'start';
/** How long a follow keeps reading after the task stopped, for log events that arrive late. */
export const DEFAULT_GRACE_MS = 5_000;
/** Quiet for this long, a follow says so (on a terminal). */
export const DEFAULT_IDLE_MS = 30_000;
export const DEFAULT_FOLLOW_INTERVAL_MS = 2_000;

/** Time, and waiting, for a follow loop. `sleep` resolves early when the signal aborts. */
export interface FollowClock {
  nowMs(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** One answer about a task: its summary, the lines after `since`, and the cursor to pass next. */
export interface TaskPoll {
  readonly task: TaskSummaryResponse;
  readonly lines: readonly TraceLineJson[];
  readonly sinceCursor: string;
}

/** Where a task follow reads: one poll is one API request (or, with `--live`, ECS and CloudWatch Logs). */
export interface TaskPollSource {
  pollTask(since: string): Promise<TaskPoll>;
}

/** One transition of a task of the cluster. */
export interface TaskChange {
  readonly changedAt: string;
  readonly taskId: string;
  readonly lastStatus: string;
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  readonly failed?: boolean;
}

export interface ClusterPoll {
  readonly changes: readonly TaskChange[];
  readonly sinceCursor: string;
}

/** Where a cluster follow reads its task changes. */
export interface ClusterPollSource {
  pollCluster(since: string): Promise<ClusterPoll>;
}

export interface FollowTiming {
  readonly intervalMs: number;
  /** @default DEFAULT_GRACE_MS */
  readonly graceMs?: number;
  /** @default DEFAULT_IDLE_MS */
  readonly idleMs?: number;
}

/** Where a follow puts what it finds. */
export interface FollowOutput<T> {
  print(item: T): Promise<void>;
  /** Nothing new for `quietMs`. */
  idle(quietMs: number): void;
}

export type TaskFollowOutcome =
  | { readonly kind: 'stopped'; readonly failed: boolean; readonly task: TaskSummaryResponse }
  | { readonly kind: 'interrupted' };

/**
 * The poll's answer, or undefined as soon as the signal aborts: Ctrl-C never waits for a request in flight
 * (whose late answer or failure is then dropped).
 */
async function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    work.catch(() => {});
    return undefined;
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    work.catch(() => {});
  }
}

function isDiagnosis(line: TraceLineJson): boolean {
  return line.source === TRACER_SOURCE && line.message.startsWith('Diagnosis (');
}

/** Reports each spell of `idleMs` without news once. */
class IdleWatch {
  private lastNewsMs: number;
  private reportedMs = 0;

  constructor(
    private readonly clock: FollowClock,
    private readonly idleMs: number,
    private readonly report: (quietMs: number) => void,
  ) {
    this.lastNewsMs = clock.nowMs();
  }

  news(count: number): void {
    const nowMs = this.clock.nowMs();
    if (count > 0) {
      this.lastNewsMs = nowMs;
      this.reportedMs = 0;
      return;
    }
    const quietMs = nowMs - this.lastNewsMs;
    if (quietMs - this.reportedMs >= this.idleMs) {
      this.reportedMs = quietMs - (quietMs % this.idleMs);
      this.report(quietMs);
    }
  }
}

/**
 * Follows one task until it stopped and its last lines are read, or until `signal` aborts.
 * @example const outcome = await followTask(source, clock, { intervalMs: 2_000 }, output, signal)
 */
export async function followTask(
  source: TaskPollSource,
  clock: FollowClock,
  timing: FollowTiming,
  output: FollowOutput<TraceLineJson>,
  signal: AbortSignal,
): Promise<TaskFollowOutcome> {
  const graceMs = timing.graceMs ?? DEFAULT_GRACE_MS;
  const ledger = new LineLedger();
  const idle = new IdleWatch(clock, timing.idleMs ?? DEFAULT_IDLE_MS, (ms) => output.idle(ms));
  let since = FOLLOW_START;
  let stoppedSeenMs: number | undefined;
  const diagnoses: TraceLineJson[] = [];
  for (;;) {
    if (signal.aborted) return { kind: 'interrupted' };
    const poll = await unlessAborted(source.pollTask(since), signal);
    if (poll === undefined || signal.aborted) return { kind: 'interrupted' };
    since = poll.sinceCursor;
    const fresh = ledger.admit(poll.lines);
    for (const line of fresh) {
      if (isDiagnosis(line)) diagnoses.push(line);
      else await output.print(line);
    }
    idle.news(fresh.length);
    if (poll.task.lastStatus === 'STOPPED') {
      const nowMs = clock.nowMs();
      stoppedSeenMs ??= nowMs;
      const leftMs = stoppedSeenMs + graceMs - nowMs;
      if (leftMs <= 0) {
        for (const line of diagnoses) await output.print(line);
        return { kind: 'stopped', failed: poll.task.failure?.failed === true, task: poll.task };
      }
      await clock.sleep(Math.min(timing.intervalMs, leftMs), signal);
    } else {
      await clock.sleep(timing.intervalMs, signal);
    }
  }
}

/**
 * Follows a cluster's task changes until `signal` aborts.
 * @example await followCluster(source, clock, { intervalMs: 2_000 }, output, signal)
 */
export async function followCluster(
  source: ClusterPollSource,
  clock: FollowClock,
  timing: FollowTiming,
  output: FollowOutput<TaskChange>,
  signal: AbortSignal,
): Promise<{ readonly kind: 'interrupted' }> {
  const idle = new IdleWatch(clock, timing.idleMs ?? DEFAULT_IDLE_MS, (ms) => output.idle(ms));
  let since = FOLLOW_START;
  for (;;) {
    if (signal.aborted) return { kind: 'interrupted' };
    const poll = await unlessAborted(source.pollCluster(since), signal);
    if (poll === undefined || signal.aborted) return { kind: 'interrupted' };
    since = poll.sinceCursor;
    for (const change of poll.changes) await output.print(change);
    idle.news(poll.changes.length);
    await clock.sleep(timing.intervalMs, signal);
  }
}
