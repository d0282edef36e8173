/**
 * The single-table key schema: every key tracer builds is built here. Every item has `pk` and `sk`;
 * `expiresAt` (epoch seconds) is the TTL attribute. Two sparse, KEYS_ONLY global secondary indexes serve
 * the listings.
 *
 * `<scope>` is `clusterScope(cluster)`, `<account>:<region>:<cluster name>` (core/cluster-id.ts): cluster
 * names are unique only in one account and region, so two clusters named `prod` in two accounts never
 * share a key, a listing or a cursor. A cluster name may not contain `:`.
 *
 * | item                 | pk                               | sk                         | index keys                                          |
 * |----------------------|----------------------------------|----------------------------|-----------------------------------------------------|
 * | task                 | `T#<scope>#<taskId>`             | `TASK`                     | tasksByDay: `lpk` `C#<scope>#<listing day>` / `lsk` `<listing time>#<taskId>`; failedByMonth (failed only): `fpk` `F#<scope>#<stop month>` / `fsk` `<stop time>#<taskId>` |
 * | notification ledger  | `N#<scope>#<taskId>`             | `NOTIFY`                   |                                                     |
 * | recorded cluster     | `CLUSTERS`                       | `<scope>`                  | none; holds `clusterName`, `account`, `region`, `lastSeenAt` and `activeDays` (below) |
 * | task definition      | `TD#<taskDefinitionArn>`         | `TD`                       | (the ARN names account and region)                  |
 * | service event        | `S#<scope>#<service>`            | `E#<createdAt>#<eventId>`  |                                                     |
 * | container instance   | `I#<scope>#<instanceId>`         | `H#<6-hour bucket>`        | none; one map attribute per event (below)           |
 * | its EC2 instance     | `I#<scope>#<instanceId>`         | `EC2`                      | none; holds `ec2InstanceId`                         |
 * | EC2 instance notices | `EC2#<account>:<region>:<ec2InstanceId>` | `H#<6-hour bucket>` | none; one map attribute per event                   |
 *
 * The recorder takes a record's account and region from the event itself: the cluster ARN in the detail
 * (else the task, service or container instance ARN), else the event's `account` and `region`; an EC2
 * notice's from the event. A task item also keeps them (`ac`, `rg`, task-item.ts).
 *
 * One item per task (task-item.ts): each ECS event is one conditional UpdateItem that adds its version's
 * map `v<version>` (condition: that version is absent), the attributes the task keeps for life with
 * `if_not_exists`, and the index keys. The index keys come from values that every version agrees on
 * (createdAt, stoppedAt), so they are written once: a later event sets them to the same value, which
 * DynamoDB does not count as an index write. The summary is not stored: it is the newest version, read
 * from the item. So any delivery order and any number of duplicates leave the same item.
 *
 * Listing keys: the listing time is createdAt (else the event time, kept from the first event that
 * arrives); the failed time is stoppedAt (else executionStoppedAt, stoppingAt or the event time). A STOPPED
 * version that is a failure adds the failed keys; a listing drops a task whose newest version is not a
 * failure. The indexes project only their keys: a listing reads the items of a page with BatchGetItem.
 *
 * TTL: a task's item expires retentionDays after it stopped (stoppedAt of a STOPPED version), or, while
 * it runs, after its createdAt.
 *
 * Why day buckets on tasksByDay: a listing partition is one cluster of one account and region on one day.
 * A cluster that runs 100,000 tasks a day writes about 1.2 index entries a second on average (each task's
 * keys once) into that day's partition, far below the 1,000 writes a second one partition takes, and each
 * day's key stops growing at midnight; more accounts, regions or clusters add partitions, never load on
 * one. Failed tasks are rarer, so failedByMonth buckets by month. The table's own partitions are per task.
 * The `CLUSTERS` partition gets about one write per cluster and listing day (the recorder caches the
 * registration), so it stays far below a partition's limits even for thousands of clusters.
 *
 * The active-day registry: the recorded-cluster item holds `activeDays`, a string set of the listing days
 * (`YYYY-MM-DD`) that hold the cluster's tasks. The recorder adds a task's day (`ADD`, a set union: order
 * and duplicates do not matter) before it writes the task. A listing reads the item once and queries only
 * those days newest first, and for failed tasks the months from the oldest active day to `lastSeenAt`.
 * Days older than the retention are pruned but the newest of them (see active-days.ts). An item without
 * `activeDays` predates the registry: listings walk every day of the retention window.
 *
 * The ledger has its own `N#` partitions so that IAM can confine the notifier's writes to them (a
 * `dynamodb:LeadingKeys` condition names partition key prefixes, never sort keys). Ledger items written
 * before, at `T#<cluster>#<taskId>` / `NOTIFY`, are still read (`LEGACY_NOTIFY_PK`) until their TTL removes
 * them, so that a task notified before an upgrade is not notified again.
 *
 * Host items (instance-store): a bucket (`YYYY-MM-DDTHH`, HH one of 00, 06, 12, 18 UTC) holds the
 * container instance's events of those six hours, each in its own attribute (`v<version>`, else
 * `e<eventId>`) written with `if_not_exists`, and an `expiresAt` computed from the bucket: duplicates and
 * late events leave the same item. Spot interruption warnings and rebalance recommendations carry only the
 * EC2 instance id, so they are kept under that id (attribute `e<eventId>`) whether or not a container
 * instance claims it; a trace reads them through the container instance's `EC2` item, and those of
 * instances no container instance names are never read and expire with the retention.
 *
 * Items of the earlier layout (one `V#<version>` item per transition and a `SUMMARY` item, in the
 * ALL-projected indexes byClusterTime and failedByCluster) are moved into task items by `tracer migrate`.
 */

import { type ClusterId, clusterScope, type HomeScope } from '../../core/cluster-id.js';

export const TABLE_KEY = { partitionKey: 'pk', sortKey: 'sk' } as const;
export const TTL_ATTRIBUTE = 'expiresAt';

/** All tasks of a cluster by listing day, newest first; KEYS_ONLY. */
export const GSI_TASKS_BY_DAY = {
  indexName: 'tasksByDay',
  partitionKey: 'lpk',
  sortKey: 'lsk',
} as const;
/** Failed tasks of a cluster by stop month, newest first; sparse and KEYS_ONLY. */
export const GSI_FAILED_BY_MONTH = {
  indexName: 'failedByMonth',
  partitionKey: 'fpk',
  sortKey: 'fsk',
} as const;

/** The listing indexes of the table, with the projection each has. */
export const LISTING_INDEXES = [GSI_TASKS_BY_DAY, GSI_FAILED_BY_MONTH] as const;

export const TASK_SK = 'TASK';
export const NOTIFY_SK = 'NOTIFY';
export const CLUSTERS_PK = 'CLUSTERS';
export const TASK_DEFINITION_SK = 'TD';

/** Partition key of everything tracer keeps about one task. */
export function taskPk(cluster: ClusterId, taskId: string): string {
  return `T#${clusterScope(cluster)}#${taskId}`;
}

/**
 * The cluster scope and task id of a task partition key, or undefined for another key. The scope is
 * `<account>:<region>:<name>`, or a bare name in an item of the earlier layout (see `parseClusterScope`).
 */
export function parseTaskPk(pk: string): { scope: string; clusterName: string; taskId: string } | undefined {
  const m = /^T#(.+)#([^#]+)$/.exec(pk);
  if (!m) return undefined;
  const scope = m[1] as string;
  return { scope, clusterName: scope.slice(scope.lastIndexOf(':') + 1), taskId: m[2] as string };
}

/** Partition key of a task's notification ledger item, apart from the task so that IAM can tell them apart. */
export function notificationPk(cluster: ClusterId, taskId: string): string {
  return `N#${clusterScope(cluster)}#${taskId}`;
}

/** Sort key of a cluster's item in the `CLUSTERS` partition. */
export function clusterSk(cluster: ClusterId): string {
  return clusterScope(cluster);
}

/**
 * The partition key patterns (`dynamodb:LeadingKeys`, IAM StringLike) of each kind of item, for grants that
 * confine a function's writes to its own items.
 */
export const LEADING_KEY_PATTERNS = {
  task: 'T#*',
  notification: 'N#*',
  cluster: CLUSTERS_PK,
  taskDefinition: 'TD#*',
  serviceEvent: 'S#*',
  containerInstance: 'I#*',
  ec2Instance: 'EC2#*',
} as const;

/** tasksByDay partition: the cluster's tasks listed on one UTC day (`YYYY-MM-DD`). */
export function clusterDayPk(cluster: ClusterId, createdAtIso: string): string {
  return `C#${clusterScope(cluster)}#${createdAtIso.slice(0, 10)}`;
}

/** failedByMonth partition: the cluster's failed tasks stopped in one UTC month (`YYYY-MM`). */
export function failedMonthPk(cluster: ClusterId, stoppedAtIso: string): string {
  return `F#${clusterScope(cluster)}#${stoppedAtIso.slice(0, 7)}`;
}

/** Listing sort key: time first so that a descending query is newest first, then the task id for ties. */
export function listingSk(iso: string, taskId: string): string {
  return `${iso}#${taskId}`;
}

export function taskDefinitionPk(taskDefinitionArn: string): string {
  return `TD#${taskDefinitionArn}`;
}

export function servicePk(cluster: ClusterId, serviceName: string): string {
  return `S#${clusterScope(cluster)}#${serviceName}`;
}

export function serviceEventSk(createdAtIso: string, eventId: string): string {
  return `E#${createdAtIso}#${eventId}`;
}

/** Hours of one host bucket. */
export const INSTANCE_BUCKET_HOURS = 6;
export const EC2_MAPPING_SK = 'EC2';

/** Partition of one container instance's events. */
export function containerInstancePk(cluster: ClusterId, containerInstanceId: string): string {
  return `I#${clusterScope(cluster)}#${containerInstanceId}`;
}

/** Partition of EC2's notices about one instance: instance ids are unique only in one account and region. */
export function ec2InstancePk(scope: HomeScope, ec2InstanceId: string): string {
  return `EC2#${scope.account}:${scope.region}:${ec2InstanceId}`;
}

/**
 * The host bucket of an instant: `H#` and the UTC hour that starts its six hours.
 * @example hostBucketSk(Date.parse('2020-06-05T12:16:57Z')) === 'H#2020-06-05T12'
 */
export function hostBucketSk(epochMs: number): string {
  const bucketMs = INSTANCE_BUCKET_HOURS * 3_600_000;
  return `H#${new Date(Math.floor(epochMs / bucketMs) * bucketMs).toISOString().slice(0, 13)}`;
}

/**
 * The earlier layout, read only by `tracer migrate`: one item per transition (`sk` `V#<version, 12
 * digits>`) and a `SUMMARY` item per task that carried gsi1pk/gsi1sk and gsi2pk/gsi2sk.
 */
export const LEGACY_LAYOUT = {
  summarySk: 'SUMMARY',
  transitionSkPrefix: 'V#',
  indexKeys: ['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'],
} as const;

/**
 * The keys of the layout before clusters carried their account and region: the cluster segment is the
 * bare cluster name, and EC2 notices are keyed by the instance id alone. Items so keyed belong to the
 * stack's home (see `parseClusterScope`); they are read beside the new keys (point reads, the
 * clusters listing, the home cluster's task listings merged newest first) until their TTL removes them.
 */
export const UNSCOPED_LAYOUT = {
  taskPk: (clusterName: string, taskId: string) => `T#${clusterName}#${taskId}`,
  notificationPk: (clusterName: string, taskId: string) => `N#${clusterName}#${taskId}`,
  clusterSk: (clusterName: string) => clusterName,
  clusterDayPk: (clusterName: string, day: string) => `C#${clusterName}#${day}`,
  failedMonthPk: (clusterName: string, month: string) => `F#${clusterName}#${month}`,
  servicePk: (clusterName: string, serviceName: string) => `S#${clusterName}#${serviceName}`,
  containerInstancePk: (clusterName: string, id: string) => `I#${clusterName}#${id}`,
  ec2InstancePk: (ec2InstanceId: string) => `EC2#${ec2InstanceId}`,
} as const;

/**
 * Where ledger items were written before they had their own partitions (the task's, with sort key
 * `NOTIFY`); read only, so that a notification sent before an upgrade stays sent.
 */
export const LEGACY_NOTIFY_PK = UNSCOPED_LAYOUT.taskPk;

/** Whether a key's cluster segment (or an EC2 partition's id) predates account and region. */
export function isUnscopedSegment(segment: string): boolean {
  return !segment.includes(':');
}
