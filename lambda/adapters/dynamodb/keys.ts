/**
 * The single-table key schema. Every item has `pk` and `sk`; `expiresAt` (epoch seconds) is the TTL
 * attribute. Two sparse global secondary indexes serve the listings.
 *
 * | item                 | pk                          | sk                         | GSI keys                                          |
 * |----------------------|-----------------------------|----------------------------|---------------------------------------------------|
 * | task transition      | `T#<cluster>#<taskId>`      | `V#<version, 12 digits>`   |                                                   |
 * | task summary         | `T#<cluster>#<taskId>`      | `SUMMARY`                  | gsi1: `C#<cluster>#<createdAt day>` / `<createdAt>#<taskId>`; gsi2 (failed only): `F#<cluster>#<stoppedAt month>` / `<stoppedAt>#<taskId>` |
 * | notification ledger  | `T#<cluster>#<taskId>`      | `NOTIFY`                   |                                                   |
 * | recorded cluster     | `CLUSTERS`                  | `<cluster>`                | none; holds `lastSeenAt` and `activeDays` (below) |
 * | task definition      | `TD#<taskDefinitionArn>`    | `TD`                       |                                                   |
 * | service event        | `S#<cluster>#<service>`     | `E#<createdAt>#<eventId>`  |                                                   |
 *
 * Why day buckets on gsi1: a cluster that runs 100,000 tasks a day writes its summaries (about five
 * updates a task) at a few writes a second on average into that day's partition key, far below the
 * 1,000 writes a second one partition takes, and each day's key stops growing at midnight. Failed tasks
 * are rarer, so gsi2 buckets by month.
 *
 * The active-day registry: the recorded-cluster item holds `activeDays`, a string set of the gsi1 days
 * (`YYYY-MM-DD`, the createdAt day, else the event day) that hold the cluster's summaries. The recorder adds
 * a task's day (`ADD`, a set union: order and duplicates do not matter) before it writes the summary. A
 * listing reads the item once and queries only those days newest first, and for failed tasks the gsi2
 * months from the oldest active day to `lastSeenAt`. Days older than the retention are pruned but the
 * newest of them (see active-days.ts). An item without `activeDays` predates the registry: listings walk
 * every day of the retention window.
 */

export const TABLE_KEY = { partitionKey: 'pk', sortKey: 'sk' } as const;
export const TTL_ATTRIBUTE = 'expiresAt';

export const GSI_BY_CLUSTER_TIME = {
  indexName: 'byClusterTime',
  partitionKey: 'gsi1pk',
  sortKey: 'gsi1sk',
} as const;
export const GSI_FAILED_BY_CLUSTER = {
  indexName: 'failedByCluster',
  partitionKey: 'gsi2pk',
  sortKey: 'gsi2sk',
} as const;

export const SUMMARY_SK = 'SUMMARY';
export const NOTIFY_SK = 'NOTIFY';
export const CLUSTERS_PK = 'CLUSTERS';
export const TASK_DEFINITION_SK = 'TD';

/** Partition key of everything tracer keeps about one task. */
export function taskPk(clusterName: string, taskId: string): string {
  return `T#${clusterName}#${taskId}`;
}

/** Sort key of a transition: zero-padded so that string order is version order. */
export function transitionSk(version: number): string {
  return `V#${String(version).padStart(12, '0')}`;
}

export const TRANSITION_SK_PREFIX = 'V#';

/** gsi1 partition: the cluster's tasks created on one UTC day (`YYYY-MM-DD`). */
export function clusterDayPk(clusterName: string, createdAtIso: string): string {
  return `C#${clusterName}#${createdAtIso.slice(0, 10)}`;
}

/** gsi2 partition: the cluster's failed tasks stopped in one UTC month (`YYYY-MM`). */
export function failedMonthPk(clusterName: string, stoppedAtIso: string): string {
  return `F#${clusterName}#${stoppedAtIso.slice(0, 7)}`;
}

/** gsi1/gsi2 sort key: time first so that a descending query is newest first. */
export function timeTaskSk(iso: string, taskId: string): string {
  return `${iso}#${taskId}`;
}

export function taskDefinitionPk(taskDefinitionArn: string): string {
  return `TD#${taskDefinitionArn}`;
}

export function servicePk(clusterName: string, serviceName: string): string {
  return `S#${clusterName}#${serviceName}`;
}

export function serviceEventSk(createdAtIso: string, eventId: string): string {
  return `E#${createdAtIso}#${eventId}`;
}
