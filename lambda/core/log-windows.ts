import { LIFECYCLE_TIMESTAMPS, type LifecycleTimestamps, lifecycleMs } from './model.js';

/** A time range of log events to read, in epoch milliseconds, both ends inclusive. */
export interface LogWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** One minute, the original tracer's default `-duration`. */
export const DEFAULT_LOG_WINDOW_MS = 60_000;

function earliestMs(task: LifecycleTimestamps): number | undefined {
  let earliest: number | undefined;
  for (const field of LIFECYCLE_TIMESTAMPS) {
    const ms = lifecycleMs(task, field);
    if (ms !== undefined && !Number.isNaN(ms) && (earliest === undefined || ms < earliest)) earliest = ms;
  }
  return earliest;
}

/**
 * Sorts windows and merges the ones that overlap or touch, so that no log event is read twice.
 * @example mergeWindows([{ startMs: 5, endMs: 9 }, { startMs: 0, endMs: 6 }]) // [{ startMs: 0, endMs: 9 }]
 */
export function mergeWindows(windows: readonly LogWindow[]): LogWindow[] {
  const sorted = windows.filter((w) => w.endMs >= w.startMs).sort((a, b) => a.startMs - b.startMs);
  const merged: LogWindow[] = [];
  for (const window of sorted) {
    const last = merged[merged.length - 1];
    // Both ends are inclusive whole milliseconds, so [0, 5] and [6, 9] leave no gap between them.
    if (last && window.startMs <= last.endMs + 1) {
      merged[merged.length - 1] = { startMs: last.startMs, endMs: Math.max(last.endMs, window.endMs) };
    } else {
      merged.push(window);
    }
  }
  return merged;
}

/**
 * The time ranges of a task's container logs worth reading, merged when they overlap.
 * - head: createdAt − d to (pullStoppedAt ?? startedAt ?? createdAt) + d, the start-up;
 * - tail: (stoppingAt ?? stoppedAt ?? now) − d to (stoppedAt + d, or now while the task runs), the end;
 * - full: createdAt − d to stoppedAt + d (or now), the whole life.
 *
 * The tail falls back to stoppedAt before now so that a stopped task whose STOPPING transition was never
 * seen still gets its last lines rather than an empty range.
 * @example logWindows({ createdAt: '2021-11-26T16:49:41.251Z' }, 60_000, nowMs)
 */
export function logWindows(
  task: LifecycleTimestamps,
  durationMs: number,
  nowMs: number,
  options: { readonly full?: boolean } = {},
): LogWindow[] {
  const createdMs = lifecycleMs(task, 'createdAt') ?? earliestMs(task) ?? nowMs;
  const stoppedMs = lifecycleMs(task, 'stoppedAt');
  const endMs = stoppedMs !== undefined ? stoppedMs + durationMs : Math.max(nowMs, createdMs);
  if (options.full) return [{ startMs: createdMs - durationMs, endMs }];
  const headAnchorMs = lifecycleMs(task, 'pullStoppedAt') ?? lifecycleMs(task, 'startedAt') ?? createdMs;
  const tailAnchorMs = lifecycleMs(task, 'stoppingAt') ?? stoppedMs ?? nowMs;
  return mergeWindows([
    { startMs: createdMs - durationMs, endMs: headAnchorMs + durationMs },
    { startMs: tailAnchorMs - durationMs, endMs },
  ]);
}

/**
 * The awslogs stream of a container: `<awslogs-stream-prefix>/<container name>/<task id>`.
 * @example logStreamName('ecs', 'nginx', '84b5991528504856a2f003b7da9b2b82') === 'ecs/nginx/84b5991528504856a2f003b7da9b2b82'
 */
export function logStreamName(prefix: string, containerName: string, taskId: string): string {
  return `${prefix}/${containerName}/${taskId}`;
}

/**
 * Keeps the parts of windows at or after `fromMs`, for resuming a paged trace.
 * @example clipWindows([{ startMs: 0, endMs: 10 }, { startMs: 20, endMs: 30 }], 25) // [{ startMs: 25, endMs: 30 }]
 */
export function clipWindows(windows: readonly LogWindow[], fromMs: number): LogWindow[] {
  return windows
    .filter((w) => w.endMs >= fromMs)
    .map((w) => (w.startMs >= fromMs ? w : { startMs: fromMs, endMs: w.endMs }));
}

/** True when `epochMs` falls inside one of the windows. */
export function inWindows(windows: readonly LogWindow[], epochMs: number): boolean {
  return windows.some((w) => epochMs >= w.startMs && epochMs <= w.endMs);
}
