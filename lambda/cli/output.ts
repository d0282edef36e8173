/** How the CLI prints clusters and tasks: stable, tab-separated, one record a line, for scripts and people. */
import type { ClusterListResponse, TaskListItem, TaskListResponse } from '../core/api-types.js';
import { arnToName } from '../core/arn.js';
import { formatTimestamp } from '../core/format.js';

/** A tab or a line break inside a value would break the columns; they become spaces. */
function cell(value: string | undefined): string {
  return value === undefined ? '' : value.replace(/[\t\r\n]+/g, ' ');
}

/**
 * An instant as RFC 3339 in a time zone, to the second, as the original tracer printed `created at`.
 * @example formatRfc3339('2021-11-26T17:29:15.055Z', 'Asia/Tokyo') === '2021-11-27T02:29:15+09:00'
 */
export function formatRfc3339(iso: string | undefined, timeZone: string): string {
  if (iso === undefined) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return cell(iso);
  return formatTimestamp(ms, timeZone).replace(/\.\d{3}(?=Z|[+-])/, '');
}

/** The columns of `tracer` (the cluster list), in order: the name first, so that `cut -f1` gives the names. */
export const CLUSTER_COLUMNS = ['clusterName', 'account', 'region', 'clusterArn'] as const;

/**
 * The clusters, one a line: name, account, region and ARN, tab-separated, so that two accounts' `prod`
 * read apart.
 * @example formatClusterList({ clusters: [prod] }) === 'prod\t123456789012\teu-west-1\tarn:aws:ecs:eu-west-1:123456789012:cluster/prod\n'
 */
export function formatClusterList(response: ClusterListResponse): string {
  return response.clusters
    .map((c) => `${CLUSTER_COLUMNS.map((column) => cell(c[column])).join('\t')}\n`)
    .join('');
}

/** The columns of `tracer CLUSTER`, in order. */
export const TASK_COLUMNS = [
  'taskId',
  'taskDefinition',
  'lastStatus',
  'desiredStatus',
  'createdAt',
  'group',
  'launchType',
  'stopCode',
  'stoppedReason',
] as const;

/**
 * One row of `tracer CLUSTER`: task id, task definition (family:revision), last status, desired status,
 * created at (RFC 3339 in the time zone), group, launch type, stop code and stopped reason, tab-separated.
 * @example formatTaskRow(item, 'UTC').split('\t').length === 9
 */
export function formatTaskRow(item: TaskListItem, timeZone: string): string {
  return [
    cell(item.taskId),
    cell(item.taskDefinition === undefined ? undefined : arnToName(item.taskDefinition)),
    cell(item.lastStatus),
    cell(item.desiredStatus),
    formatRfc3339(item.createdAt, timeZone),
    cell(item.group),
    cell(item.launchType),
    cell(item.stopCode),
    cell(item.stoppedReason),
  ].join('\t');
}

/**
 * The rows of a task list, newest first by createdAt (the source's order is kept for equal times).
 * @example formatTaskList({ tasks: [] }, 'UTC') === ''
 */
export function formatTaskList(response: TaskListResponse, timeZone: string): string {
  const created = (item: TaskListItem) => {
    const ms = item.createdAt === undefined ? Number.NaN : Date.parse(item.createdAt);
    return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
  };
  const sorted = [...response.tasks].sort((a, b) => created(b) - created(a));
  return sorted.map((item) => `${formatTaskRow(item, timeZone)}\n`).join('');
}

/**
 * Pretty JSON with a final newline, for `--json | jq`.
 * @example formatJson({ a: 1 }) === '{\n  "a": 1\n}\n'
 */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
