/**
 * What the timeline shows, worked out from a task summary and its trace lines: the lifecycle phases, one
 * lane per container, the log density per container and the SERVICE and INSTANCE markers. Pure: the page
 * draws it, and the tests check it without a browser.
 */
import type { TaskSummaryResponse, TraceLineJson } from '../../core/api-types.js';

export type PhaseName = 'provisioning' | 'pending and pull' | 'running' | 'stopping' | 'deprovisioning';

export interface Phase {
  readonly name: PhaseName;
  readonly startMs: number;
  readonly endMs: number;
}

export interface ContainerLane {
  readonly name: string;
  /** When it ran: the task's start to its stop; absent when the task never started it. */
  readonly run?: { readonly startMs: number; readonly endMs: number };
  readonly exitCode?: number;
  readonly reason?: string;
  readonly lastStatus?: string;
  readonly essential?: boolean;
  /** Log lines per bin of the axis. */
  readonly density: readonly number[];
}

export interface Marker {
  readonly epochMs: number;
  readonly source: string;
  readonly message: string;
}

export interface TimelineModel {
  readonly startMs: number;
  readonly endMs: number;
  readonly phases: readonly Phase[];
  /** The image pull inside the pending phase, when ECS reported it. */
  readonly pull?: { readonly startMs: number; readonly endMs: number };
  readonly lanes: readonly ContainerLane[];
  readonly markers: readonly Marker[];
  /** Where and why the task stopped: its stop code at stoppingAt (or stoppedAt). */
  readonly stop?: { readonly epochMs: number; readonly stopCode?: string };
  readonly bins: number;
}

/** Bins of each container's log-density histogram. */
export const DENSITY_BINS = 160;

/** The source of a container's log lines and status line. */
export const containerSource = (name: string): string => `CONTAINER:${name}`;

const msOf = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
};

const firstOf = (...values: Array<number | undefined>): number | undefined =>
  values.find((value) => value !== undefined);

/**
 * The lifecycle phases as ECS reports them: provisioning (created to connected, Fargate only), pending and
 * pull (to started), running (to stopping), stopping (to execution stopped) and deprovisioning (to
 * stopped). A task that never started goes from pending straight to stopping. A running task's last phase
 * ends at `nowMs`.
 * @example lifecyclePhases(task, Date.now()).map((p) => p.name)
 */
export function lifecyclePhases(task: TaskSummaryResponse, nowMs: number): Phase[] {
  const created = msOf(task.createdAt);
  const connected = msOf(task.connectivityAt);
  const started = msOf(task.startedAt);
  const stopping = msOf(task.stoppingAt);
  const executionStopped = msOf(task.executionStoppedAt);
  const stopped = msOf(task.stoppedAt);
  const phases: Phase[] = [];
  const add = (name: PhaseName, startMs: number | undefined, endMs: number | undefined) => {
    if (startMs !== undefined && endMs !== undefined && endMs >= startMs)
      phases.push({ name, startMs, endMs });
  };
  const stopMarks = [executionStopped, stopping, stopped].filter((ms): ms is number => ms !== undefined);
  const firstStop = stopMarks.length > 0 ? Math.min(...stopMarks) : undefined;
  add('provisioning', created, connected);
  const pendingStart = firstOf(connected, created);
  const pendingEnd = firstOf(started, firstStop, pendingStart === undefined ? undefined : nowMs);
  add('pending and pull', pendingStart, pendingEnd);
  if (started !== undefined) add('running', started, firstOf(stopping, executionStopped, stopped, nowMs));
  const stopStart = started !== undefined ? firstOf(stopping, executionStopped) : pendingEnd;
  const stopEndCandidates = [executionStopped, stopping].filter((ms): ms is number => ms !== undefined);
  const stopEnd =
    stopStart === undefined || stopEndCandidates.length === 0
      ? undefined
      : Math.max(stopStart, ...stopEndCandidates);
  if (stopStart !== undefined && (stopping !== undefined || executionStopped !== undefined)) {
    add('stopping', stopStart, stopEnd);
  }
  add('deprovisioning', stopEnd, stopped);
  return phases;
}

/**
 * The time axis: the task's life and every line loaded so far (the log windows reach a little before the
 * task's creation and after its stop).
 */
export function timeAxis(
  task: TaskSummaryResponse,
  lines: readonly TraceLineJson[],
  nowMs: number,
): { startMs: number; endMs: number } {
  const times = [
    msOf(task.createdAt),
    msOf(task.stoppedAt) ?? (task.lastStatus === 'STOPPED' ? undefined : nowMs),
    lines[0]?.epochMs,
    lines[lines.length - 1]?.epochMs,
  ].filter((ms): ms is number => ms !== undefined);
  if (times.length === 0) return { startMs: nowMs - 60_000, endMs: nowMs };
  const startMs = Math.min(...times);
  const endMs = Math.max(...times);
  // A task whose life is one instant still needs an axis to draw on.
  return endMs > startMs ? { startMs, endMs } : { startMs: startMs - 500, endMs: startMs + 500 };
}

/**
 * Counts each container's log lines per bin of the axis; lines of other sources are left out.
 * @example logDensity(lines, ['app'], 0, 1000, 10).get('app')?.length === 10
 */
export function logDensity(
  lines: readonly TraceLineJson[],
  containers: readonly string[],
  startMs: number,
  endMs: number,
  bins: number,
): Map<string, number[]> {
  const counts = new Map<string, number[]>();
  const bySource = new Map<string, number[]>();
  for (const name of containers) {
    const row = new Array<number>(bins).fill(0);
    counts.set(name, row);
    bySource.set(containerSource(name), row);
  }
  const width = Math.max(1, endMs - startMs);
  for (const line of lines) {
    if (line.kind !== 'log') continue;
    const row = bySource.get(line.source);
    if (!row) continue;
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(((line.epochMs - startMs) / width) * bins)));
    row[bin] = (row[bin] ?? 0) + 1;
  }
  return counts;
}

/**
 * The whole picture of a task at `nowMs`, from the lines loaded so far.
 * @example buildTimeline(trace.task, trace.lines, Date.now()).lanes[0]?.exitCode
 */
export function buildTimeline(
  task: TaskSummaryResponse,
  lines: readonly TraceLineJson[],
  nowMs: number,
  bins: number = DENSITY_BINS,
): TimelineModel {
  const axis = timeAxis(task, lines, nowMs);
  const phases = lifecyclePhases(task, axis.endMs);
  const started = msOf(task.startedAt);
  const runEnd =
    firstOf(msOf(task.executionStoppedAt), msOf(task.stoppingAt), msOf(task.stoppedAt)) ?? axis.endMs;
  const names = task.containers.map((c) => c.name);
  const density = logDensity(lines, names, axis.startMs, axis.endMs, bins);
  const lanes: ContainerLane[] = task.containers.map((c) => ({
    name: c.name,
    ...(started !== undefined ? { run: { startMs: started, endMs: Math.max(started, runEnd) } } : {}),
    ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
    ...(c.lastStatus !== undefined ? { lastStatus: c.lastStatus } : {}),
    ...(c.essential !== undefined ? { essential: c.essential } : {}),
    density: density.get(c.name) ?? [],
  }));
  const markers = lines
    .filter((line) => line.kind === 'service' || line.source.startsWith('INSTANCE'))
    .map((line) => ({ epochMs: line.epochMs, source: line.source, message: line.message }));
  const stopMs = firstOf(msOf(task.stoppingAt), msOf(task.stoppedAt));
  const pullStart = msOf(task.pullStartedAt);
  const pullEnd = msOf(task.pullStoppedAt);
  return {
    ...axis,
    phases,
    ...(pullStart !== undefined && pullEnd !== undefined && pullEnd >= pullStart
      ? { pull: { startMs: pullStart, endMs: pullEnd } }
      : {}),
    lanes,
    markers,
    ...(stopMs !== undefined
      ? { stop: { epochMs: stopMs, ...(task.stopCode ? { stopCode: task.stopCode } : {}) } }
      : {}),
    bins,
  };
}

/**
 * The index of the first line at or after `epochMs` in lines sorted by time (lines.length when none is).
 * @example firstLineAtOrAfter([{ epochMs: 1 }, { epochMs: 5 }], 3) === 1
 */
export function firstLineAtOrAfter(
  lines: ReadonlyArray<{ readonly epochMs: number }>,
  epochMs: number,
): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((lines[mid]?.epochMs ?? 0) < epochMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A short label for a span of time: `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`.
 * @example formatSpan(65_000) === '1 min 05 s'
 */
export function formatSpan(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1_000);
  if (totalSeconds < 3_600) {
    return `${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)} h ${String(totalMinutes % 60).padStart(2, '0')} min`;
}
