/**
 * The API's JSON answers with their ISO 8601 times shown in a time zone, for `tracer --json --tz ZONE` and
 * the MCP server's JSON traces. Only the rendering of each instant changes: `epochMs` and the order stay as
 * the API sent them, and a value that is not a time is left alone.
 */
import type {
  ClusterListResponse,
  TaskListItem,
  TaskListResponse,
  TaskSummaryResponse,
  TraceLineJson,
  TraceResponse,
} from './api-types.js';
import { formatTimestamp } from './format.js';

/**
 * An ISO 8601 instant as `formatTimestamp` shows it in the zone; anything else unchanged.
 * @example instantInZone('2021-11-26T17:29:15.055Z', 'Asia/Tokyo') === '2021-11-27T02:29:15.055+09:00'
 */
export function instantInZone(iso: string, timeZone: string): string {
  const epochMs = Date.parse(iso);
  return Number.isNaN(epochMs) ? iso : formatTimestamp(epochMs, timeZone);
}

function timesInZone<T extends object, K extends keyof T & string>(
  value: T,
  keys: readonly K[],
  timeZone: string,
): T {
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of keys) {
    const iso = out[key];
    if (typeof iso === 'string') out[key] = instantInZone(iso, timeZone);
  }
  return out as T;
}

/**
 * A trace line with its timestamp in the zone, from its `epochMs`.
 * @example traceLineInZone(line, 'Asia/Tokyo').epochMs === line.epochMs
 */
export function traceLineInZone(line: TraceLineJson, timeZone: string): TraceLineJson {
  return { ...line, timestamp: formatTimestamp(line.epochMs, timeZone) };
}

/**
 * A task summary with its lifecycle times in the zone.
 * @example taskSummaryInZone(task, 'UTC').createdAt === task.createdAt
 */
export function taskSummaryInZone(task: TaskSummaryResponse, timeZone: string): TaskSummaryResponse {
  return timesInZone(
    task,
    [
      'createdAt',
      'connectivityAt',
      'pullStartedAt',
      'pullStoppedAt',
      'startedAt',
      'stoppingAt',
      'executionStoppedAt',
      'stoppedAt',
    ],
    timeZone,
  );
}

/**
 * A JSON trace with every time in the zone.
 * @example traceInZone(trace, 'Asia/Tokyo').lines[0]?.timestamp.endsWith('+09:00')
 */
export function traceInZone(trace: TraceResponse, timeZone: string): TraceResponse {
  return {
    ...trace,
    task: taskSummaryInZone(trace.task, timeZone),
    lines: trace.lines.map((line) => traceLineInZone(line, timeZone)),
  };
}

/**
 * A task list with each task's times in the zone.
 * @example taskListInZone({ tasks: [] }, 'UTC').tasks.length === 0
 */
export function taskListInZone(list: TaskListResponse, timeZone: string): TaskListResponse {
  return {
    ...list,
    tasks: list.tasks.map((task: TaskListItem) => timesInZone(task, ['createdAt', 'stoppedAt'], timeZone)),
  };
}

/**
 * A cluster list with each `lastSeenAt` in the zone.
 * @example clusterListInZone({ clusters: [] }, 'UTC').clusters.length === 0
 */
export function clusterListInZone(list: ClusterListResponse, timeZone: string): ClusterListResponse {
  return { ...list, clusters: list.clusters.map((c) => timesInZone(c, ['lastSeenAt'], timeZone)) };
}
