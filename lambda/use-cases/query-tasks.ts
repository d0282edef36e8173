/**
 * The read side of the API beside the trace: recorded clusters, a cluster's tasks, one task's summary.
 *
 * Primary course: read what the recorder stored and shape it as the API's JSON contract. A task that was
 * never recorded is looked up in ECS when a live source is wired, as the trace does.
 */

import type { ClusterListResponse, TaskListResponse, TaskSummaryResponse } from '../core/api-types.js';
import { type ClusterId, type ClusterRef, type HomeScope, resolveCluster } from '../core/cluster-id.js';
import { ClusterNotFoundError } from '../core/errors.js';
import { toTaskListItem, toTaskSummaryResponse } from '../core/task-view.js';
import { findTask, resolveTaskDefinition } from './find-task.js';
import { readHostActivity, refineWithHost } from './host-activity.js';
import type {
  Clock,
  InstanceHistory,
  ListTasksQuery,
  LiveTaskSource,
  RecordedCluster,
  TaskDefinitionSource,
  TaskDefinitionStore,
  TaskHistory,
} from './ports.js';

export interface QueryTasksDeps {
  readonly history: TaskHistory;
  readonly taskDefinitions: TaskDefinitionStore;
  readonly taskDefinitionSource?: TaskDefinitionSource;
  readonly live?: LiveTaskSource;
  /**
   * An EC2 task's container instance history, which refines the diagnosis (a drain, a lost agent).
   * @default - the diagnosis from the task's own events
   */
  readonly instances?: InstanceHistory;
  readonly clock?: Clock;
}

/** The `account` and `region` filters of a cluster listing. */
export interface ClusterListFilter {
  readonly account?: string;
  readonly region?: string;
}

/**
 * The clusters tracer has recorded within the filters, most recently seen first, each with its account,
 * region and ARN so that same-named clusters of two accounts are told apart.
 * @example (await listClusters(deps, { account: '222233334444' })).clusters[0]?.clusterArn
 */
export async function listClusters(
  deps: Pick<QueryTasksDeps, 'history'>,
  filter: ClusterListFilter = {},
): Promise<ClusterListResponse> {
  const clusters = (await listRecordedClusters(deps)).filter(
    (c) =>
      (filter.account === undefined || c.account === filter.account) &&
      (filter.region === undefined || c.region === filter.region),
  );
  return {
    clusters: clusters.map((c) => ({
      clusterName: c.clusterName,
      account: c.account,
      region: c.region,
      clusterArn: c.clusterArn,
      lastSeenAt: c.lastSeenAt,
    })),
  };
}

/**
 * The recorded clusters, most recently seen first, each with its account, region and ARN: what a caller
 * needs to resolve a cluster name (`resolveCluster`) or to list clusters apart.
 * @example (await listRecordedClusters(deps))[0]?.clusterArn
 */
export async function listRecordedClusters(
  deps: Pick<QueryTasksDeps, 'history'>,
): Promise<RecordedCluster[]> {
  const clusters = await deps.history.listClusters();
  return [...clusters].sort(
    (a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt) || a.clusterArn.localeCompare(b.clusterArn),
  );
}

/**
 * The cluster a caller named: a name narrowed by account and region where given, among the recorded
 * clusters (a name no recorded cluster carries is `home`'s).
 * @throws AmbiguousClusterError when the name is recorded in more than one account or region.
 * @example const cluster = await resolveRecordedCluster(deps, { name: 'prod' }, home);
 */
export async function resolveRecordedCluster(
  deps: Pick<QueryTasksDeps, 'history'>,
  ref: ClusterRef,
  home: HomeScope,
): Promise<ClusterId> {
  if (ref.account !== undefined && ref.region !== undefined) return resolveCluster(ref, [], home);
  const known = (await deps.history.listClusters()).map((c) => ({
    account: c.account,
    region: c.region,
    name: c.clusterName,
  }));
  return resolveCluster(ref, known, home);
}

/**
 * A page of a cluster's tasks, newest first.
 * @throws ClusterNotFoundError when the cluster has no recorded tasks at all (an empty first page of a
 *   cluster tracer knows is simply an empty list).
 */
export async function listTasks(
  deps: Pick<QueryTasksDeps, 'history'>,
  query: ListTasksQuery,
): Promise<TaskListResponse> {
  const page = await deps.history.listTasks(query);
  if (page.items.length === 0 && query.cursor === undefined) {
    // Only an empty answer pays for the extra read that tells "no such cluster" from "no such tasks".
    const clusters = await deps.history.listClusters();
    const { cluster } = query;
    if (
      !clusters.some(
        (c) => c.clusterName === cluster.name && c.account === cluster.account && c.region === cluster.region,
      )
    ) {
      throw new ClusterNotFoundError(cluster.name);
    }
  }
  return {
    tasks: page.items.map(toTaskListItem),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}

/**
 * One task's summary with its failure classification.
 * @throws TaskNotFoundError when tracer never recorded it and ECS does not know it.
 */
export async function getTask(
  deps: QueryTasksDeps,
  cluster: ClusterId,
  taskId: string,
): Promise<TaskSummaryResponse> {
  const { task: found, source } = await findTask(deps, cluster, taskId);
  const { taskDefinition } = await resolveTaskDefinition(deps, found.summary.taskDefinitionArn);
  let task = found;
  if (deps.instances && deps.clock && found.summary.lastStatus === 'STOPPED') {
    const host = await readHostActivity(deps.instances, found.summary, deps.clock.nowMs(), cluster);
    const failure = refineWithHost(found.failure, found.summary, taskDefinition, host);
    if (failure) task = { summary: found.summary, failure };
  }
  return toTaskSummaryResponse(task, source, taskDefinition);
}
