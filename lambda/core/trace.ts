/**
 * The trace: one ordered story of a task, merged from its lifecycle transitions, its service's events,
 * its containers' log lines, a closing status line per container and tracer's own notices.
 */
import type { TraceLineKind } from './api-types.js';
import type { FailureClassification } from './failure.js';
import type { TaskSummary } from './model.js';
import {
  LIFECYCLE_TIMESTAMPS,
  type LifecycleTimestamp,
  lifecycleMs,
  type ServiceEvent,
  toEpochMs,
} from './model.js';
import { redactSecrets } from './redact.js';

/** One line of a trace: `<timestamp>\t<source>\t<message>` once formatted. */
export interface TraceLine {
  readonly epochMs: number;
  readonly source: string;
  readonly message: string;
  readonly kind: TraceLineKind;
  /** A FireLens record's other fields (`source`, `container_id`, `ecs_task_arn`, ...), redacted. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

export const TASK_SOURCE = 'TASK';
export const SERVICE_SOURCE = 'SERVICE';
/** tracer's own lines: what it could not read, and the failure diagnosis. */
export const TRACER_SOURCE = 'TRACER';

/**
 * The source of a container's lines.
 * @example containerSource('nginx') === 'CONTAINER:nginx'
 */
export function containerSource(containerName: string): string {
  return `CONTAINER:${containerName}`;
}

/** A container's log events, oldest first, as the log source returned them. */
export interface ContainerLogs {
  readonly containerName: string;
  readonly events: ReadonlyArray<{
    readonly timestampMs: number;
    readonly message: string;
    readonly fields?: Readonly<Record<string, unknown>>;
  }>;
}

function validMs(task: TaskSummary, field: LifecycleTimestamp): number | undefined {
  const ms = lifecycleMs(task, field);
  return ms === undefined || Number.isNaN(ms) ? undefined : ms;
}

/** The latest instant the summary knows of, for lines that belong to "now" of a task that has not stopped. */
function latestMs(task: TaskSummary): number {
  let latest: number | undefined;
  for (const field of LIFECYCLE_TIMESTAMPS) {
    const ms = validMs(task, field);
    if (ms !== undefined && (latest === undefined || ms > latest)) latest = ms;
  }
  return latest ?? toEpochMs(task.eventTime);
}

function earliestMs(task: TaskSummary): number {
  let earliest: number | undefined;
  for (const field of LIFECYCLE_TIMESTAMPS) {
    const ms = validMs(task, field);
    if (ms !== undefined && (earliest === undefined || ms < earliest)) earliest = ms;
  }
  return earliest ?? toEpochMs(task.eventTime);
}

const BEFORE_STOP: ReadonlyArray<readonly [LifecycleTimestamp, string]> = [
  ['createdAt', 'Created'],
  ['connectivityAt', 'Connected'],
  ['pullStartedAt', 'Pull started'],
  ['pullStoppedAt', 'Pull stopped'],
  ['startedAt', 'Started'],
  ['stoppingAt', 'Stopping'],
];

/**
 * The `TASK` lines of a task, in the order that breaks ties: Created, Connected, Pull started, Pull stopped,
 * Started, Stopping, `StoppedReason:<reason>`, `StoppedCode:<code>` (both at stoppingAt, or stoppedAt when
 * the STOPPING transition is unknown), Execution stopped, Stopped. Timestamps ECS has not reported are
 * left out.
 * @example taskTransitionLines(summary)[0] // { source: 'TASK', message: 'Created', kind: 'transition', epochMs }
 */
export function taskTransitionLines(summary: TaskSummary): TraceLine[] {
  const lines: TraceLine[] = [];
  const add = (epochMs: number | undefined, message: string) => {
    if (epochMs !== undefined) lines.push({ epochMs, source: TASK_SOURCE, message, kind: 'transition' });
  };
  for (const [field, message] of BEFORE_STOP) add(validMs(summary, field), message);
  const stopMs = validMs(summary, 'stoppingAt') ?? validMs(summary, 'stoppedAt');
  if (summary.stoppedReason) add(stopMs, `StoppedReason:${redactSecrets(summary.stoppedReason)}`);
  if (summary.stopCode) add(stopMs, `StoppedCode:${summary.stopCode}`);
  add(validMs(summary, 'executionStoppedAt'), 'Execution stopped');
  add(validMs(summary, 'stoppedAt'), 'Stopped');
  return lines;
}

/**
 * One closing status line per container, at stoppedAt (or the latest known instant while the task runs):
 * `STOPPED (exit code: 0)`, plus ` (reason: ...)` and ` (health status: ...)` when ECS reported them.
 * @example containerStatusLines(summary)[0]?.message === 'STOPPED (exit code: 0)'
 */
export function containerStatusLines(summary: TaskSummary): TraceLine[] {
  const epochMs = validMs(summary, 'stoppedAt') ?? latestMs(summary);
  return summary.containers.map((container) => {
    let message = container.lastStatus ?? 'UNKNOWN';
    if (container.exitCode !== undefined) message += ` (exit code: ${container.exitCode})`;
    if (container.reason) message += ` (reason: ${redactSecrets(container.reason)})`;
    // UNKNOWN is what ECS reports for every container without a health check: not worth a word.
    if (container.healthStatus && container.healthStatus !== 'UNKNOWN') {
      message += ` (health status: ${container.healthStatus})`;
    }
    return { epochMs, source: containerSource(container.name), message, kind: 'status' as const };
  });
}

/**
 * `TRACER` notice lines (what could not be read, and why), placed at the task's creation so that they
 * open the trace.
 * @example noticeLines(summary, ['logs of container app could not be read: log group /ecs/app does not exist'])
 */
export function noticeLines(summary: TaskSummary, messages: readonly string[]): TraceLine[] {
  const epochMs = validMs(summary, 'createdAt') ?? earliestMs(summary);
  return messages.map((message) => ({ epochMs, source: TRACER_SOURCE, message, kind: 'notice' as const }));
}

/**
 * The failure diagnosis as a `TRACER` line at stoppedAt, or undefined for a task that stopped normally
 * (or has not stopped). Spot interruptions are not failures but still get their explanation.
 * @example diagnosisLine(summary, classifyFailure(summary))?.message.startsWith('Diagnosis (image-pull):')
 */
export function diagnosisLine(
  summary: TaskSummary,
  failure: FailureClassification | undefined,
): TraceLine | undefined {
  if (!failure || failure.kind === 'not-failed') return undefined;
  const hint = failure.hint ? ` Hint: ${failure.hint}` : '';
  return {
    epochMs: validMs(summary, 'stoppedAt') ?? latestMs(summary),
    source: TRACER_SOURCE,
    message: `Diagnosis (${failure.kind}): ${failure.diagnosis}${hint}`,
    kind: 'notice',
  };
}

/**
 * `SERVICE` lines from service events, in the given order.
 * @example serviceEventLines(events)[0]?.source === 'SERVICE'
 */
export function serviceEventLines(events: readonly ServiceEvent[]): TraceLine[] {
  const lines: TraceLine[] = [];
  for (const event of events) {
    const epochMs = toEpochMs(event.createdAt);
    if (Number.isNaN(epochMs)) continue;
    lines.push({ epochMs, source: SERVICE_SOURCE, message: redactSecrets(event.message), kind: 'service' });
  }
  return lines;
}

/** Everything a trace is made of. The order of the fields is the order that breaks ties of equal time. */
export interface TraceParts {
  readonly transitions: readonly TraceLine[];
  readonly serviceEvents: readonly ServiceEvent[];
  /** The container instance's `INSTANCE` lines (instance.ts). */
  readonly instanceLines?: readonly TraceLine[];
  readonly logs: readonly ContainerLogs[];
  readonly statusLines: readonly TraceLine[];
  readonly notices: readonly TraceLine[];
  readonly diagnosis?: TraceLine;
}

function byTime(a: TraceLine, b: TraceLine): number {
  return a.epochMs - b.epochMs;
}

function isSorted(lines: readonly TraceLine[]): boolean {
  for (let i = 1; i < lines.length; i++) {
    if ((lines[i] as TraceLine).epochMs < (lines[i - 1] as TraceLine).epochMs) return false;
  }
  return true;
}

/** Array.prototype.sort is stable, so lines of equal time keep their insertion order. */
function sortedStable(lines: readonly TraceLine[]): readonly TraceLine[] {
  return isSorted(lines) ? lines : [...lines].sort(byTime);
}

function stripTrailingNewlines(message: string): string {
  let end = message.length;
  while (end > 0) {
    const code = message.charCodeAt(end - 1);
    if (code !== 10 && code !== 13) break;
    end -= 1;
  }
  return end === message.length ? message : message.slice(0, end);
}

/** Redacts the string values of a record's fields, nested ones too. */
function redactFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const redact = (value: unknown): unknown => {
    if (typeof value === 'string') return redactSecrets(value);
    if (Array.isArray(value)) return value.map(redact);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redact(inner)]));
    }
    return value;
  };
  return redact(fields) as Record<string, unknown>;
}

function logLines(logs: ContainerLogs): readonly TraceLine[] {
  const source = containerSource(logs.containerName);
  const lines: TraceLine[] = new Array(logs.events.length);
  for (let i = 0; i < logs.events.length; i++) {
    const event = logs.events[i] as ContainerLogs['events'][number];
    const message = redactSecrets(stripTrailingNewlines(event.message));
    lines[i] = event.fields
      ? { epochMs: event.timestampMs, source, message, kind: 'log', fields: redactFields(event.fields) }
      : { epochMs: event.timestampMs, source, message, kind: 'log' };
  }
  // CloudWatch Logs returns a stream in time order; the check is linear and sorting is only a fallback.
  return sortedStable(lines);
}

function lineKey(line: TraceLine): string {
  return `${line.source}\u0000${line.message}`;
}

/**
 * Merges the parts of a trace into one list ordered by time. Lines of equal time keep the insertion order
 * transitions → service events → host lines → each container's logs → status lines → notices and diagnosis, which is
 * what a stable sort of their concatenation gives (so Stopping, StoppedReason and StoppedCode stay in that
 * order). Identical lines (time, source and message) appear once. Log messages are redacted.
 *
 * Each part is already in time order (log streams come sorted from CloudWatch Logs), so this is a k-way
 * merge, linear in the number of lines, rather than a sort of the whole trace.
 * @example buildTrace({ transitions: taskTransitionLines(summary), serviceEvents: [], logs: [], statusLines: [], notices: [] })
 */
export function buildTrace(parts: TraceParts): TraceLine[] {
  const groups: (readonly TraceLine[])[] = [
    sortedStable(parts.transitions),
    sortedStable(serviceEventLines(parts.serviceEvents)),
    sortedStable(parts.instanceLines ?? []),
    ...parts.logs.map(logLines),
    sortedStable(parts.statusLines),
    sortedStable(parts.diagnosis ? [...parts.notices, parts.diagnosis] : parts.notices),
  ].filter((group) => group.length > 0);

  let total = 0;
  for (const group of groups) total += group.length;
  const out: TraceLine[] = [];
  const heads = groups.map(() => 0);
  // Dedupe only looks at lines of the same millisecond: identical lines always share one.
  let runMs = Number.NaN;
  let runStart = 0;
  let runKeys: Set<string> | undefined;

  const emit = (line: TraceLine) => {
    if (line.epochMs !== runMs) {
      runMs = line.epochMs;
      runStart = out.length;
      runKeys = undefined;
      out.push(line);
      return;
    }
    if (runKeys === undefined) {
      const runLength = out.length - runStart;
      if (runLength < 8) {
        for (let i = runStart; i < out.length; i++) {
          const other = out[i] as TraceLine;
          if (other.source === line.source && other.message === line.message) return;
        }
        out.push(line);
        return;
      }
      runKeys = new Set();
      for (let i = runStart; i < out.length; i++) runKeys.add(lineKey(out[i] as TraceLine));
    }
    const key = lineKey(line);
    if (runKeys.has(key)) return;
    runKeys.add(key);
    out.push(line);
  };

  let remaining = total;
  while (remaining > 0) {
    let best = -1;
    let bestMs = Number.POSITIVE_INFINITY;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g] as readonly TraceLine[];
      const head = heads[g] as number;
      // Strictly less: on equal time the earlier group wins, which keeps the insertion order.
      if (head < group.length && (group[head] as TraceLine).epochMs < bestMs) {
        bestMs = (group[head] as TraceLine).epochMs;
        best = g;
      }
    }
    // Copy the whole run of the winning group that stays ahead of every other group's head: an earlier
    // group wins ties, so the run stops before its time; a later group loses ties, so the run includes it.
    let beforeMs = Number.POSITIVE_INFINITY;
    let throughMs = Number.POSITIVE_INFINITY;
    for (let g = 0; g < groups.length; g++) {
      const other = groups[g] as readonly TraceLine[];
      const otherHead = heads[g] as number;
      if (g === best || otherHead >= other.length) continue;
      const ms = (other[otherHead] as TraceLine).epochMs;
      if (g < best) beforeMs = Math.min(beforeMs, ms);
      else throughMs = Math.min(throughMs, ms);
    }
    const group = groups[best] as readonly TraceLine[];
    const head = heads[best] as number;
    let end = head;
    while (end < group.length) {
      const ms = (group[end] as TraceLine).epochMs;
      if (ms >= beforeMs || ms > throughMs) break;
      emit(group[end] as TraceLine);
      end += 1;
    }
    remaining -= end - head;
    heads[best] = end;
  }
  return out;
}
