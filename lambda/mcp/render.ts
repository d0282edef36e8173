/**
 * The text content of the tools' answers: what an assistant reads, next to the structured content. Lists
 * use the CLI's tab-separated rows under a header line that names the columns; times are printed in the
 * server's time zone, as the trace's are.
 */

import { formatTaskList, TASK_COLUMNS } from '../cli/output.js';
import type {
  ClusterListResponse,
  ContainerSummary,
  TaskListResponse,
  TaskSummaryResponse,
} from '../core/api-types.js';
import { formatTimestamp } from '../core/format.js';

function timeIn(iso: string | undefined, timeZone: string): string | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : formatTimestamp(ms, timeZone);
}

/** A tab or a line break inside a value would break the columns. */
function cell(value: string): string {
  return value.replace(/[\t\r\n]+/g, ' ');
}

/**
 * The clusters, one a line under a header: name and when tracer last recorded one of its tasks.
 * @example renderClusterList({ clusters: [] }, 'UTC').startsWith('no clusters yet')
 */
export function renderClusterList(response: ClusterListResponse, timeZone: string): string {
  if (response.clusters.length === 0) {
    return 'no clusters yet; tracer lists a cluster once it has recorded one of its tasks\n';
  }
  const rows = response.clusters.map(
    (c) =>
      `${[c.clusterName, c.account, c.region, c.clusterArn].map(cell).join('\t')}\t${timeIn(c.lastSeenAt, timeZone) ?? ''}\n`,
  );
  return `clusterName\taccount\tregion\tclusterArn\tlastSeenAt\n${rows.join('')}`;
}

/**
 * The task rows of `tracer CLUSTER` under a header line, and how to read the next page.
 * @example renderTaskList({ tasks: [] }, 'default', 'UTC') === 'no tasks of cluster default match\n'
 */
export function renderTaskList(response: TaskListResponse, cluster: string, timeZone: string): string {
  const more = response.nextCursor
    ? `more tasks follow; for the next page call list_tasks again with the same arguments and cursor "${response.nextCursor}"\n`
    : '';
  if (response.tasks.length === 0) return `no tasks of cluster ${cluster} match\n${more}`;
  return `${TASK_COLUMNS.join('\t')}\n${formatTaskList(response, timeZone)}${more}`;
}

function renderContainer(container: ContainerSummary): string {
  const facts = [
    container.essential === false ? 'not essential' : undefined,
    container.image ? `image ${container.image}` : undefined,
    container.lastStatus ? `lastStatus ${container.lastStatus}` : undefined,
    container.exitCode !== undefined ? `exit code ${container.exitCode}` : undefined,
    container.healthStatus ? `health ${container.healthStatus}` : undefined,
    container.reason ? `reason: ${cell(container.reason)}` : undefined,
  ].filter((fact): fact is string => fact !== undefined);
  return `  ${container.name}${facts.length > 0 ? `: ${facts.join(', ')}` : ''}\n`;
}

/**
 * A task summary as `field: value` lines, the containers, and tracer's failure diagnosis.
 * @example renderTaskSummary(summary, 'Asia/Tokyo').includes('failure: image-pull')
 */
export function renderTaskSummary(summary: TaskSummaryResponse, timeZone: string): string {
  const fields: ReadonlyArray<readonly [string, string | undefined]> = [
    [
      'task',
      `${summary.taskId} in cluster ${summary.cluster} (${summary.source === 'live' ? 'live from ECS' : 'recorded by tracer'})`,
    ],
    ['taskArn', summary.taskArn],
    ['taskDefinition', summary.taskDefinition],
    ['group', summary.group],
    ['launchType', summary.launchType],
    ['lastStatus', summary.lastStatus],
    ['desiredStatus', summary.desiredStatus],
    ['createdAt', timeIn(summary.createdAt, timeZone)],
    ['startedAt', timeIn(summary.startedAt, timeZone)],
    ['stoppingAt', timeIn(summary.stoppingAt, timeZone)],
    ['stoppedAt', timeIn(summary.stoppedAt, timeZone)],
    ['stopCode', summary.stopCode],
    ['stoppedReason', summary.stoppedReason],
  ];
  const lines = fields
    .filter((field): field is readonly [string, string] => field[1] !== undefined)
    .map(([name, value]) => `${name}: ${cell(value)}\n`);
  if (summary.containers.length > 0) {
    lines.push('containers:\n', ...summary.containers.map(renderContainer));
  }
  const failure = summary.failure;
  if (failure?.failed) {
    lines.push(`failure: ${failure.kind}\n`, `diagnosis: ${cell(failure.diagnosis)}\n`);
    if (failure.hint) lines.push(`hint: ${cell(failure.hint)}\n`);
  } else if (failure) {
    lines.push(`failure: none (${failure.kind})\n`, `diagnosis: ${cell(failure.diagnosis)}\n`);
    if (failure.hint) lines.push(`hint: ${cell(failure.hint)}\n`);
  } else if (summary.lastStatus === 'STOPPED') {
    lines.push('failure: no diagnosis recorded\n');
  } else {
    lines.push('failure: none yet (the task has not stopped)\n');
  }
  return lines.join('');
}
